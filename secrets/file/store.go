package file

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// Adapter is the name this store uses in errors.
const Adapter = "file"

// Store keeps secrets as raw values in the app's `.kamal/secrets`.
type Store struct {
	dir  string
	dest string
	log  *slog.Logger
}

var (
	_ secrets.Store    = (*Store)(nil)
	_ secrets.Kamal    = (*Store)(nil)
	_ secrets.Provider = (*Store)(nil)
)

var destRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// New returns a store for the app in dir (the directory holding config/
// and .kamal/).
func New(dir string, opts ...Option) *Store {
	s := &Store{dir: dir, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// RelPath is the secrets file relative to the app directory:
// ".kamal/secrets" or ".kamal/secrets.<destination>".
func (s *Store) RelPath() string {
	if s.dest != "" {
		return ".kamal/secrets." + s.dest
	}
	return ".kamal/secrets"
}

// Path is the secrets file's path.
func (s *Store) Path() string { return filepath.Join(s.dir, filepath.FromSlash(s.RelPath())) }

func (s *Store) err(op string, ref *secrets.Ref, sentinel error, msg, fix string) error {
	e := &secrets.Error{Op: op, Store: Adapter, Err: sentinel, Message: msg, Fix: fix}
	if ref != nil {
		e.Ref = ref.String()
	}
	return e
}

func (s *Store) validate() error {
	if s.dest != "" && !destRe.MatchString(s.dest) {
		return ensure.Invalid("destination", s.dest, "not a Kamal destination name", "use letters, digits, - and _")
	}
	return nil
}

// Check verifies that the app directory exists.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.validate(); err != nil {
		return err
	}
	fi, err := os.Stat(s.dir)
	if err != nil || !fi.IsDir() {
		return s.err("check", nil, ensure.ErrPrecondition, fmt.Sprintf("app directory %s does not exist", s.dir), "create it or pass the app's directory")
	}
	return nil
}

// Ref returns Ref{Name: name}: the file holds secrets under their Kamal names.
func (s *Store) Ref(name string) secrets.Ref { return secrets.Ref{Name: name} }

func (s *Store) read() (string, error) {
	b, err := os.ReadFile(s.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}

func find(entries []entry, name string) *entry {
	// Like dotenv, the last assignment wins.
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].name == name {
			return &entries[i]
		}
	}
	return nil
}

// Get returns the value assigned to ref.Name.
func (s *Store) Get(ctx context.Context, ref secrets.Ref) (secret.Value, error) {
	if err := ctx.Err(); err != nil {
		return secret.Value{}, err
	}
	if err := secrets.ValidateRefs([]secrets.Ref{ref}); err != nil {
		return secret.Value{}, fmt.Errorf("get %s secret: %w", Adapter, err)
	}
	data, err := s.read()
	if err != nil {
		return secret.Value{}, fmt.Errorf("get %s secret %s: %w", Adapter, ref.Name, err)
	}
	e := find(parse(data), ref.Name)
	if e == nil {
		return secret.Value{}, s.err("get", &ref, ensure.ErrNotFound, "not in "+s.RelPath(), "")
	}
	if e.computed {
		return secret.Value{}, s.err("get", &ref, ensure.ErrPrecondition,
			"its value in "+s.RelPath()+" is computed by Kamal at deploy time", "read it where it comes from, or replace the line with a value")
	}
	return secret.New(e.value), nil
}

// Put writes ref.Name=v into the secrets file (mode 0600), replacing an
// existing assignment in place and keeping every other line, and ensures
// the file is listed in .gitignore and .dockerignore.
func (s *Store) Put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := s.validate(); err != nil {
		return "", fmt.Errorf("put %s secret: %w", Adapter, err)
	}
	if err := secrets.ValidateRefs([]secrets.Ref{ref}); err != nil {
		return "", fmt.Errorf("put %s secret: %w", Adapter, err)
	}
	q, ok := quote(v.Reveal())
	if !ok {
		return "", s.err("put", &ref, ensure.ErrInvalidSpec, "the value mixes single quotes with a literal \\n or \\r, which Kamal's dotenv can't read back", "store it in a password manager instead")
	}
	line := ref.Name + "=" + q + "\n"
	defer lockDir(s.dir)()

	// Ignore files first: a secret must never sit in a file git would add.
	ignoreOp, err := EnsureIgnored(s.dir, s.RelPath())
	if err != nil {
		return "", fmt.Errorf("put %s secret %s: %w", Adapter, ref.Name, err)
	}
	ops := []ensure.Op{ignoreOp}

	data, err := s.read()
	if err != nil {
		return "", fmt.Errorf("put %s secret %s: %w", Adapter, ref.Name, err)
	}
	var out string
	e := find(parse(data), ref.Name)
	switch {
	case e != nil && !e.computed && e.value == v.Reveal():
		out = data
	case e != nil:
		out = data[:e.start] + line + data[e.end:]
	default:
		out = data
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		out += line
	}
	op, err := writeSecretFile(s.Path(), data, out)
	if err != nil {
		return "", fmt.Errorf("put %s secret %s: %w", Adapter, ref.Name, err)
	}
	ops = append(ops, op)
	res := ensure.Merge(ops...)
	if res == ensure.Created && op != ensure.Created {
		res = ensure.Updated
	}
	s.log.DebugContext(ctx, "put secret", "store", Adapter, "name", ref.Name, "file", s.RelPath(), "op", res)
	return res, nil
}

// writeSecretFile writes out (when it differs from old) atomically with mode
// 0600, and tightens the mode of an existing file.
func writeSecretFile(path, old, out string) (ensure.Op, error) {
	fi, statErr := os.Stat(path)
	exists := statErr == nil
	if exists && old == out {
		if fi.Mode().Perm() != 0o600 {
			return ensure.Updated, os.Chmod(path, 0o600)
		}
		return ensure.Unchanged, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", err
	}
	if _, err := tmp.WriteString(out); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", err
	}
	if exists {
		return ensure.Updated, nil
	}
	return ensure.Created, nil
}

// KamalLines returns the raw NAME=value lines for refs as they are in the
// file (quoted for Kamal's dotenv). Put has already written them; these are
// for a caller that renders the whole file and merges.
func (s *Store) KamalLines(refs []secrets.Ref) ([]string, error) {
	if err := secrets.ValidateRefs(refs); err != nil {
		return nil, fmt.Errorf("render %s: %w", s.RelPath(), err)
	}
	data, err := s.read()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", s.RelPath(), err)
	}
	entries := parse(data)
	var lines []string
	for _, r := range refs {
		e := find(entries, r.Name)
		if e == nil {
			return nil, s.err("render", &r, ensure.ErrNotFound, "not in "+s.RelPath(), "Put it first")
		}
		lines = append(lines, strings.TrimRight(data[e.start:e.end], "\n"))
	}
	return lines, nil
}
