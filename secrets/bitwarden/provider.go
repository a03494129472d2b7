package bitwarden

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// Adapter is Kamal's name for this store.
const Adapter = "bitwarden"

// Install says how to get bw.
const Install = "install the Bitwarden CLI: npm install -g @bitwarden/cli"

// Provider is a Bitwarden store driven through bw.
type Provider struct {
	email string
	item  string
	cli   secrets.CLI
	log   *slog.Logger
}

var _ secrets.Provider = (*Provider)(nil)

// New returns a store for the Bitwarden account email.
func New(email string, opts ...Option) *Provider {
	p := &Provider{email: email, item: "kamal", log: slog.New(slog.DiscardHandler),
		cli: secrets.CLI{Store: Adapter, Binary: "bw", Install: Install, SecretEnv: map[string]secret.Value{}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

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
	case strings.HasPrefix(low, "not found"):
		e.Err = ensure.ErrNotFound
	case strings.Contains(low, "more than one result"):
		e.Err, e.Fix = ensure.ErrConflict, "rename or remove the duplicate items"
	case strings.Contains(low, "vault is locked"):
		e.Err, e.Fix = ensure.ErrUnauthorized, "run: export BW_SESSION=$(bw unlock --raw), or pass bitwarden.WithSession"
	case strings.Contains(low, "not logged in"):
		e.Err, e.Fix = ensure.ErrUnauthorized, "run: bw login "+secrets.Quote(p.email)
	default:
		e.Err = ensure.ErrUnavailable
	}
	return e
}

func (p *Provider) validate(op string, ref *secrets.Ref) error {
	if p.email == "" {
		return fmt.Errorf("%s %s: %w", op, Adapter, ensure.Invalid("email", "", "is empty", "pass the Bitwarden account's email; Kamal's adapter requires it"))
	}
	if ref == nil {
		return nil
	}
	if err := secrets.ValidateRefs([]secrets.Ref{*ref}); err != nil {
		return fmt.Errorf("%s %s secret: %w", op, Adapter, err)
	}
	if err := secrets.ValidateWord("ref.item", ref.Item); err != nil {
		return fmt.Errorf("%s %s secret %s: %w", op, Adapter, ref.Name, err)
	}
	for _, f := range [][2]string{{"ref.item", ref.Item}, {"ref.field", ref.Field}} {
		if strings.Contains(f[1], "/") || strings.ContainsAny(f[1], "$`()\\'\"\n#") {
			return fmt.Errorf("%s %s secret %s: %w", op, Adapter, ref.Name,
				ensure.Invalid(f[0], f[1], "contains / or a character Kamal's adapter can't carry", "rename it"))
		}
	}
	return nil
}

type status struct {
	UserEmail string `json:"userEmail"`
	Status    string `json:"status"`
}

// Check runs `bw status` (with BW_SESSION when given) and wants the account
// signed in as email and unlocked, as Kamal's adapter does.
func (p *Provider) Check(ctx context.Context) error {
	if err := p.validate("check", nil); err != nil {
		return err
	}
	if err := p.cli.Available(); err != nil {
		return err
	}
	out, err := p.cli.Run(ctx, nil, nil, "status")
	if err != nil {
		return p.classify("check", nil, err)
	}
	var st status
	if err := json.Unmarshal(out, &st); err != nil {
		return &secrets.Error{Op: "check", Store: Adapter, Err: ensure.ErrUnavailable, Message: "bw status printed no JSON"}
	}
	fail := func(sentinel error, msg, fix string) error {
		return &secrets.Error{Op: "check", Store: Adapter, Err: sentinel, Code: st.Status, Message: msg, Fix: fix}
	}
	switch {
	case st.Status == "unauthenticated":
		return fail(ensure.ErrUnauthorized, "not logged in", "run: bw login "+secrets.Quote(p.email))
	case !strings.EqualFold(st.UserEmail, p.email):
		return fail(ensure.ErrPrecondition, "logged in as "+st.UserEmail+", not "+p.email, "run: bw logout && bw login "+secrets.Quote(p.email))
	case st.Status == "locked":
		return fail(ensure.ErrUnauthorized, "the vault is locked", "run: export BW_SESSION=$(bw unlock --raw), or pass bitwarden.WithSession")
	case st.Status != "unlocked":
		return fail(ensure.ErrUnavailable, "unknown status "+st.Status, "")
	}
	return nil
}

// Ref returns the default location: custom field name of item WithItem.
func (p *Provider) Ref(name string) secrets.Ref {
	return secrets.Ref{Name: name, Item: p.item, Field: name}
}

// sync runs `bw sync` so reads see the server's state, as Kamal does
// before fetching.
func (p *Provider) sync(ctx context.Context, op string) error {
	if _, err := p.cli.Run(ctx, nil, nil, "sync"); err != nil {
		return p.classify(op, nil, err)
	}
	return nil
}

// getItem runs `bw get item ITEM`; a missing item is (nil, nil).
func (p *Provider) getItem(ctx context.Context, op string, ref secrets.Ref) (map[string]any, error) {
	out, err := p.cli.Run(ctx, nil, nil, "get", "item", ref.Item)
	if err != nil {
		err = p.classify(op, &ref, err)
		if errors.Is(err, ensure.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	var item map[string]any
	if err := json.Unmarshal(out, &item); err != nil {
		return nil, &secrets.Error{Op: op, Store: Adapter, Ref: ref.String(), Err: ensure.ErrUnavailable, Message: "bw get item printed no JSON"}
	}
	return item, nil
}

// lookup returns the field map (nil when absent) and the current value.
func lookup(item map[string]any, field string) (m map[string]any, value string, ok bool) {
	if field == "" {
		login, _ := item["login"].(map[string]any)
		if login == nil {
			return nil, "", false
		}
		v, ok := login["password"].(string)
		return login, v, ok
	}
	fields, _ := item["fields"].([]any)
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		if fm != nil && fm["name"] == field {
			v, _ := fm["value"].(string)
			return fm, v, true
		}
	}
	return nil, "", false
}

// Get syncs, then reads the item's field (or login password) with
// `bw get item ITEM`, the command Kamal's adapter runs.
func (p *Provider) Get(ctx context.Context, ref secrets.Ref) (secret.Value, error) {
	if err := p.validate("get", &ref); err != nil {
		return secret.Value{}, err
	}
	if err := p.sync(ctx, "get"); err != nil {
		return secret.Value{}, err
	}
	item, err := p.getItem(ctx, "get", ref)
	if err != nil {
		return secret.Value{}, err
	}
	if item == nil {
		return secret.Value{}, &secrets.Error{Op: "get", Store: Adapter, Ref: ref.String(), Err: ensure.ErrNotFound, Message: "no item " + ref.Item}
	}
	_, v, ok := lookup(item, ref.Field)
	if !ok {
		return secret.Value{}, &secrets.Error{Op: "get", Store: Adapter, Ref: ref.String(), Err: ensure.ErrNotFound, Message: "item " + ref.Item + " has no field " + ref.Field}
	}
	return secret.New(v), nil
}

// Put syncs and looks the item up; it creates it (`bw create item`) when
// missing and edits it by id (`bw edit item ID`) when the value differs,
// with the base64 item JSON on stdin.
func (p *Provider) Put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, error) {
	if err := p.validate("put", &ref); err != nil {
		return "", err
	}
	if err := p.sync(ctx, "put"); err != nil {
		return "", err
	}
	item, err := p.getItem(ctx, "put", ref)
	if err != nil {
		return "", err
	}
	scrub := []secret.Value{v}
	if item == nil {
		item = map[string]any{"type": 2, "name": ref.Item, "notes": "Kamal secrets, managed by assemble",
			"secureNote": map[string]any{"type": 0},
			"fields":     []any{map[string]any{"name": ref.Field, "value": v.Reveal(), "type": 1}}}
		if ref.Field == "" {
			item = map[string]any{"type": 1, "name": ref.Item, "login": map[string]any{"password": v.Reveal()}}
		}
		if _, err := p.cli.Run(ctx, encode(item), scrub, "create", "item"); err != nil {
			return "", p.classify("put", &ref, err)
		}
		p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", ensure.Created)
		return ensure.Created, nil
	}
	m, cur, ok := lookup(item, ref.Field)
	switch {
	case ok && cur == v.Reveal():
		return ensure.Unchanged, nil
	case m != nil && ref.Field == "":
		m["password"] = v.Reveal()
	case m != nil:
		m["value"] = v.Reveal()
	case ref.Field == "":
		return "", &secrets.Error{Op: "put", Store: Adapter, Ref: ref.String(), Err: ensure.ErrConflict,
			Message: "item " + ref.Item + " is not a login item", Fix: "use a Ref with a Field"}
	default:
		fields, _ := item["fields"].([]any)
		item["fields"] = append(fields, map[string]any{"name": ref.Field, "value": v.Reveal(), "type": 1})
	}
	id, _ := item["id"].(string)
	if id == "" {
		return "", &secrets.Error{Op: "put", Store: Adapter, Ref: ref.String(), Err: ensure.ErrUnavailable, Message: "bw printed an item without id"}
	}
	if _, err := p.cli.Run(ctx, encode(item), scrub, "edit", "item", id); err != nil {
		return "", p.classify("put", &ref, err)
	}
	p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", ensure.Updated)
	return ensure.Updated, nil
}

// encode is `bw encode`: base64 of the item JSON.
func encode(item map[string]any) []byte {
	b, _ := json.Marshal(item)
	return []byte(base64.StdEncoding.EncodeToString(b))
}

// KamalLines renders one `kamal secrets fetch --adapter bitwarden --account
// EMAIL …` and one extract per ref by the exact key Kamal returns
// ("ITEM/FIELD", or "ITEM" for a login password). When every ref is a field
// of the same item the fetch uses --from ITEM.
func (p *Provider) KamalLines(refs []secrets.Ref) ([]string, error) {
	if err := secrets.ValidateRefs(refs); err != nil {
		return nil, fmt.Errorf("render %s lines: %w", Adapter, err)
	}
	if err := p.validate("render", nil); err != nil {
		return nil, err
	}
	from := ""
	if len(refs) > 0 {
		from = refs[0].Item
	}
	for _, r := range refs {
		if err := p.validate("render", &r); err != nil {
			return nil, err
		}
		if r.Item != from || r.Field == "" {
			from = ""
		}
	}
	var names, keys []string
	seen := map[string]bool{}
	for _, r := range refs {
		key := r.Item
		if r.Field != "" {
			key += "/" + r.Field
		}
		keys = append(keys, key)
		name := key
		if from != "" {
			name = r.Field
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	lines := []string{secrets.Fetch{Var: "SECRETS", Adapter: Adapter, Account: p.email, From: from, Names: names}.Line()}
	for i, r := range refs {
		lines = append(lines, secrets.ExtractLine(r.Name, keys[i], "SECRETS"))
	}
	return lines, nil
}
