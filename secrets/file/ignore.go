package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// covers reports whether an ignore-file line already ignores rel (a path
// like ".kamal/secrets"): the path itself, its directory, or a trailing-*
// pattern over its name.
func covers(line, rel string) bool {
	l := strings.TrimSpace(line)
	if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "!") {
		return false
	}
	l = strings.TrimPrefix(l, "/")
	dir := path.Dir(rel)
	switch strings.TrimSuffix(l, "/") {
	case rel, dir, dir + "/*", dir + "/**":
		return true
	}
	if p, ok := strings.CutSuffix(l, "*"); ok && strings.HasPrefix(rel, p) && !strings.Contains(strings.TrimPrefix(rel, p), "/") {
		return true
	}
	return false
}

// IgnoreFiles are the files that must list a file holding raw secrets: git
// must never add it, and docker build must never copy it into an image.
var IgnoreFiles = []string{".gitignore", ".dockerignore"}

// EnsureIgnored makes sure rel (a slash path relative to dir, such as
// ".kamal/secrets") is listed in dir's .gitignore and .dockerignore, adding
// a line to each that doesn't cover it yet; the user's lines and the files'
// modes are kept.
func EnsureIgnored(dir, rel string) (ensure.Op, error) {
	var ops []ensure.Op
	for _, ig := range IgnoreFiles {
		op, err := ensureIgnored(filepath.Join(dir, ig), rel)
		if err != nil {
			return "", fmt.Errorf("ensure %s lists %s: %w", ig, rel, err)
		}
		ops = append(ops, op)
	}
	return ensure.Merge(ops...), nil
}

// ensureIgnored appends rel to the ignore file at p unless a line already
// covers it; the user's lines and the file's mode are kept.
func ensureIgnored(p, rel string) (ensure.Op, error) {
	b, err := os.ReadFile(p)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	data := string(b)
	for _, line := range strings.Split(data, "\n") {
		if covers(line, rel) {
			return ensure.Unchanged, nil
		}
	}
	if data != "" && !strings.HasSuffix(data, "\n") {
		data += "\n"
	}
	data += "/" + rel + "\n"
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(p); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		return "", err
	}
	if exists {
		return ensure.Updated, nil
	}
	return ensure.Created, nil
}
