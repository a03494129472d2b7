package onepassword

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// Adapter is Kamal's name for this store.
const Adapter = "1password"

// Install says how to get op.
const Install = "install the 1Password CLI: https://developer.1password.com/docs/cli/get-started/"

// Provider is a 1Password store driven through op.
type Provider struct {
	account, vault, item string
	tmpDir               string
	cli                  secrets.CLI
	log                  *slog.Logger
}

var _ secrets.Provider = (*Provider)(nil)

// New returns a store for the 1Password account (its sign-in address,
// shorthand, email or ID, as `op --account` takes it) and vault.
func New(account, vault string, opts ...Option) *Provider {
	p := &Provider{account: account, vault: vault, item: "kamal", log: slog.New(slog.DiscardHandler),
		cli: secrets.CLI{Store: Adapter, Binary: "op", Install: Install, SecretEnv: map[string]secret.Value{}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func (p *Provider) fail(op string, ref *secrets.Ref, sentinel error, msg, fix string) error {
	e := &secrets.Error{Op: op, Store: Adapter, Err: sentinel, Message: msg, Fix: fix}
	if ref != nil {
		e.Ref = ref.String()
	}
	return e
}

func (p *Provider) signinFix() string {
	return "run: eval $(op signin --account " + secrets.Quote(p.account) + ")"
}

// classify turns an op failure into a typed error.
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
	case strings.Contains(low, "not currently signed in") || strings.Contains(low, "session expired") ||
		strings.Contains(low, "authorization") || strings.Contains(low, "op signin") || strings.Contains(low, "locked"):
		e.Err, e.Fix = ensure.ErrUnauthorized, p.signinFix()
	case strings.Contains(low, "no account") || strings.Contains(low, "isn't an account") || strings.Contains(low, "account not found"):
		e.Err, e.Fix = ensure.ErrPrecondition, "add the account: op account add --address ADDRESS --email EMAIL"
	case strings.Contains(low, "isn't a vault"):
		e.Err, e.Fix = ensure.ErrNotFound, "create the vault: op vault create "+secrets.Quote(p.vault)
	case strings.Contains(low, "more than one item"):
		e.Err, e.Fix = ensure.ErrConflict, "rename or remove the duplicate items"
	case strings.Contains(low, "isn't an item") || strings.Contains(low, "isn't a field") || strings.Contains(low, "no item found"):
		e.Err = ensure.ErrNotFound
	default:
		e.Err = ensure.ErrUnavailable
	}
	return e
}

func (p *Provider) validate(op string, ref *secrets.Ref) error {
	if p.account == "" {
		return fmt.Errorf("%s %s: %w", op, Adapter, ensure.Invalid("account", "", "is empty", "pass the 1Password account (sign-in address, shorthand or ID); Kamal's adapter requires it"))
	}
	if ref == nil {
		return nil
	}
	if err := secrets.ValidateRefs([]secrets.Ref{*ref}); err != nil {
		return fmt.Errorf("%s %s secret: %w", op, Adapter, err)
	}
	for _, f := range [][2]string{{"ref.vault", ref.Vault}, {"ref.item", ref.Item}, {"ref.field", ref.Field}} {
		if err := secrets.ValidateWord(f[0], f[1]); err != nil {
			return fmt.Errorf("%s %s secret %s: %w", op, Adapter, ref.Name, err)
		}
		bad := "/"
		if f[0] == "ref.field" {
			bad = "/.=,"
		}
		if strings.ContainsAny(f[1], bad) {
			return fmt.Errorf("%s %s secret %s: %w", op, Adapter, ref.Name,
				ensure.Invalid(f[0], f[1], "contains one of "+bad+", which op references and Kamal's adapter split on", "rename it"))
		}
	}
	return nil
}

// Check runs `op account get --account A`, as Kamal's adapter does before
// every fetch.
func (p *Provider) Check(ctx context.Context) error {
	if err := p.validate("check", nil); err != nil {
		return err
	}
	if err := p.cli.Available(); err != nil {
		return err
	}
	if _, err := p.cli.Run(ctx, nil, nil, "account", "get", "--account", p.account); err != nil {
		return p.classify("check", nil, err)
	}
	return nil
}

// Ref returns the default location: field name of item WithItem in the vault.
func (p *Provider) Ref(name string) secrets.Ref {
	return secrets.Ref{Name: name, Vault: p.vault, Item: p.item, Field: name}
}

// field is one field of op's item JSON.
type field struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Label     string `json:"label"`
	Value     string `json:"value"`
	Reference string `json:"reference"`
}

// Get reads one field the way Kamal's adapter does:
// `op item get ITEM --vault V --fields label=F --format json --account A`.
func (p *Provider) Get(ctx context.Context, ref secrets.Ref) (secret.Value, error) {
	if err := p.validate("get", &ref); err != nil {
		return secret.Value{}, err
	}
	out, err := p.cli.Run(ctx, nil, nil, "item", "get", ref.Item, "--vault", ref.Vault,
		"--fields", "label="+ref.Field, "--format", "json", "--account", p.account)
	if err != nil {
		return secret.Value{}, p.classify("get", &ref, err)
	}
	var f field
	if len(strings.TrimSpace(string(out))) == 0 || json.Unmarshal(out, &f) != nil || f.Label != ref.Field {
		return secret.Value{}, p.fail("get", &ref, ensure.ErrNotFound, "item "+ref.Item+" has no field "+ref.Field, "")
	}
	return secret.New(f.Value), nil
}

