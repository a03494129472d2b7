package cloudflare

import (
	"context"
	"fmt"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// changeKind is the Kind of every change this provider reports.
const changeKind = "dns record"

// Plan says what Ensure would do, with reads only. An unowned record in the
// way is the same *ConflictError Ensure would return.
func (p *Provider) Plan(ctx context.Context, spec dns.RecordSpec) (ensure.Changes, error) {
	what := fmt.Sprintf("plan dns record %q", spec.Name)
	spec, z, err := p.prepare(ctx, spec, true, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	w := wantOf(spec)
	wd, err := p.look(ctx, z, w)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	st, err := decide(w, wd, spec.Owner, spec.Adopt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	name := w.Name + " " + w.Type
	var cs ensure.Changes
	switch {
	case st.create:
		cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Created, Detail: "→ " + w.Content})
	case st.foreign:
		cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Unchanged, Detail: "an unowned record already points at " + w.Content + "; used as it is"})
	case st.d.any():
		cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Updated, Detail: st.d.describe(*st.target, w)})
	default:
		cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Unchanged})
	}
	for _, x := range st.extras {
		cs = append(cs, ensure.Change{Kind: changeKind, Name: name, Op: ensure.Deleted, Detail: fmt.Sprintf("duplicate %s of %s", x.ID, st.target.ID)})
	}
	return cs, nil
}
