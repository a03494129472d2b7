package server

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// Rule is one inbound firewall rule.
type Rule struct {
	// Protocol is "tcp", "udp" or "icmp".
	Protocol string
	// Port is a port ("22") or an inclusive range ("8000-9000"); empty for
	// icmp.
	Port string
	// Sources are the networks allowed in; nil means anywhere, IPv4 and
	// IPv6 (0.0.0.0/0 and ::/0).
	Sources []netip.Prefix
	// Description is shown in the vendor's console.
	Description string
}

// Anywhere is the default source list of a Rule: every IPv4 and IPv6 address.
func Anywhere() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
}

// DefaultFirewall returns the rules a Kamal host needs: TCP 22, 80 and 443
// from anywhere, IPv4 and IPv6.
func DefaultFirewall() []Rule {
	return []Rule{
		{Protocol: "tcp", Port: "22", Sources: Anywhere(), Description: "ssh"},
		{Protocol: "tcp", Port: "80", Sources: Anywhere(), Description: "http"},
		{Protocol: "tcp", Port: "443", Sources: Anywhere(), Description: "https"},
	}
}

// Normalize returns r with defaults filled in (sources anywhere), the
// protocol lowercased and the sources masked and sorted, so that two rules
// that mean the same compare equal.
func (r Rule) Normalize() Rule {
	r.Protocol = strings.ToLower(strings.TrimSpace(r.Protocol))
	r.Port = strings.TrimSpace(r.Port)
	if len(r.Sources) == 0 {
		r.Sources = Anywhere()
	}
	src := make([]netip.Prefix, 0, len(r.Sources))
	for _, p := range r.Sources {
		src = append(src, p.Masked())
	}
	slices.SortFunc(src, func(a, b netip.Prefix) int { return strings.Compare(a.String(), b.String()) })
	r.Sources = slices.Compact(src)
	return r
}

// Key identifies what the rule lets in, ignoring its description.
func (r Rule) Key() string {
	n := r.Normalize()
	parts := make([]string, len(n.Sources))
	for i, p := range n.Sources {
		parts[i] = p.String()
	}
	return n.Protocol + "/" + n.Port + " from " + strings.Join(parts, ",")
}

// String renders the rule as "tcp/22 from 0.0.0.0/0,::/0".
func (r Rule) String() string { return r.Key() }

// Validate checks the rule; field names the rule in errors ("firewall[0]").
func (r Rule) Validate(field string) error {
	n := r.Normalize()
	switch n.Protocol {
	case "tcp", "udp":
		if err := validPort(n.Port); err != nil {
			return ensure.Invalid(field+".port", r.Port, err.Error(), `use a port "22" or a range "8000-9000"`)
		}
	case "icmp":
		if n.Port != "" {
			return ensure.Invalid(field+".port", r.Port, "icmp has no ports", "leave the port empty")
		}
	default:
		return ensure.Invalid(field+".protocol", r.Protocol, "unknown protocol", `use "tcp", "udp" or "icmp"`)
	}
	for _, p := range r.Sources {
		if !p.IsValid() {
			return ensure.Invalid(field+".sources", p.String(), "not a valid network", "use CIDR notation like 203.0.113.0/24")
		}
	}
	return nil
}

func validPort(s string) error {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a < 1 || a > 65535 {
		return fmt.Errorf("port must be 1-65535")
	}
	if isRange {
		b, err := strconv.Atoi(hi)
		if err != nil || b < 1 || b > 65535 || b < a {
			return fmt.Errorf("range must be low-high within 1-65535")
		}
	}
	return nil
}

// SameRules reports whether a and b let in the same traffic, ignoring order
// and descriptions.
func SameRules(a, b []Rule) bool {
	ka, kb := ruleKeys(a), ruleKeys(b)
	return slices.Equal(ka, kb)
}

func ruleKeys(rs []Rule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Key()
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DiffRules describes how have differs from want as "+tcp/443 …, -tcp/8080 …";
// empty when they are the same.
func DiffRules(have, want []Rule) string {
	h, w := ruleKeys(have), ruleKeys(want)
	var parts []string
	for _, k := range w {
		if !slices.Contains(h, k) {
			parts = append(parts, "+"+k)
		}
	}
	for _, k := range h {
		if !slices.Contains(w, k) {
			parts = append(parts, "-"+k)
		}
	}
	return strings.Join(parts, ", ")
}