// item reads the whole item as raw JSON; found is false when it doesn't exist.
func (p *Provider) getItem(ctx context.Context, ref secrets.Ref) (map[string]any, bool, error) {
	out, err := p.cli.Run(ctx, nil, nil, "item", "get", ref.Item, "--vault", ref.Vault, "--format", "json", "--account", p.account)
	if err != nil {
		err = p.classify("put", &ref, err)
		var se *secrets.Error
		if errors.As(err, &se) && se.Err == ensure.ErrNotFound && !strings.Contains(strings.ToLower(se.Message), "isn't a vault") {
			return nil, false, nil
		}
		return nil, false, err
	}
	var item map[string]any
	if err := json.Unmarshal(out, &item); err != nil {
		return nil, false, p.fail("put", &ref, ensure.ErrUnavailable, "op printed an item that is not JSON", "")
	}
	return item, true, nil
}

// Put looks the item up first (`op item get`), and only when the field is
// missing or different writes the item back through a 0600 template file:
// `op item create --vault V --account A --format json --template FILE` or
// `op item edit ID --vault V --account A --format json --template FILE`.
func (p *Provider) Put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, error) {
	if err := p.validate("put", &ref); err != nil {
		return "", err
	}
	item, found, err := p.getItem(ctx, ref)
	if err != nil {
		return "", err
	}
	if !found {
		tpl := map[string]any{"title": ref.Item, "category": "SECURE_NOTE", "fields": []any{
			map[string]any{"id": ref.Field, "type": "CONCEALED", "label": ref.Field, "value": v.Reveal()},
		}}
		if err := p.withTemplate(ctx, ref, v, tpl, "item", "create", "--vault", ref.Vault, "--account", p.account, "--format", "json"); err != nil {
			return "", err
		}
		p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", ensure.Created)
		return ensure.Created, nil
	}
	fields, _ := item["fields"].([]any)
	var hit map[string]any
	for _, f := range fields {
		m, _ := f.(map[string]any)
		if m != nil && m["label"] == ref.Field {
			hit = m
			break
		}
	}
	if hit != nil && hit["value"] == v.Reveal() {
		return ensure.Unchanged, nil
	}
	if hit != nil {
		hit["value"] = v.Reveal()
	} else {
		item["fields"] = append(fields, map[string]any{"id": ref.Field, "type": "CONCEALED", "label": ref.Field, "value": v.Reveal()})
	}
	id, _ := item["id"].(string)
	if id == "" {
		id = ref.Item
	}
	if err := p.withTemplate(ctx, ref, v, item, "item", "edit", id, "--vault", ref.Vault, "--account", p.account, "--format", "json"); err != nil {
		return "", err
	}
	p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", ensure.Updated)
	return ensure.Updated, nil
}

// withTemplate writes tpl to a fresh 0600 file in a 0700 directory, runs op
// with --template FILE appended to args, and removes the file.
func (p *Provider) withTemplate(ctx context.Context, ref secrets.Ref, v secret.Value, tpl map[string]any, args ...string) error {
	b, err := json.Marshal(tpl)
	if err != nil {
		return fmt.Errorf("put %s secret %s: encode item: %w", Adapter, ref.Name, err)
	}
	dir, err := os.MkdirTemp(p.tmpDir, "assemble-op-")
	if err != nil {
		return fmt.Errorf("put %s secret %s: %w", Adapter, ref.Name, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "item.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("put %s secret %s: %w", Adapter, ref.Name, err)
	}
	if _, err := p.cli.Run(ctx, nil, []secret.Value{v}, append(args, "--template", path)...); err != nil {
		return p.classify("put", &ref, err)
	}
	return nil
}

// KamalLines renders one `kamal secrets fetch --adapter 1password --account
// A --from Vault/Item FIELDS…` per item and one extract per ref, by the
// exact key Kamal returns ("Vault/Item/FIELD").
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
		from := r.Vault + "/" + r.Item
		if _, ok := groups[from]; !ok {
			order = append(order, from)
		}
		groups[from] = append(groups[from], r.Field)
	}
	var lines []string
	vars := map[string]string{}
	for i, from := range order {
		vars[from] = secrets.FetchVar("SECRETS", i)
		lines = append(lines, secrets.Fetch{Var: vars[from], Adapter: Adapter, Account: p.account, From: from, Names: dedupe(groups[from])}.Line())
	}
	for _, r := range refs {
		from := r.Vault + "/" + r.Item
		key := from + "/" + r.Field
		if r.Field == "password" {
			// Kamal drops a trailing "/password" from op references.
			key = from
		}
		lines = append(lines, secrets.ExtractLine(r.Name, key, vars[from]))
	}
	return lines, nil
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
