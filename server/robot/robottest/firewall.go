package robottest

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxRules is how many rules Robot allows per direction.
const MaxRules = 10

// Rule is one firewall rule as Robot stores it; nil fields are unset.
type Rule struct {
	IPVersion *string `json:"ip_version"`
	Name      string  `json:"name"`
	DstIP     *string `json:"dst_ip"`
	SrcIP     *string `json:"src_ip"`
	DstPort   *string `json:"dst_port"`
	SrcPort   *string `json:"src_port"`
	Protocol  *string `json:"protocol"`
	TCPFlags  *string `json:"tcp_flags"`
	Action    string  `json:"action"`
}

// Firewall is a server's firewall as the simulator holds it.
type Firewall struct {
	// Status is "active", "disabled" or "in process".
	Status       string `json:"status"`
	FilterIPv6   bool   `json:"filter_ipv6"`
	WhitelistHOS bool   `json:"whitelist_hos"`
	Input        []Rule `json:"input"`
	Output       []Rule `json:"output"`
}

type firewallState struct {
	Firewall
	// Target is the status reached once ApplyAt has passed.
	Target  string    `json:"target"`
	ApplyAt time.Time `json:"apply_at"`
}

func newFirewall() *firewallState {
	return &firewallState{Firewall: Firewall{Status: "disabled", WhitelistHOS: true, Input: []Rule{}, Output: []Rule{}}}
}

// settle moves an applied change from "in process" to its target status.
func (f *firewallState) settle(now time.Time) {
	if f.Status == "in process" && !now.Before(f.ApplyAt) {
		f.Status = f.Target
	}
}

// FirewallOf returns a server's firewall as a GET would see it now.
func (r *Robot) FirewallOf(number int) (Firewall, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Servers[number]
	if s == nil {
		return Firewall{}, false
	}
	s.Firewall.settle(r.now())
	fw := s.Firewall.Firewall
	fw.Input = append([]Rule(nil), fw.Input...)
	fw.Output = append([]Rule(nil), fw.Output...)
	return fw, true
}

// SetFirewall replaces a server's firewall directly (status as given), as if
// someone had edited it in the Robot web interface.
func (r *Robot) SetFirewall(number int, fw Firewall) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Servers[number]
	if s == nil {
		return fmt.Errorf("robottest: no server %d", number)
	}
	if fw.Input == nil {
		fw.Input = []Rule{}
	}
	if fw.Output == nil {
		fw.Output = []Rule{}
	}
	s.Firewall = &firewallState{Firewall: fw, Target: fw.Status}
	return nil
}

func (s *serverState) firewallJSON() map[string]any {
	f := s.Firewall
	var ip any
	if s.IPv4.IsValid() {
		ip = s.IPv4.String()
	}
	return map[string]any{"firewall": map[string]any{
		"server_ip":     ip,
		"server_number": s.Number,
		"status":        f.Status,
		"filter_ipv6":   f.FilterIPv6,
		"whitelist_hos": f.WhitelistHOS,
		"port":          "main",
		"rules":         map[string]any{"input": f.Input, "output": f.Output},
	}}
}

func (r *Robot) firewallServer(w http.ResponseWriter, req *http.Request) *serverState {
	if p := req.PathValue("port"); p != "" && p != "main" && p != "kvm" {
		invalid(w, "invalid switch port", "port")
		return nil
	}
	s := r.serverByPath(w, req)
	if s != nil {
		s.Firewall.settle(r.now())
	}
	return s
}

func (r *Robot) getFirewall(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.firewallServer(w, req); s != nil {
		writeJSON(w, http.StatusOK, s.firewallJSON())
	}
}

func (r *Robot) inProcess(w http.ResponseWriter, s *serverState) bool {
	if s.Firewall.Status != "in process" {
		return false
	}
	writeErr(w, apiError{Status: http.StatusConflict, Code: CodeFirewallInProcess,
		Message: "The firewall cannot be updated while a firewall update is in process"})
	return true
}

func (r *Robot) postFirewall(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.firewallServer(w, req)
	if s == nil || r.inProcess(w, s) {
		return
	}
	f := req.PostForm
	if f.Has("template_id") {
		notFound(w, "FIREWALL_TEMPLATE_NOT_FOUND", "Firewall template not found (templates are not simulated)")
		return
	}
	status := f.Get("status")
	if status == "" {
		status = "active"
	}
	if status != "active" && status != "disabled" {
		invalid(w, "invalid status", "status")
		return
	}
	next := s.Firewall.Firewall
	for field, dst := range map[string]*bool{"filter_ipv6": &next.FilterIPv6, "whitelist_hos": &next.WhitelistHOS} {
		if !f.Has(field) {
			continue
		}
		b, err := strconv.ParseBool(f.Get(field))
		if err != nil {
			invalid(w, "invalid "+field, field)
			return
		}
		*dst = b
	}
	in, bad := parseRules(f, "input")
	if bad != "" {
		invalid(w, "invalid firewall rule", bad)
		return
	}
	out, bad := parseRules(f, "output")
	if bad != "" {
		invalid(w, "invalid firewall rule", bad)
		return
	}
	if len(in) > MaxRules || len(out) > MaxRules {
		invalid(w, fmt.Sprintf("at most %d rules per direction are allowed", MaxRules), "rules")
		return
	}
	next.Input, next.Output = in, out
	next.Status = "in process"
	s.Firewall = &firewallState{Firewall: next, Target: status, ApplyAt: r.now().Add(r.applyDelay)}
	writeJSON(w, http.StatusOK, s.firewallJSON())
}

