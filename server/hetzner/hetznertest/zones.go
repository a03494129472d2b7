package hetznertest

import (
	"cmp"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/assemblekit/assemble/internal/dnsserver"
)

// zoneNameRE is a lowercase domain name with at least two labels.
var zoneNameRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)

func (s *Server) renderZone(z *ZoneRecord) map[string]any {
	an := map[string]any{
		"assigned": slices.Clone(z.Nameservers), "delegated": []string{},
		"delegation_last_check": nil, "delegation_status": "unknown",
	}
	out := map[string]any{
		"id": z.ID, "name": z.Name, "created": z.Created, "mode": z.Mode, "ttl": z.TTL,
		"labels": z.Labels, "protection": map[string]any{"delete": z.Protected}, "status": z.Status,
		"record_count": s.recordCount(z.ID), "authoritative_nameservers": an, "registrar": "unknown",
	}
	if z.Mode == "secondary" {
		out["primary_nameservers"] = []any{}
	}
	return out
}

func zoneResource(z *ZoneRecord) actionResource { return actionResource{ID: z.ID, Type: "zone"} }

func (s *Server) listZones(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "primary" && mode != "secondary" {
		return 0, nil, invalidInput("mode", "must be primary or secondary")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.zs()
	var items []*ZoneRecord
	for _, id := range sortedIDs(d.zones) {
		z := d.zones[id]
		if (lq.hasName && z.Name != dnsserver.Canonical(lq.name)) || (mode != "" && z.Mode != mode) || (lq.sel != nil && !lq.sel.matches(z.Labels)) {
			continue
		}
		items = append(items, z)
	}
	return listResponse("zones", items, lq, func(z *ZoneRecord) sortKey {
		return sortKey{id: z.ID, name: z.Name, created: z.Created}
	}, s.renderZone)
}

func (s *Server) getZone(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zoneByIDOrName(r.PathValue("zone"))
	if !ok {
		return 0, nil, notFound("zone")
	}
	return 200, map[string]any{"zone": s.renderZone(z)}, nil
}

func (s *Server) createZone(r *http.Request) (int, any, *apiError) {
	var req struct {
		Name   string            `json:"name"`
		Mode   string            `json:"mode"`
		TTL    *int              `json:"ttl"`
		Labels map[string]string `json:"labels"`
		RRSets []rrsetRequest    `json:"rrsets"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	name := dnsserver.Canonical(req.Name)
	if !zoneNameRE.MatchString(name) || len(name) > 255 {
		return 0, nil, invalidInput("name", "must be a valid domain name")
	}
	if req.Mode != "primary" && req.Mode != "secondary" {
		return 0, nil, invalidInput("mode", "must be primary or secondary")
	}
	if req.TTL != nil && (*req.TTL < 60 || *req.TTL > 2147483647) {
		return 0, nil, invalidInput("ttl", "must be between 60 and 2147483647")
	}
	if aerr := checkLabels(req.Labels); aerr != nil {
		return 0, nil, aerr
	}
	if req.Mode == "secondary" && len(req.RRSets) > 0 {
		return 0, nil, invalidInput("rrsets", "not allowed for zones in secondary mode")
	}
	for i, rr := range req.RRSets {
		if aerr := rr.check(true); aerr != nil {
			return 0, nil, aerr
		}
		for _, o := range req.RRSets[:i] {
			if o.Name == rr.Name && o.Type == rr.Type {
				return 0, nil, invalidInput("rrsets", "duplicate RRSet "+rr.Name+"/"+rr.Type)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.zoneByIDOrName(name); ok {
		return 0, nil, &apiError{status: 409, code: "uniqueness_error", message: "zone with the same name already exists",
			details: map[string]any{"fields": []map[string]any{{"name": "name"}}}}
	}
	z := ZoneRecord{Name: name, Mode: req.Mode, Labels: maps.Clone(req.Labels)}
	if req.TTL != nil {
		z.TTL = *req.TTL
	}
	s.zoneDefaults(&z)
	stored := s.putZone(z, false)
	for _, rr := range req.RRSets {
		rs := rr.toRecord(stored.ID, s.stamp())
		s.zs().rrsets[stored.ID][rs.ID()] = rs
		s.record(stored.ID, rs.ID(), rs)
	}
	a := s.newAction("create_zone", nil, zoneResource(stored))
	return 201, map[string]any{"zone": s.renderZone(stored), "action": s.renderAction(a)}, nil
}

func (s *Server) updateZone(r *http.Request) (int, any, *apiError) {
	var req struct {
		Labels *map[string]string `json:"labels"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zoneByIDOrName(r.PathValue("zone"))
	if !ok {
		return 0, nil, notFound("zone")
	}
	if req.Labels != nil {
		if aerr := checkLabels(*req.Labels); aerr != nil {
			return 0, nil, aerr
		}
		z.Labels = maps.Clone(*req.Labels)
		if z.Labels == nil {
			z.Labels = map[string]string{}
		}
	}
	return 200, map[string]any{"zone": s.renderZone(z)}, nil
}

func (s *Server) deleteZone(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zoneByIDOrName(r.PathValue("zone"))
	if !ok {
		return 0, nil, notFound("zone")
	}
	if z.Protected {
		return 0, nil, errf(423, "protected", "zone is delete protected")
	}
	d := s.zs()
	delete(d.zones, z.ID)
	delete(d.rrsets, z.ID)
	delete(d.hist, z.ID)
	a := s.newAction("delete_zone", nil, zoneResource(z))
	return 201, map[string]any{"action": s.renderAction(a)}, nil
}

// sortRRSets sorts by the query's sort fields (id, name, created); by ID
// when none is given.
func sortRRSets(items []*RRSetRecord, sorts []string) *apiError {
	if len(sorts) == 0 {
		sorts = []string{"id"}
	}
	type crit struct {
		field string
		desc  bool
	}
	var cs []crit
	for _, srt := range sorts {
		f, dir, _ := strings.Cut(srt, ":")
		if (f != "id" && f != "name" && f != "created") || (dir != "" && dir != "asc" && dir != "desc") {
			return invalidInput("sort", "cannot sort by "+srt)
		}
		cs = append(cs, crit{f, dir == "desc"})
	}
	slices.SortStableFunc(items, func(a, b *RRSetRecord) int {
		for _, c := range cs {
			var r int
			switch c.field {
			case "id":
				r = cmp.Compare(a.ID(), b.ID())
			case "name":
				r = cmp.Compare(a.Name, b.Name)
			case "created":
				r = a.Created.Compare(b.Created)
			}
			if c.desc {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	})
	return nil
}
