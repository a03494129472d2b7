package hetzner

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/assemblekit/assemble/dns"
)

// OwnerLabel is the RRset label key naming the recipe that created the
// RRset; the same key server.OwnerLabel uses for servers.
const OwnerLabel = "assemble-owner"

// OwnerComment is the record comment that marks a record as owned by the
// recipe named owner.
func OwnerComment(owner string) string { return dns.OwnerComment(owner) }

// want is what a spec asks for, in Hetzner's terms.
type want struct {
	Name, Type, Content, Owner string
	Rel                        string // relative to the zone, "@" for the apex
	TTL                        *int   // nil: the zone's default
	Adopt                      bool
}

func wantOf(s dns.RecordSpec, zone string) want {
	w := want{Name: s.Name, Type: s.Type, Content: s.Content, Owner: s.Owner, Rel: relName(s.Name, zone), Adopt: s.Adopt}
	if s.TTL > 0 {
		t := s.TTL
		w.TTL = &t
	}
	return w
}

func (w want) comment() string { return OwnerComment(w.Owner) }

// world is what a lookup found at the record's name.
type world struct {
	set   *hcloud.ZoneRRSet // the RRset of our name and type, if any
	cname *hcloud.ZoneRRSet // a CNAME at the name, which A/AAAA can't sit beside
}

// step is what Ensure will do, decided from a lookup without I/O so that
// Plan and Ensure agree.
type step struct {
	create  bool
	foreign bool                     // an unowned record with our address is used as it is
	add     []hcloud.ZoneRRSetRecord // add_records
	remove  []hcloud.ZoneRRSetRecord // remove_records: our records with other addresses
	set     []hcloud.ZoneRRSetRecord // set_records (adopting): all records, as they must be
	ttl     bool                     // change_ttl to the wanted TTL
	label   bool                     // put our label on the RRset
	details []string
}

func (s step) mutates() bool {
	return s.create || len(s.add) > 0 || len(s.remove) > 0 || s.set != nil || s.ttl || s.label
}

func sameAddr(a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(a, b)
	}
	return x.Unmap() == y.Unmap()
}

func ttlString(t *int) string {
	if t == nil {
		return "zone default"
	}
	return strconv.Itoa(*t)
}

func sameTTL(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// otherOwner reports whether a record is marked as another recipe's.
func otherOwner(r hcloud.ZoneRRSetRecord, w want) bool {
	return strings.HasPrefix(r.Comment, dns.OwnerCommentPrefix) && r.Comment != w.comment()
}

func describe(rs []hcloud.ZoneRRSetRecord) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Value
		if r.Comment != "" {
			out[i] += fmt.Sprintf(" (comment %q)", r.Comment)
		} else {
			out[i] += " (no comment)"
		}
	}
	return out
}

// decide says what Ensure must do about the world.
func decide(w want, wd world) (step, error) {
	if wd.cname != nil {
		var targets []string
		for _, r := range wd.cname.Records {
			targets = append(targets, "CNAME "+r.Value)
		}
		return step{}, &ConflictError{Name: w.Name, Type: w.Type, Owner: w.Owner, Records: targets,
			Reason: "a CNAME RRset is at this name and A/AAAA records can't sit beside it",
			Fix:    "delete the CNAME in Hetzner DNS or choose another name"}
	}
	rs := wd.set
	if rs == nil {
		return step{create: true, details: []string{"→ " + w.Content}}, nil
	}
	labelled := rs.Labels[OwnerLabel] == w.Owner
	var mine, same []hcloud.ZoneRRSetRecord
	for _, r := range rs.Records {
		if r.Comment == w.comment() {
			mine = append(mine, r)
		}
		if sameAddr(r.Value, w.Content) {
			same = append(same, r)
		}
	}
	var st step
	switch {
	case len(mine) > 0 || labelled:
		hasOurs := false
		for _, r := range mine {
			if sameAddr(r.Value, w.Content) {
				hasOurs = true
			} else {
				st.remove = append(st.remove, r)
				st.details = append(st.details, "remove our old address "+r.Value)
			}
		}
		switch {
		case hasOurs:
		case len(same) > 0:
			// A record without our mark already has our address: used as
			// it is, never re-marked without Adopt.
			st.foreign = true
		default:
			st.add = []hcloud.ZoneRRSetRecord{{Value: w.Content, Comment: w.comment()}}
			st.details = append(st.details, "add "+w.Content)
		}
		if labelled && !sameTTL(rs.TTL, w.TTL) {
			st.ttl = true
			st.details = append(st.details, fmt.Sprintf("ttl: %s → %s", ttlString(rs.TTL), ttlString(w.TTL)))
		}
		if rs.Labels[OwnerLabel] == "" {
			st.label = true
			st.details = append(st.details, "label the rrset as ours")
		}
		if n := len(rs.Records) - len(mine); n > 0 && st.mutates() {
			st.details = append(st.details, fmt.Sprintf("%d other record(s) kept", n))
		}
		return st, nil
	case len(same) > 0 && !w.Adopt:
		return step{foreign: true}, nil
	case len(same) > 0:
		st.set = remark(rs.Records, same[0].Value, w)
		st.details = append(st.details, fmt.Sprintf("adopt: mark %s as ours", same[0].Value))
	case w.Adopt:
		i := slices.IndexFunc(rs.Records, func(r hcloud.ZoneRRSetRecord) bool { return !otherOwner(r, w) })
		if i < 0 {
			return step{}, &ConflictError{Name: w.Name, Type: w.Type, Owner: w.Owner, Records: describe(rs.Records),
				Reason: "every record is marked as another recipe's", Fix: "destroy that recipe's record first, or choose another name"}
		}
		st.set = slices.Clone(rs.Records)
		st.details = append(st.details, fmt.Sprintf("adopt: %s → %s", st.set[i].Value, w.Content))
		st.set[i] = hcloud.ZoneRRSetRecord{Value: w.Content, Comment: w.comment()}
	default:
		return step{}, &ConflictError{Name: w.Name, Type: w.Type, Owner: w.Owner, Records: describe(rs.Records),
			Reason: fmt.Sprintf("an unowned RRset points the name elsewhere and has no record marked as recipe %q's", w.Owner),
			Fix:    "set Adopt to take one record over, or change the RRset in Hetzner DNS"}
	}
	if rs.Labels[OwnerLabel] == "" {
		st.label = true
		st.details = append(st.details, "label the rrset as ours")
	}
	return st, nil
}

// remark returns records with the one holding value marked as ours.
func remark(records []hcloud.ZoneRRSetRecord, value string, w want) []hcloud.ZoneRRSetRecord {
	out := slices.Clone(records)
	for i := range out {
		if out[i].Value == value {
			out[i].Comment = w.comment()
		}
	}
	return out
}
