package hetzner

import (
	"context"
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// changeKind is the Kind of every change this provider reports.
const changeKind = "dns record"

// Plan says what Ensure would do, with reads only. An RRset in the way is
// the same *ConflictError Ensure would return.
func (p *Provider) Plan(ctx context.Context, spec dns.RecordSpec) (ensure.Changes, error) {
	what := fmt.Sprintf("plan dns record %q", spec.Name)
	spec, z, err := p.prepare(ctx, spec, true, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	w := wantOf(spec, z.Name)
	wd, err := p.look(ctx, z, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	st, err := decide(w, wd)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	c := ensure.Change{Kind: changeKind, Name: w.Name + " " + w.Type, Op: ensure.Unchanged, Detail: strings.Join(st.details, ", ")}
	switch {
	case st.create:
		c.Op = ensure.Created
	case st.mutates():
		c.Op = ensure.Updated
	case st.foreign:
		c.Detail = "an unowned record already points at " + w.Content + "; used as it is"
	}
	return ensure.Changes{c}, nil
}
