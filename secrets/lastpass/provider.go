package lastpass

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// Adapter is Kamal's name for this store.
const Adapter = "lastpass"

// Install says how to get lpass.
const Install = "install the LastPass CLI: apt-get install lastpass-cli, or brew install lastpass-cli"

// Provider is a LastPass store driven through lpass.
type Provider struct {
	email  string
	folder string
	cli    secrets.CLI
	log    *slog.Logger
}

var _ secrets.Provider = (*Provider)(nil)

// New returns a store for the LastPass account email.
func New(email string, opts ...Option) *Provider {
	p := &Provider{email: email, folder: "Kamal", log: slog.New(slog.DiscardHandler),
		cli: secrets.CLI{Store: Adapter, Binary: "lpass", Install: Install}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func (p *Provider) loginFix() string { return "run: lpass login " + secrets.Quote(p.email) }

func (p *Provider) classify(op string, ref *secrets.Ref, err error) error {
	var ee *secrets.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s %s: %w", op, Adapter, err)
	}
	msg := strings.TrimSpace(ee.Stderr)
	low := strings.ToLower(msg)
	e := &secrets.Error{Op: op, Store: Adapter, Message: msg, Code: fmt.Sprintf("exit %d", ee.Code)}
	if ref != nil {
		e.Ref = ref.String()
	}
	switch {
	case strings.Contains(low, "could not find specified account"):
		e.Err = ensure.ErrNotFound
	case strings.Contains(low, "not logged in") || strings.Contains(low, "lpass login") || strings.Contains(low, "could not find decryption key"):
		e.Err, e.Fix = ensure.ErrUnauthorized, p.loginFix()
	default:
		e.Err = ensure.ErrUnavailable
	}
	return e
}

func (p *Provider) validate(op string, ref *secrets.Ref) error {
	if p.email == "" {
		return fmt.Errorf("%s %s: %w", op, Adapter, ensure.Invalid("email", "", "is empty", "pass the LastPass account's email; Kamal's adapter requires it"))
	}
	if ref == nil {
		return nil
	}
	if err := secrets.ValidateRefs([]secrets.Ref{*ref}); err != nil {
		return fmt.Errorf("%s %s secret: %w", op, Adapter, err)
	}
	if err := secrets.ValidateWord("ref.path", ref.Path); err != nil {
		return fmt.Errorf("%s %s secret %s: %w", op, Adapter, ref.Name, err)
	}
	return nil
}

// Check runs `lpass status --color never`, which must print exactly
// "Logged in as EMAIL." — the test Kamal's adapter makes.
func (p *Provider) Check(ctx context.Context) error {
	if err := p.validate("check", nil); err != nil {
		return err
	}
	if err := p.cli.Available(); err != nil {
		return err
	}
	out, err := p.cli.Run(ctx, nil, nil, "status", "--color", "never")
	got := strings.TrimSpace(string(out))
	if err != nil {
		var ee *secrets.ExitError
		if errors.As(err, &ee) {
			got = strings.TrimSpace(ee.Stderr)
		}
	}
	if want := "Logged in as " + p.email + "."; got != want {
		if got == "" {
			got = "no status"
		}
		return &secrets.Error{Op: "check", Store: Adapter, Err: ensure.ErrUnauthorized,
			Message: fmt.Sprintf("lpass status says %q, Kamal needs %q", got, want), Fix: p.loginFix()}
	}
	return nil
}

// Ref returns the default location: entry "Folder/NAME".
func (p *Provider) Ref(name string) secrets.Ref {
	if p.folder == "" {
		return secrets.Ref{Name: name, Path: name}
	}
	return secrets.Ref{Name: name, Path: p.folder + "/" + name}
}

// entry is one element of `lpass show --json`.
type entry struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Fullname string `json:"fullname"`
	Password string `json:"password"`
}

