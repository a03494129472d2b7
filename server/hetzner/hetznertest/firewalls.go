package hetznertest

import (
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

func (s *Server) firewallApplies(fw *firewallState, sv *serverState) bool {
	if slices.Contains(fw.Servers, sv.ID) {
		return true
	}
	for _, ls := range fw.Selectors {
		if sel, err := parseSelector(ls); err == nil && sel.matches(sv.Labels) {
			return true
		}
	}
	return false
}

func (s *Server) renderFirewall(fw *firewallState) map[string]any {
	applied := []map[string]any{}
	for _, id := range fw.Servers {
		applied = append(applied, map[string]any{"type": "server", "server": map[string]any{"id": id}})
	}
	for _, ls := range fw.Selectors {
		res := []map[string]any{}
		sel, _ := parseSelector(ls)
		for _, id := range sortedIDs(s.servers) {
			if sel.matches(s.servers[id].Labels) {
				res = append(res, map[string]any{"type": "server", "server": map[string]any{"id": id}})
			}
		}
		applied = append(applied, map[string]any{"type": "label_selector", "label_selector": map[string]any{"selector": ls}, "applied_to_resources": res})
	}
	labels := fw.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	rules := fw.Rules
	if rules == nil {
		rules = []FirewallRule{}
	}
	return map[string]any{"id": fw.ID, "name": fw.Name, "labels": labels, "created": fw.Created, "rules": rules, "applied_to": applied}
}

func checkRules(rules []FirewallRule) ([]FirewallRule, *apiError) {
	out := make([]FirewallRule, 0, len(rules))
	for i, r := range rules {
		field := fmt.Sprintf("rules[%d]", i)
		if r.Direction != "in" && r.Direction != "out" {
			return nil, invalidInput(field+".direction", "must be in or out")
		}
		switch r.Protocol {
		case "tcp", "udp":
			if r.Port == nil || !validPort(*r.Port) {
				return nil, invalidInput(field+".port", "a port or port range is required for tcp and udp")
			}
		case "icmp", "esp", "gre":
			if r.Port != nil {
				return nil, invalidInput(field+".port", "port is not allowed for "+r.Protocol)
			}
		default:
			return nil, invalidInput(field+".protocol", "unknown protocol")
		}
		ips := r.SourceIPs
		if r.Direction == "out" {
			ips = r.DestinationIPs
		}
		if len(ips) == 0 {
			return nil, invalidInput(field, "at least one IP network is required")
		}
		for _, ip := range append(slices.Clone(r.SourceIPs), r.DestinationIPs...) {
			if _, err := netip.ParsePrefix(ip); err != nil {
				return nil, invalidInput(field, fmt.Sprintf("%q is not a network in CIDR notation", ip))
			}
		}
		if r.SourceIPs == nil {
			r.SourceIPs = []string{}
		}
		if r.DestinationIPs == nil {
			r.DestinationIPs = []string{}
		}
		out = append(out, r)
	}
	return out, nil
}

func validPort(p string) bool {
	if p == "any" {
		return true
	}
	lo, hi, isRange := strings.Cut(p, "-")
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

func (s *Server) listFirewalls(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	var items []*firewallState
	for _, id := range sortedIDs(s.firewalls) {
		fw := s.firewalls[id]
		if (lq.hasName && fw.Name != lq.name) || (lq.sel != nil && !lq.sel.matches(fw.Labels)) {
			continue
		}
		items = append(items, fw)
	}
	return listResponse("firewalls", items, lq, func(v *firewallState) sortKey {
		return sortKey{id: v.ID, name: v.Name, created: v.Created}
	}, s.renderFirewall)
}

func (s *Server) getFirewall(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fw, ok := s.firewalls[id]
	if !ok {
		return 0, nil, notFound("firewall")
	}
	return 200, map[string]any{"firewall": s.renderFirewall(fw)}, nil
}

type applyTo struct {
	Type   string `json:"type"`
	Server *struct {
		ID int64 `json:"id"`
	} `json:"server"`
	LabelSelector *struct {
		Selector string `json:"selector"`
	} `json:"label_selector"`
}

// apply adds resources to fw and returns the apply_firewall actions.
// Callers hold s.mu.
func (s *Server) apply(fw *firewallState, res []applyTo) ([]*actionState, *apiError) {
	// check all first: nothing changes on error
	for i, a := range res {
		switch a.Type {
		case "server":
			if a.Server == nil {
				return nil, invalidInput(fmt.Sprintf("apply_to[%d].server", i), "is required")
			}
			if _, ok := s.servers[a.Server.ID]; !ok {
				return nil, errf(404, "firewall_resource_not_found", fmt.Sprintf("server %d not found", a.Server.ID))
			}
			if slices.Contains(fw.Servers, a.Server.ID) {
				return nil, errf(422, "firewall_already_applied", fmt.Sprintf("firewall %d is already applied to server %d", fw.ID, a.Server.ID))
			}
		case "label_selector":
			if a.LabelSelector == nil {
				return nil, invalidInput(fmt.Sprintf("apply_to[%d].label_selector", i), "is required")
			}
			if _, err := parseSelector(a.LabelSelector.Selector); err != nil {
				return nil, invalidInput(fmt.Sprintf("apply_to[%d].label_selector", i), err.Error())
			}
		default:
			return nil, invalidInput(fmt.Sprintf("apply_to[%d].type", i), "must be server or label_selector")
		}
	}
	var acts []*actionState
	for _, a := range res {
		fwRes := actionResource{ID: fw.ID, Type: "firewall"}
		if a.Type == "server" {
			fw.Servers = append(fw.Servers, a.Server.ID)
			acts = append(acts, s.newAction("apply_firewall", nil, fwRes, actionResource{ID: a.Server.ID, Type: "server"}))
		} else {
			fw.Selectors = append(fw.Selectors, a.LabelSelector.Selector)
			acts = append(acts, s.newAction("apply_firewall", nil, fwRes))
		}
	}
	return acts, nil
}

func (s *Server) createFirewall(r *http.Request) (int, any, *apiError) {
	var req struct {
		Name    string            `json:"name"`
		Labels  map[string]string `json:"labels"`
		Rules   []FirewallRule    `json:"rules"`
		ApplyTo []applyTo         `json:"apply_to"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	if req.Name == "" || len(req.Name) > 128 {
		return 0, nil, invalidInput("name", "must be 1-128 characters")
	}
	if aerr := checkLabels(req.Labels); aerr != nil {
		return 0, nil, aerr
	}
	rules, aerr := checkRules(req.Rules)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	for _, fw := range s.firewalls {
		if fw.Name == req.Name {
			return 0, nil, &apiError{status: 409, code: "uniqueness_error", message: "firewall name is already used",
				details: map[string]any{"fields": []map[string]any{{"name": "name"}}}}
		}
	}
	fw := &firewallState{ID: s.newID(), Name: req.Name, Labels: maps.Clone(req.Labels), Created: s.stamp(), Rules: rules, Servers: []int64{}}
	if fw.Labels == nil {
		fw.Labels = map[string]string{}
	}
	// validate apply_to against a scratch copy so a bad target commits nothing
	scratch := cloneFirewall(fw)
	if _, aerr := s.apply(&scratch, req.ApplyTo); aerr != nil {
		return 0, nil, aerr
	}
	s.firewalls[fw.ID] = fw
	acts, _ := s.apply(fw, req.ApplyTo)
	return 201, map[string]any{"firewall": s.renderFirewall(fw), "actions": s.renderActions(acts)}, nil
}

func (s *Server) updateFirewall(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Name   *string            `json:"name"`
		Labels *map[string]string `json:"labels"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fw, ok := s.firewalls[id]
	if !ok {
		return 0, nil, notFound("firewall")
	}
	if req.Name != nil {
		for _, o := range s.firewalls {
			if o.ID != id && o.Name == *req.Name {
				return 0, nil, errf(409, "uniqueness_error", "firewall name is already used")
			}
		}
		fw.Name = *req.Name
	}
	if req.Labels != nil {
		if aerr := checkLabels(*req.Labels); aerr != nil {
			return 0, nil, aerr
		}
		fw.Labels = maps.Clone(*req.Labels)
	}
	return 200, map[string]any{"firewall": s.renderFirewall(fw)}, nil
}

func (s *Server) deleteFirewall(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	fw, ok := s.firewalls[id]
	if !ok {
		return 0, nil, notFound("firewall")
	}
	if len(fw.Servers) > 0 || len(fw.Selectors) > 0 {
		return 0, nil, errf(422, "resource_in_use", "firewall is still applied to resources")
	}
	delete(s.firewalls, id)
	return 204, nil, nil
}

func (s *Server) setFirewallRules(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Rules []FirewallRule `json:"rules"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	rules, aerr := checkRules(req.Rules)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	fw, ok := s.firewalls[id]
	if !ok {
		return 0, nil, notFound("firewall")
	}
	fw.Rules = rules
	fwRes := actionResource{ID: fw.ID, Type: "firewall"}
	acts := []*actionState{s.newAction("set_firewall_rules", nil, fwRes)}
	for _, sid := range fw.Servers {
		acts = append(acts, s.newAction("apply_firewall", nil, fwRes, actionResource{ID: sid, Type: "server"}))
	}
	return 201, map[string]any{"actions": s.renderActions(acts)}, nil
}

func (s *Server) applyFirewall(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		ApplyTo []applyTo `json:"apply_to"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	fw, ok := s.firewalls[id]
	if !ok {
		return 0, nil, notFound("firewall")
	}
	acts, aerr := s.apply(fw, req.ApplyTo)
	if aerr != nil {
		return 0, nil, aerr
	}
	return 201, map[string]any{"actions": s.renderActions(acts)}, nil
}

func (s *Server) removeFirewall(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		RemoveFrom []applyTo `json:"remove_from"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	fw, ok := s.firewalls[id]
	if !ok {
		return 0, nil, notFound("firewall")
	}
	for _, a := range req.RemoveFrom {
		switch {
		case a.Type == "server" && a.Server != nil && slices.Contains(fw.Servers, a.Server.ID):
		case a.Type == "label_selector" && a.LabelSelector != nil && slices.Contains(fw.Selectors, a.LabelSelector.Selector):
		default:
			return 0, nil, errf(422, "firewall_already_removed", "firewall is not applied to that resource")
		}
	}
	var acts []*actionState
	fwRes := actionResource{ID: fw.ID, Type: "firewall"}
	for _, a := range req.RemoveFrom {
		if a.Type == "server" {
			sid := a.Server.ID
			fw.Servers = slices.DeleteFunc(fw.Servers, func(x int64) bool { return x == sid })
			acts = append(acts, s.newAction("remove_firewall", nil, fwRes, actionResource{ID: sid, Type: "server"}))
		} else {
			ls := a.LabelSelector.Selector
			fw.Selectors = slices.DeleteFunc(fw.Selectors, func(x string) bool { return x == ls })
			acts = append(acts, s.newAction("remove_firewall", nil, fwRes))
		}
	}
	return 201, map[string]any{"actions": s.renderActions(acts)}, nil
}
