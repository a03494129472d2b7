package doppler

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// Adapter is Kamal's name for this store.
const Adapter = "doppler"

// Install says how to get the CLI.
const Install = "install the Doppler CLI (https://docs.doppler.com/docs/install-cli), or pass doppler.WithToken to use the API"

// Provider is a Doppler store for one project and config.
type Provider struct {
	project, config string
	token           secret.Value
	baseURL         string
	http            *http.Client
	cli             secrets.CLI
	log             *slog.Logger
}

var _ secrets.Provider = (*Provider)(nil)

var (
	nameRe = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	slugRe = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// New returns a store for project/config.
func New(project, config string, opts ...Option) *Provider {
	p := &Provider{project: project, config: config, baseURL: "https://api.doppler.com",
		http: &http.Client{Timeout: 30 * time.Second}, log: slog.New(slog.DiscardHandler),
		cli: secrets.CLI{Store: Adapter, Binary: "doppler", Install: Install}}
	for _, o := range opts {
		o(p)
	}
	p.baseURL = strings.TrimRight(p.baseURL, "/")
	return p
}

func (p *Provider) useAPI() bool { return !p.token.IsZero() }

func (p *Provider) validate(op string, ref *secrets.Ref) error {
	if ref == nil {
		ref = &secrets.Ref{Project: p.project, Config: p.config}
	} else if err := secrets.ValidateRefs([]secrets.Ref{*ref}); err != nil {
		return fmt.Errorf("%s %s secret: %w", op, Adapter, err)
	}
	if !slugRe.MatchString(ref.Project) {
		return fmt.Errorf("%s %s: %w", op, Adapter, ensure.Invalid("project", ref.Project, "not a Doppler project name", "use letters, digits, - and _"))
	}
	if !slugRe.MatchString(ref.Config) {
		return fmt.Errorf("%s %s: %w", op, Adapter, ensure.Invalid("config", ref.Config, "not a Doppler config name", "use letters, digits, - and _, e.g. prd"))
	}
	if ref.Name != "" && !nameRe.MatchString(ref.Name) {
		return fmt.Errorf("%s %s secret: %w", op, Adapter, ensure.Invalid("ref.name", ref.Name, "Doppler secret names are uppercase", "use A-Z, 0-9 and _"))
	}
	return nil
}

// Check proves the token works (GET /v3/me) and the config exists; without
// a token it runs `doppler me --json`, as Kamal's adapter does.
func (p *Provider) Check(ctx context.Context) error {
	if err := p.validate("check", nil); err != nil {
		return err
	}
	if p.useAPI() {
		return p.apiCheck(ctx)
	}
	return p.cliCheck(ctx)
}

// Ref returns the default location: the secret name itself in project/config.
func (p *Provider) Ref(name string) secrets.Ref {
	return secrets.Ref{Name: name, Project: p.project, Config: p.config}
}

// Get returns the secret's computed value, the one Kamal's adapter reads.
func (p *Provider) Get(ctx context.Context, ref secrets.Ref) (secret.Value, error) {
	if err := p.validate("get", &ref); err != nil {
		return secret.Value{}, err
	}
	_, computed, found, err := p.read(ctx, "get", ref)
	if err != nil {
		return secret.Value{}, err
	}
	if !found {
		return secret.Value{}, &secrets.Error{Op: "get", Store: Adapter, Ref: ref.String(), Err: ensure.ErrNotFound, Message: "no secret " + ref.Name}
	}
	return secret.New(computed), nil
}

func (p *Provider) read(ctx context.Context, op string, ref secrets.Ref) (raw, computed string, found bool, err error) {
	if p.useAPI() {
		return p.apiRead(ctx, op, ref)
	}
	return p.cliRead(ctx, op, ref)
}

// Put compares the stored raw value and writes only when it differs.
func (p *Provider) Put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, error) {
	if err := p.validate("put", &ref); err != nil {
		return "", err
	}
	raw, _, found, err := p.read(ctx, "put", ref)
	if err != nil {
		return "", err
	}
	if found && raw == v.Reveal() {
		return ensure.Unchanged, nil
	}
	if p.useAPI() {
		err = p.apiWrite(ctx, ref, v)
	} else {
		err = p.cliWrite(ctx, ref, v)
	}
	if err != nil {
		return "", err
	}
	op := ensure.Updated
	if !found {
		op = ensure.Created
	}
	p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", op)
	return op, nil
}

// KamalLines renders one `kamal secrets fetch --adapter doppler --from
// PROJECT/CONFIG NAMES…` per config and one extract per ref by its bare
// name, the key the adapter returns.
func (p *Provider) KamalLines(refs []secrets.Ref) ([]string, error) {
	if err := secrets.ValidateRefs(refs); err != nil {
		return nil, fmt.Errorf("render %s lines: %w", Adapter, err)
	}
	var order []string
	groups := map[string][]string{}
	for _, r := range refs {
		if err := p.validate("render", &r); err != nil {
			return nil, err
		}
		from := r.Project + "/" + r.Config
		if _, ok := groups[from]; !ok {
			order = append(order, from)
		}
		groups[from] = append(groups[from], r.Name)
	}
	var lines []string
	vars := map[string]string{}
	for i, from := range order {
		vars[from] = secrets.FetchVar("SECRETS", i)
		lines = append(lines, secrets.Fetch{Var: vars[from], Adapter: Adapter, From: from, Names: groups[from]}.Line())
	}
	for _, r := range refs {
		lines = append(lines, secrets.ExtractLine(r.Name, r.Name, vars[r.Project+"/"+r.Config]))
	}
	return lines, nil
}