// show runs Kamal's `lpass show PATH --json`; a missing entry is (nil, nil).
func (p *Provider) show(ctx context.Context, op string, ref secrets.Ref) ([]entry, error) {
	out, err := p.cli.Run(ctx, nil, nil, "show", ref.Path, "--json")
	if err != nil {
		err = p.classify(op, &ref, err)
		if errors.Is(err, ensure.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	var es []entry
	if err := json.Unmarshal(out, &es); err != nil {
		return nil, &secrets.Error{Op: op, Store: Adapter, Ref: ref.String(), Err: ensure.ErrUnavailable, Message: "lpass show printed no JSON list"}
	}
	// lpass also matches by name alone; keep entries with this full name.
	var exact []entry
	for _, e := range es {
		if e.Fullname == ref.Path {
			exact = append(exact, e)
		}
	}
	return exact, nil
}

// Get returns the password of the entry at ref.Path.
func (p *Provider) Get(ctx context.Context, ref secrets.Ref) (secret.Value, error) {
	if err := p.validate("get", &ref); err != nil {
		return secret.Value{}, err
	}
	es, err := p.show(ctx, "get", ref)
	if err != nil {
		return secret.Value{}, err
	}
	switch len(es) {
	case 0:
		return secret.Value{}, &secrets.Error{Op: "get", Store: Adapter, Ref: ref.String(), Err: ensure.ErrNotFound, Message: "no entry " + ref.Path}
	case 1:
		return secret.New(es[0].Password), nil
	}
	return secret.Value{}, p.duplicates("get", ref, es)
}

func (p *Provider) duplicates(op string, ref secrets.Ref, es []entry) error {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return &secrets.Error{Op: op, Store: Adapter, Ref: ref.String(), Err: ensure.ErrConflict,
		Message: fmt.Sprintf("%d entries named %s (ids %s)", len(es), ref.Path, strings.Join(ids, ", ")),
		Fix:     "remove the duplicates: lpass rm ID"}
}

// Put looks the entry up first; it adds it when missing
// (`lpass add --sync=now --non-interactive --password PATH`) and edits it by
// id when the password differs (`lpass edit --sync=now --non-interactive
// --password ID`), the value on stdin either way.
func (p *Provider) Put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, error) {
	if err := p.validate("put", &ref); err != nil {
		return "", err
	}
	if strings.ContainsAny(v.Reveal(), "\r\n") {
		return "", &secrets.Error{Op: "put", Store: Adapter, Ref: ref.String(), Err: ensure.ErrInvalidSpec,
			Message: "the value spans lines; lpass reads one line", Fix: "store a single-line value"}
	}
	if path.Base(ref.Path) == "" || strings.HasSuffix(ref.Path, "/") {
		return "", fmt.Errorf("put %s secret %s: %w", Adapter, ref.Name, ensure.Invalid("ref.path", ref.Path, "has no entry name", "use Folder/Name"))
	}
	es, err := p.show(ctx, "put", ref)
	if err != nil {
		return "", err
	}
	stdin := []byte(v.Reveal() + "\n")
	scrub := []secret.Value{v}
	var op ensure.Op
	switch len(es) {
	case 0:
		if _, err := p.cli.Run(ctx, stdin, scrub, "add", "--sync=now", "--non-interactive", "--password", ref.Path); err != nil {
			return "", p.classify("put", &ref, err)
		}
		op = ensure.Created
	case 1:
		if es[0].Password == v.Reveal() {
			return ensure.Unchanged, nil
		}
		if _, err := p.cli.Run(ctx, stdin, scrub, "edit", "--sync=now", "--non-interactive", "--password", es[0].ID); err != nil {
			return "", p.classify("put", &ref, err)
		}
		op = ensure.Updated
	default:
		return "", p.duplicates("put", ref, es)
	}
	p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", op)
	return op, nil
}

// KamalLines renders one `kamal secrets fetch --adapter lastpass --account
// EMAIL --from FOLDER NAMES…` per folder (no --from for entries outside
// folders) and one extract per ref by the entry's full name, the key Kamal
// returns.
func (p *Provider) KamalLines(refs []secrets.Ref) ([]string, error) {
	if err := secrets.ValidateRefs(refs); err != nil {
		return nil, fmt.Errorf("render %s lines: %w", Adapter, err)
	}
	if err := p.validate("render", nil); err != nil {
		return nil, err
	}
	var order []string
	groups := map[string][]string{}
	for _, r := range refs {
		if err := p.validate("render", &r); err != nil {
			return nil, err
		}
		folder, name := "", r.Path
		if i := strings.LastIndex(r.Path, "/"); i >= 0 {
			folder, name = r.Path[:i], r.Path[i+1:]
		}
		if _, ok := groups[folder]; !ok {
			order = append(order, folder)
		}
		groups[folder] = append(groups[folder], name)
	}
	var lines []string
	vars := map[string]string{}
	for i, folder := range order {
		vars[folder] = secrets.FetchVar("SECRETS", i)
		lines = append(lines, secrets.Fetch{Var: vars[folder], Adapter: Adapter, Account: p.email, From: folder, Names: groups[folder]}.Line())
	}
	for _, r := range refs {
		folder := ""
		if i := strings.LastIndex(r.Path, "/"); i >= 0 {
			folder = r.Path[:i]
		}
		lines = append(lines, secrets.ExtractLine(r.Name, r.Path, vars[folder]))
	}
	return lines, nil
}
