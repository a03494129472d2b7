package kamal

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secrets/file"
)

// Files says which files a destination uses.
type Files struct {
	// Deploy is config/deploy.yml or config/deploy.<dest>.yml.
	Deploy string
	// Secrets is .kamal/secrets or .kamal/secrets.<dest>.
	Secrets string
}

var destination = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// FilesFor returns the paths (relative to the app directory) Kamal reads for
// destination dest; "" is the default destination.
func FilesFor(dest string) (Files, error) {
	if dest == "" {
		return Files{Deploy: "config/deploy.yml", Secrets: ".kamal/secrets"}, nil
	}
	if !destination.MatchString(dest) {
		return Files{}, ensure.Invalid("kamal destination", dest, "must be lowercase letters, digits, '-' or '_'", "use a name like staging")
	}
	return Files{Deploy: "config/deploy." + dest + ".yml", Secrets: ".kamal/secrets." + dest}, nil
}

// WriteFiles merges cfg into the destination's deploy file and sec into its
// secrets file under dir, validating the result against Kamal's rules before
// anything is written. A secrets file with raw values is listed in
// .gitignore and .dockerignore first. It reports whether anything changed.
func WriteFiles(dir, dest string, cfg Config, sec SecretsFile) (ensure.Op, error) {
	files, err := FilesFor(dest)
	if err != nil {
		return "", err
	}
	deployPath := filepath.Join(dir, filepath.FromSlash(files.Deploy))
	old, err := readIfExists(deployPath)
	if err != nil {
		return "", fmt.Errorf("write kamal config: %w", err)
	}
	rendered, err := Render(cfg, old)
	if err != nil {
		return "", fmt.Errorf("write kamal config: %w", err)
	}
	if dest == "" {
		err = Validate(rendered)
	} else {
		err = ValidateOverlay(rendered)
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", files.Deploy, err)
	}

	secretsPath := filepath.Join(dir, filepath.FromSlash(files.Secrets))
	oldSecrets, err := readIfExists(secretsPath)
	if err != nil {
		return "", fmt.Errorf("write kamal secrets: %w", err)
	}
	newSecrets := []byte(mergeSecrets(string(oldSecrets), sec.Header, sec.Lines))

	var ops []ensure.Op
	if sec.Raw && len(sec.Lines) > 0 {
		op, err := file.EnsureIgnored(dir, files.Secrets)
		if err != nil {
			return "", fmt.Errorf("write kamal secrets: %w", err)
		}
		ops = append(ops, op)
	}
	op, err := writeIfChanged(deployPath, old, rendered, 0o644)
	if err != nil {
		return "", err
	}
	ops = append(ops, op)
	if len(newSecrets) > 0 || oldSecrets != nil {
		op, err = writeIfChanged(secretsPath, oldSecrets, newSecrets, 0o600)
		if err != nil {
			return "", err
		}
		ops = append(ops, op)
	}
	return ensure.Merge(ops...), nil
}

func readIfExists(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// writeIfChanged writes data atomically when it differs from old, keeping
// an existing file's mode (secrets files are never made more open than
// 0600).
func writeIfChanged(p string, old, data []byte, mode os.FileMode) (ensure.Op, error) {
	if old != nil && bytes.Equal(old, data) {
		return ensure.Unchanged, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	if fi, err := os.Stat(p); err == nil {
		keep := fi.Mode().Perm()
		if mode == 0o600 {
			keep &= 0o600
		}
		mode = keep
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fmt.Errorf("write %s: %w", p, err)
	}
	if old == nil {
		return ensure.Created, nil
	}
	return ensure.Updated, nil
}

func joinRel(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
