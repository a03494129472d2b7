package cloudflaretest

import (
	"net/http"
	"strings"
	"time"
)

func (s *Server) listZones(w http.ResponseWriter, r *http.Request, tok tokenInfo) {
	q := r.URL.Query()
	name, status := q.Get("name"), q.Get("status")
	s.mu.Lock()
	var all []Zone
	for _, id := range s.zoneSeq {
		z := s.zones[id]
		if !tok.allows(z.Name) || (status != "" && z.Status != status) || !matchZoneName(z.Name, name) {
			continue
		}
		all = append(all, cloneZone(z))
	}
	s.mu.Unlock()
	page, per := paging(r, 20, 50)
	lo, hi, info := pageOf(len(all), page, per)
	out := make([]map[string]any, 0, hi-lo)
	for _, z := range all[lo:hi] {
		out = append(out, zoneJSON(z))
	}
	writeResult(w, http.StatusOK, out, info)
}

// matchZoneName applies the name filter with its optional operator prefix
// ("contains:", "ends_with:", …); without one it is equality.
func matchZoneName(zoneName, filter string) bool {
	if filter == "" {
		return true
	}
	op, val, ok := strings.Cut(filter, ":")
	if !ok {
		return zoneName == canonical(filter)
	}
	val = canonical(val)
	switch op {
	case "equal":
		return zoneName == val
	case "not_equal":
		return zoneName != val
	case "starts_with", "starts_with_case_sensitive":
		return strings.HasPrefix(zoneName, val)
	case "ends_with", "ends_with_case_sensitive":
		return strings.HasSuffix(zoneName, val)
	case "contains", "contains_case_sensitive":
		return strings.Contains(zoneName, val)
	}
	return zoneName == canonical(filter)
}

func (s *Server) getZone(w http.ResponseWriter, _ *http.Request, tok tokenInfo, id string) {
	z, ok := s.zoneFor(w, tok, id)
	if !ok {
		return
	}
	writeResult(w, http.StatusOK, zoneJSON(z), nil)
}

func zoneJSON(z Zone) map[string]any {
	var activated any
	if z.Status == "active" {
		activated = z.CreatedOn.Format(time.RFC3339Nano)
	}
	return map[string]any{
		"id":                    z.ID,
		"name":                  z.Name,
		"status":                z.Status,
		"paused":                false,
		"type":                  "full",
		"development_mode":      0,
		"name_servers":          z.NameServers,
		"original_name_servers": nil,
		"original_registrar":    nil,
		"original_dnshost":      nil,
		"created_on":            z.CreatedOn.Format(time.RFC3339Nano),
		"modified_on":           z.CreatedOn.Format(time.RFC3339Nano),
		"activated_on":          activated,
		"owner":                 map[string]any{"id": "4a56d3ba2ea4ef51b4a1cd2bd3b0b0b1", "type": "user", "name": "sandbox"},
		"account":               map[string]any{"id": "0c4f2ab18e6d4a3fbd3f6e2a1c9b7d5e", "name": "sandbox account"},
		"meta": map[string]any{
			"step": 2, "custom_certificate_quota": 0, "page_rule_quota": 3,
			"phishing_detected": false,
		},
		"plan": map[string]any{
			"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0,
			"currency": "USD", "frequency": "", "is_subscribed": false, "can_subscribe": false,
			"legacy_id": "free", "legacy_discount": false, "externally_managed": false,
		},
		"permissions": []string{"#dns_records:edit", "#dns_records:read", "#zone:read"},
	}
}
