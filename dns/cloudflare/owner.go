package cloudflare

import (
	"fmt"
	"sort"
	"strings"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// OwnerComment is the record comment that marks a record as owned by the
// recipe named owner.
func OwnerComment(owner string) string { return dns.OwnerComment(owner) }

// want is the record a spec asks for, in Cloudflare's terms.
type want struct {
	Name, Type, Content, Comment string
	TTL                          int
	Proxied                      bool
}

func wantOf(s dns.RecordSpec) want {
	ttl := s.TTL
	if ttl == 0 || s.Proxied {
		ttl = 1 // automatic; proxied records always are
	}
	return want{Name: s.Name, Type: s.Type, Content: s.Content, Comment: OwnerComment(s.Owner), TTL: ttl, Proxied: s.Proxied}
}

// world is what a lookup found at the record's name.
type world struct {
	ours    []rec // our type, our mark
	foreign []rec // our type, not our mark
	cname   *rec  // a CNAME at the name, which A/AAAA can't sit beside
}

func classify(all []rec, w want) world {
	var out world
	for _, r := range all {
		r := r
		switch {
		case r.Type == "CNAME":
			out.cname = &r
		case r.Type != w.Type:
		case r.Comment == w.Comment:
			out.ours = append(out.ours, r)
		default:
			out.foreign = append(out.foreign, r)
		}
	}
	return out
}

// keeper picks the record to keep among ours: one with the wanted address,
// then the oldest, then the lowest ID. Two runs that raced agree on it,
// because the oldest was already there when the later one looked.
func keeper(ours []rec, content string) (keep rec, extras []rec) {
	sorted := append([]rec(nil), ours...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if ma, mb := sameAddr(a.Content, content), sameAddr(b.Content, content); ma != mb {
			return ma
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID < b.ID
	})
	return sorted[0], sorted[1:]
}

func oldest(rs []rec) rec {
	k, _ := keeper(rs, "")
	return k
}

// diff says which fields of a record differ from the wanted ones.
type diff struct{ content, ttl, proxied, comment bool }

func (d diff) any() bool { return d.content || d.ttl || d.proxied || d.comment }

func diffOf(r rec, w want) diff {
	return diff{
		content: !sameAddr(r.Content, w.Content),
		ttl:     r.TTL != w.TTL && !w.Proxied,
		proxied: r.Proxied != w.Proxied,
		comment: r.Comment != w.Comment,
	}
}

func (d diff) describe(r rec, w want) string {
	var parts []string
	if d.comment {
		parts = append(parts, fmt.Sprintf("adopt: comment %q → %q", r.Comment, w.Comment))
	}
	if d.content {
		parts = append(parts, fmt.Sprintf("content: %s → %s", r.Content, w.Content))
	}
	if d.ttl {
		parts = append(parts, fmt.Sprintf("ttl: %d → %d", r.TTL, w.TTL))
	}
	if d.proxied {
		parts = append(parts, fmt.Sprintf("proxied: %t → %t", r.Proxied, w.Proxied))
	}
	return strings.Join(parts, ", ")
}

// ConflictError is an unowned record in the way. It unwraps to
// ensure.ErrConflict.
type ConflictError struct {
	Name, Type string
	// Owner is the recipe that wanted the name.
	Owner string
	// Records describes the records in the way ("10.0.0.9 (comment …)").
	Records []string
	// Reason says why they are in the way.
	Reason string
	// Fix says what to do.
	Fix string
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s %s: %s (%s)", e.Name, e.Type, strings.Join(e.Records, ", "), e.Reason, e.Fix)
}

// Unwrap returns ensure.ErrConflict.
func (e *ConflictError) Unwrap() error { return ensure.ErrConflict }

func describeRecs(rs []rec) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Content
		if r.Comment != "" {
			out[i] += fmt.Sprintf(" (comment %q)", r.Comment)
		} else {
			out[i] += " (no comment)"
		}
		if r.Proxied {
			out[i] += " (proxied)"
		}
	}
	return out
}

// step is what Ensure will do, decided from a lookup with no I/O, so that
// Plan and Ensure agree.
type step struct {
	create  bool
	target  *rec // the record to update or use
	d       diff // what to change on target
	extras  []rec
	foreign bool // target is someone else's record, used as it is
}

func decide(w want, wd world, owner string, adopt bool) (step, error) {
	if wd.cname != nil {
		return step{}, &ConflictError{Name: w.Name, Type: w.Type, Owner: owner,
			Records: []string{"CNAME " + wd.cname.Content},
			Reason:  "a CNAME record is at this name and A/AAAA records can't sit beside it",
			Fix:     "delete the CNAME record in Cloudflare or choose another name"}
	}
	if len(wd.ours) > 0 {
		k, extras := keeper(wd.ours, w.Content)
		return step{target: &k, d: diffOf(k, w), extras: extras}, nil
	}
	var same []rec
	for _, r := range wd.foreign {
		if sameAddr(r.Content, w.Content) {
			same = append(same, r)
		}
	}
	switch {
	case adopt && len(wd.foreign) > 0:
		pool := same
		if len(pool) == 0 {
			pool = wd.foreign
		}
		t := oldest(pool)
		return step{target: &t, d: diffOf(t, w)}, nil
	case len(same) > 0:
		t := oldest(same)
		if t.Proxied != w.Proxied {
			return step{}, &ConflictError{Name: w.Name, Type: w.Type, Owner: owner, Records: describeRecs([]rec{t}),
				Reason: fmt.Sprintf("an unowned record has the address but proxied=%t, and recipe %q may not change it", t.Proxied, owner),
				Fix:    "set Adopt to take the record over, or change it in Cloudflare"}
		}
		return step{target: &t, foreign: true}, nil
	case len(wd.foreign) > 0:
		return step{}, &ConflictError{Name: w.Name, Type: w.Type, Owner: owner, Records: describeRecs(wd.foreign),
			Reason: fmt.Sprintf("unowned records point the name elsewhere and are not marked as recipe %q's", owner),
			Fix:    "set Adopt to take one over, or delete them in Cloudflare"}
	}
	return step{create: true}, nil
}
