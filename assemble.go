package assemble

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// Recipe is the list of ingredients one app needs, with their settings.
// Build it with New and the typed methods; nothing runs until Plan, Ensure or
// Destroy. A Recipe may be run many times; it is not safe to modify while it
// runs.
type Recipe struct {
	name        string
	steps       []Step
	logger      *slog.Logger
	observer    func(Event)
	concurrency int
	buildErr    error
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	appSecrets  map[string]secret.Value
	costs       []declaredCost
	storedTB    float64
	egressTB    float64
}

// Option configures a Recipe.
type Option func(*Recipe)

// WithLogger sends the recipe's logs (Debug level) to l. The default discards
// them.
func WithLogger(l *slog.Logger) Option {
	return func(r *Recipe) {
		if l != nil {
			r.logger = l
		}
	}
}

// WithObserver calls f with every Event of every run. Calls come from one
// goroutine at a time; f should return quickly.
func WithObserver(f func(Event)) Option { return func(r *Recipe) { r.observer = f } }

// WithConcurrency bounds how many steps run at once; 1 runs them one after
// another in the order they were added (dependencies first). The default is
// 8.
func WithConcurrency(n int) Option { return func(r *Recipe) { r.concurrency = n } }

// WithDialer sets how the recipe's own SSH connections (the builder's) are
// dialled; the sandbox uses it to reach simulated hosts on loopback. The
// default is a plain net.Dialer.
func WithDialer(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(r *Recipe) { r.dial = d }
}

// New starts a recipe. The name identifies everything the recipe owns (it
// labels servers, marks DNS records and buckets) and becomes Kamal's
// `service`, so it must match Kamal's rule: letters, digits, '-' and '_'.
// An invalid name is reported by Plan, Ensure and Destroy before anything
// runs.
func New(name string, opts ...Option) *Recipe {
	r := &Recipe{
		name:        name,
		logger:      slog.New(slog.DiscardHandler),
		concurrency: 8,
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Name returns the recipe's name.
func (r *Recipe) Name() string { return r.name }

// Add appends a step of the program's own. A step whose name is already in
// the recipe is reported when the recipe runs.
func (r *Recipe) Add(s Step) *Recipe {
	r.steps = append(r.steps, s)
	return r
}

// has reports whether a step with that name has been added.
func (r *Recipe) has(name string) bool {
	for _, s := range r.steps {
		if s.Name() == name {
			return true
		}
	}
	return false
}

// Plan reports what Ensure would change, using reads only. Steps that depend
// on something not yet made (a record for a server that doesn't exist) say
// so in their change's Detail.
func (r *Recipe) Plan(ctx context.Context) (ensure.Changes, error) {
	_, changes, err := r.run(ctx, ActionPlan)
	return changes, err
}

// Ensure converges every ingredient and returns what they are. On failure it
// returns the Outputs of the steps that finished together with a
// *RecipeError; running Ensure again finishes the job.
func (r *Recipe) Ensure(ctx context.Context) (*Outputs, error) {
	out, _, err := r.run(ctx, ActionEnsure)
	return out, err
}

// Destroy removes what the recipe owns, in reverse dependency order, and
// reports what it removed. Resources that aren't the recipe's are never
// touched, and neither is the SSH key file. A step that fails stops only
// the steps it depends on: when the DNS record can't be removed (a revoked
// token), the server stays too — deleting it would leave the record
// pointing at an address the cloud hands to its next customer — while the
// bucket and the rest go; run Destroy again once the cause is fixed.
func (r *Recipe) Destroy(ctx context.Context) (ensure.Changes, error) {
	_, changes, err := r.run(ctx, ActionDestroy)
	return changes, err
}

// String describes the recipe: its name and steps.
func (r *Recipe) String() string {
	names := make([]string, len(r.steps))
	for i, s := range r.steps {
		names[i] = s.Name()
	}
	return fmt.Sprintf("recipe %q %v", r.name, names)
}
