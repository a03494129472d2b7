package robot

import (
	"context"
	"net/url"
	"strconv"
)

// Firewall statuses.
const (
	FirewallActive    = "active"
	FirewallDisabled  = "disabled"
	FirewallInProcess = "in process"
)

// MaxRules is how many rules Robot allows per direction.
const MaxRules = 10

// FirewallRule is one rule of a server's firewall; empty fields are unset.
type FirewallRule struct {
	Name string
	// IPVersion is "ipv4", "ipv6", or empty for both (then SrcIP and DstIP
	// must be empty).
	IPVersion string
	SrcIP     string
	DstIP     string
	SrcPort   string
	DstPort   string
	// Protocol is tcp, udp, icmp, gre, ipip, ah or esp; empty for any.
	Protocol string
	// TCPFlags is e.g. "ack" or "syn|fin".
	TCPFlags string
	// Action is "accept" or "discard".
	Action string
}

// Firewall is a server's firewall.
type Firewall struct {
	ServerNumber int
	// Status is FirewallActive, FirewallDisabled or FirewallInProcess.
	Status       string
	FilterIPv6   bool
	WhitelistHOS bool
	Input        []FirewallRule
	Output       []FirewallRule
}

type wireRule struct {
	IPVersion *string `json:"ip_version"`
	Name      *string `json:"name"`
	DstIP     *string `json:"dst_ip"`
	SrcIP     *string `json:"src_ip"`
	DstPort   *string `json:"dst_port"`
	SrcPort   *string `json:"src_port"`
	Protocol  *string `json:"protocol"`
	TCPFlags  *string `json:"tcp_flags"`
	Action    *string `json:"action"`
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (w wireRule) rule() FirewallRule {
	return FirewallRule{Name: deref(w.Name), IPVersion: deref(w.IPVersion), SrcIP: deref(w.SrcIP), DstIP: deref(w.DstIP),
		SrcPort: deref(w.SrcPort), DstPort: deref(w.DstPort), Protocol: deref(w.Protocol), TCPFlags: deref(w.TCPFlags), Action: deref(w.Action)}
}

type wireFirewall struct {
	Firewall struct {
		ServerNumber int    `json:"server_number"`
		Status       string `json:"status"`
		FilterIPv6   bool   `json:"filter_ipv6"`
		WhitelistHOS bool   `json:"whitelist_hos"`
		Rules        struct {
			Input  []wireRule `json:"input"`
			Output []wireRule `json:"output"`
		} `json:"rules"`
	} `json:"firewall"`
}

func (w wireFirewall) firewall() *Firewall {
	f := w.Firewall
	fw := &Firewall{ServerNumber: f.ServerNumber, Status: f.Status, FilterIPv6: f.FilterIPv6, WhitelistHOS: f.WhitelistHOS}
	for _, r := range f.Rules.Input {
		fw.Input = append(fw.Input, r.rule())
	}
	for _, r := range f.Rules.Output {
		fw.Output = append(fw.Output, r.rule())
	}
	return fw
}

// Firewall returns a server's firewall.
func (c *Client) Firewall(ctx context.Context, number int) (*Firewall, error) {
	var out wireFirewall
	if err := c.get(ctx, "/firewall/"+strconv.Itoa(number), &out); err != nil {
		return nil, err
	}
	return out.firewall(), nil
}

// SetFirewall replaces a server's firewall configuration with fw (its
// ServerNumber is ignored; Status "" means active). Robot answers with the
// status "in process" and applies the change within about half a minute; a
// change sent while one is in process fails with FIREWALL_IN_PROCESS.
func (c *Client) SetFirewall(ctx context.Context, number int, fw Firewall) (*Firewall, error) {
	var out wireFirewall
	if err := c.post(ctx, "/firewall/"+strconv.Itoa(number), firewallForm(fw), &out); err != nil {
		return nil, err
	}
	return out.firewall(), nil
}

// DeleteFirewall removes every rule of a server's firewall, which disables
// it.
func (c *Client) DeleteFirewall(ctx context.Context, number int) (*Firewall, error) {
	var out wireFirewall
	if err := c.del(ctx, "/firewall/"+strconv.Itoa(number), &out); err != nil {
		return nil, err
	}
	return out.firewall(), nil
}

// firewallForm encodes fw the way Robot reads it:
// rules[input][0][name]=…&rules[input][0][action]=accept&…
func firewallForm(fw Firewall) url.Values {
	status := fw.Status
	if status == "" {
		status = FirewallActive
	}
	v := url.Values{
		"status":        {status},
		"filter_ipv6":   {strconv.FormatBool(fw.FilterIPv6)},
		"whitelist_hos": {strconv.FormatBool(fw.WhitelistHOS)},
	}
	for dir, rules := range map[string][]FirewallRule{"input": fw.Input, "output": fw.Output} {
		for i, r := range rules {
			p := "rules[" + dir + "][" + strconv.Itoa(i) + "]"
			set := func(k, val string) {
				if val != "" {
					v.Set(p+"["+k+"]", val)
				}
			}
			set("name", r.Name)
			set("ip_version", r.IPVersion)
			set("src_ip", r.SrcIP)
			set("dst_ip", r.DstIP)
			set("src_port", r.SrcPort)
			set("dst_port", r.DstPort)
			set("protocol", r.Protocol)
			set("tcp_flags", r.TCPFlags)
			action := r.Action
			if action == "" {
				action = "accept"
			}
			v.Set(p+"[action]", action)
		}
	}
	return v
}