func (r *Robot) deleteFirewall(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.firewallServer(w, req)
	if s == nil || r.inProcess(w, s) {
		return
	}
	next := s.Firewall.Firewall
	next.Input, next.Output = []Rule{}, []Rule{}
	next.Status = "in process"
	s.Firewall = &firewallState{Firewall: next, Target: "disabled", ApplyAt: r.now().Add(r.applyDelay)}
	writeJSON(w, http.StatusOK, s.firewallJSON())
}

var (
	ruleKey   = regexp.MustCompile(`^rules\[(input|output)\]\[(\d+)\]\[([a-z_]+)\]$`)
	portRange = regexp.MustCompile(`^\d{1,5}(-\d{1,5})?$`)
	tcpFlags  = regexp.MustCompile(`^(syn|ack|fin|rst|psh|urg)([|&](syn|ack|fin|rst|psh|urg))*$`)
)

// parseRules reads rules[dir][i][field] form fields. Indices must run from 0
// without gaps. It returns the offending field name when a rule is invalid.
func parseRules(f map[string][]string, dir string) ([]Rule, string) {
	byIdx := map[int]map[string]string{}
	for k, v := range f {
		m := ruleKey.FindStringSubmatch(k)
		if m == nil || m[1] != dir || len(v) == 0 {
			continue
		}
		i, _ := strconv.Atoi(m[2])
		if byIdx[i] == nil {
			byIdx[i] = map[string]string{}
		}
		byIdx[i][m[3]] = v[0]
	}
	rules := []Rule{}
	for i := 0; i < len(byIdx); i++ {
		fields, ok := byIdx[i]
		prefix := fmt.Sprintf("rules[%s][%d]", dir, i)
		if !ok {
			return nil, prefix
		}
		ru, bad := parseRule(fields)
		if bad != "" {
			return nil, prefix + "[" + bad + "]"
		}
		rules = append(rules, ru)
	}
	return rules, ""
}

func parseRule(f map[string]string) (Rule, string) {
	opt := func(k string) *string {
		if v, ok := f[k]; ok && v != "" {
			return &v
		}
		return nil
	}
	ru := Rule{Name: f["name"], Action: f["action"], IPVersion: opt("ip_version"), DstIP: opt("dst_ip"),
		SrcIP: opt("src_ip"), DstPort: opt("dst_port"), SrcPort: opt("src_port"), Protocol: opt("protocol"), TCPFlags: opt("tcp_flags")}
	for k := range f {
		switch k {
		case "name", "action", "ip_version", "dst_ip", "src_ip", "dst_port", "src_port", "protocol", "tcp_flags":
		default:
			return ru, k
		}
	}
	if ru.Action != "accept" && ru.Action != "discard" {
		return ru, "action"
	}
	if len(ru.Name) > 50 {
		return ru, "name"
	}
	if v := ru.IPVersion; v != nil && *v != "ipv4" && *v != "ipv6" {
		return ru, "ip_version"
	}
	for _, ip := range []struct {
		name string
		v    *string
	}{{"src_ip", ru.SrcIP}, {"dst_ip", ru.DstIP}} {
		if ip.v == nil {
			continue
		}
		// Addresses need an explicit IPv4 rule: Robot filters IPv6 by port
		// and protocol only.
		if ru.IPVersion == nil || *ru.IPVersion != "ipv4" {
			return ru, ip.name
		}
		p, err := netip.ParsePrefix(*ip.v)
		if err != nil {
			a, aerr := netip.ParseAddr(*ip.v)
			if aerr != nil {
				return ru, ip.name
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if !p.Addr().Is4() {
			return ru, ip.name
		}
	}
	if v := ru.Protocol; v != nil {
		switch *v {
		case "tcp", "udp", "gre", "icmp", "ipip", "ah", "esp":
		default:
			return ru, "protocol"
		}
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"dst_port", ru.DstPort}, {"src_port", ru.SrcPort}} {
		if p.v == nil {
			continue
		}
		if !portRange.MatchString(*p.v) || !validRange(*p.v) {
			return ru, p.name
		}
		if ru.Protocol == nil || (*ru.Protocol != "tcp" && *ru.Protocol != "udp") {
			return ru, p.name
		}
	}
	if v := ru.TCPFlags; v != nil {
		if ru.Protocol == nil || *ru.Protocol != "tcp" || !tcpFlags.MatchString(strings.ToLower(*v)) {
			return ru, "tcp_flags"
		}
	}
	return ru, ""
}

func validRange(s string) bool {
	lo, hi, ok := strings.Cut(s, "-")
	a, _ := strconv.Atoi(lo)
	b := a
	if ok {
		b, _ = strconv.Atoi(hi)
	}
	return a >= 0 && b <= 65535 && a <= b
}
