package robot

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
)

// EphemeralPorts is the port range Linux picks source ports from; replies
// to the server's own connections arrive there.
const EphemeralPorts = "32768-65535"

const maxRuleName = 50

// rulePrefix marks firewall rules as the owner's.
func rulePrefix(owner string) string { return "assemble:" + owner + " " }

func ownsRule(owner string, r FirewallRule) bool {
	return strings.HasPrefix(r.Name, rulePrefix(owner))
}

// ReplyRules are the rules a stateless firewall needs so that answers to the
// server's own outbound traffic get back in: TCP segments with ACK set to the
// ephemeral ports, UDP to the ephemeral ports (DNS, NTP), and ICMP.
func ReplyRules(owner string) []FirewallRule {
	p := rulePrefix(owner)
	return []FirewallRule{
		{Name: p + "tcp replies", Protocol: "tcp", DstPort: EphemeralPorts, TCPFlags: "ack", Action: "accept"},
		{Name: p + "udp replies", Protocol: "udp", DstPort: EphemeralPorts, Action: "accept"},
		{Name: p + "icmp", Protocol: "icmp", Action: "accept"},
	}
}

// FirewallRules turns the spec's inbound rules into Robot rules named for
// owner, followed by ReplyRules. Robot filters IPv6 by port and protocol
// only, so an IPv6 source other than ::/0 is refused.
func FirewallRules(owner string, rules []server.Rule) ([]FirewallRule, error) {
	p := rulePrefix(owner)
	var out []FirewallRule
	for i, r := range rules {
		field := fmt.Sprintf("server.firewall[%d]", i)
		proto := strings.ToLower(strings.TrimSpace(r.Protocol))
		port := strings.TrimSpace(r.Port)
		switch proto {
		case "tcp", "udp":
			if !validPort(port) {
				return nil, ensure.Invalid(field+".port", r.Port, "not a port or port range", `use "22" or "8000-9000"`)
			}
		case "icmp":
			if port != "" {
				return nil, ensure.Invalid(field+".port", r.Port, "icmp has no ports", "leave the port empty")
			}
		default:
			return nil, ensure.Invalid(field+".protocol", r.Protocol, "not supported by the Robot firewall here", `use "tcp", "udp" or "icmp"`)
		}
		label := r.Description
		if label == "" {
			label = proto
			if port != "" {
				label += "/" + port
			}
		}
		base := FirewallRule{Protocol: proto, DstPort: port, Action: "accept"}
		any4, any6 := len(r.Sources) == 0, len(r.Sources) == 0
		var v4 []netip.Prefix
		for _, s := range r.Sources {
			s = s.Masked()
			switch {
			case !s.IsValid():
				return nil, ensure.Invalid(field+".sources", s.String(), "not a valid network", "use CIDR notation like 203.0.113.0/24")
			case s.Addr().Is4() && s.Bits() == 0:
				any4 = true
			case s.Addr().Is6() && s.Bits() == 0:
				any6 = true
			case s.Addr().Is4():
				v4 = append(v4, s)
			default:
				return nil, ensure.Invalid(field+".sources", s.String(), "the Robot firewall cannot filter IPv6 by address", "use IPv4 networks, or ::/0 for all of IPv6")
			}
		}
		add := func(r FirewallRule, suffix string) {
			r.Name = ruleName(p, label+suffix)
			out = append(out, r)
		}
		switch {
		case any4 && any6:
			add(base, "")
		default:
			if any4 {
				r4 := base
				r4.IPVersion = "ipv4"
				add(r4, " v4")
			} else {
				for j, s := range v4 {
					r4 := base
					r4.IPVersion, r4.SrcIP = "ipv4", s.String()
					suffix := ""
					if len(v4) > 1 {
						suffix = " " + strconv.Itoa(j+1)
					}
					add(r4, suffix)
				}
			}
			if any6 {
				r6 := base
				r6.IPVersion = "ipv6"
				add(r6, " v6")
			}
		}
	}
	out = append(out, ReplyRules(owner)...)
	return out, nil
}

func ruleName(prefix, label string) string {
	n := prefix + label
	if len(n) > maxRuleName {
		n = n[:maxRuleName]
	}
	return n
}

func validPort(s string) bool {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a < 1 || a > 65535 {
		return false
	}
	if isRange {
		b, err := strconv.Atoi(hi)
		return err == nil && b >= a && b <= 65535
	}
	return true
}

// sameRule compares what Robot stores of a rule. Robot may echo an empty
// field back as null or "", and flags in another case.
func sameRule(a, b FirewallRule) bool {
	norm := func(r FirewallRule) FirewallRule {
		r.Protocol = strings.ToLower(r.Protocol)
		r.TCPFlags = strings.ToLower(r.TCPFlags)
		if r.Action == "" {
			r.Action = "accept"
		}
		return r
	}
	return norm(a) == norm(b)
}

func sameRules(a, b []FirewallRule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameRule(a[i], b[i]) {
			return false
		}
	}
	return true
}

// desiredFirewall is cur with the owner's rules replaced by want (first),
// the other rules kept after them, IPv6 filtering on and the firewall
// active.
func desiredFirewall(owner string, cur *Firewall, want []FirewallRule) Firewall {
	next := Firewall{Status: FirewallActive, FilterIPv6: true, WhitelistHOS: cur.WhitelistHOS, Output: cur.Output}
	next.Input = append(next.Input, want...)
	for _, r := range cur.Input {
		if !ownsRule(owner, r) {
			next.Input = append(next.Input, r)
		}
	}
	return next
}

func firewallDiff(cur *Firewall, next Firewall) string {
	var parts []string
	if cur.Status != next.Status {
		parts = append(parts, "status: "+cur.Status+" → "+next.Status)
	}
	if cur.FilterIPv6 != next.FilterIPv6 {
		parts = append(parts, "filter_ipv6: on")
	}
	has := func(rs []FirewallRule, r FirewallRule) bool {
		for _, x := range rs {
			if sameRule(x, r) {
				return true
			}
		}
		return false
	}
	for _, r := range next.Input {
		if !has(cur.Input, r) {
			parts = append(parts, "+"+r.Name)
		}
	}
	for _, r := range cur.Input {
		if !has(next.Input, r) {
			parts = append(parts, "-"+r.Name)
		}
	}
	if len(parts) == 0 && !sameRules(cur.Input, next.Input) {
		parts = append(parts, "rule order")
	}
	return strings.Join(parts, ", ")
}
