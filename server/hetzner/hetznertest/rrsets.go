package hetznertest

import (
	"maps"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// rrsetTypes are the RRset types the API knows.
var rrsetTypes = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HINFO", "HTTPS", "MX", "NS", "PTR", "RP", "SOA", "SRV", "SVCB", "TLSA", "TXT"}

// rrNameRE is a relative, lowercase record name: "@", or labels of letters,
// digits, hyphens and underscores, optionally led by "*".
var rrNameRE = regexp.MustCompile(`^(@|(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*|\*)$`)

// rrsetRequest is an RRset as create requests send it.
type rrsetRequest struct {
	Name    string            `json:"name"`
	Type    string            `json:"type"`
	TTL     *int              `json:"ttl"`
	Labels  map[string]string `json:"labels"`
	Records []RRRecord        `json:"records"`
}

func (rr rrsetRequest) check(needRecords bool) *apiError {
	if !rrNameRE.MatchString(rr.Name) || len(rr.Name) > 253 {
		return invalidInput("name", "must be a relative lowercase record name, or @ for the zone apex")
	}
	if !slices.Contains(rrsetTypes, rr.Type) {
		return invalidInput("type", "is not a supported type")
	}
	if rr.Type == "SOA" {
		return invalidInput("type", "SOA RRSets are managed by Hetzner")
	}
	if aerr := checkTTL(rr.TTL); aerr != nil {
		return aerr
	}
	if aerr := checkLabels(rr.Labels); aerr != nil {
		return aerr
	}
	if needRecords && len(rr.Records) == 0 {
		return invalidInput("records", "at least one record is required")
	}
	return checkRecords(rr.Type, rr.Records)
}

func checkTTL(ttl *int) *apiError {
	if ttl != nil && (*ttl < 60 || *ttl > 2147483647) {
		return invalidInput("ttl", "must be between 60 and 2147483647")
	}
	return nil
}

// checkRecords validates record values for their type and rejects repeats.
func checkRecords(typ string, recs []RRRecord) *apiError {
	if len(recs) > 50 {
		return invalidInput("records", "at most 50 records are allowed")
	}
	seen := map[string]bool{}
	for _, r := range recs {
		v := strings.TrimSpace(r.Value)
		if v == "" {
			return invalidInput("records", "value must not be empty")
		}
		switch typ {
		case "A":
			a, err := netip.ParseAddr(v)
			if err != nil || !a.Is4() {
				return invalidInput("records", "value "+strconv.Quote(v)+" is not an IPv4 address")
			}
		case "AAAA":
			a, err := netip.ParseAddr(v)
			if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
				return invalidInput("records", "value "+strconv.Quote(v)+" is not an IPv6 address")
			}
		}
		if seen[v] {
			return invalidInput("records", "duplicate value "+strconv.Quote(v))
		}
		seen[v] = true
	}
	return nil
}

func (rr rrsetRequest) toRecord(zoneID int64, created time.Time) *RRSetRecord {
	rs := &RRSetRecord{Zone: zoneID, Name: rr.Name, Type: rr.Type, Labels: maps.Clone(rr.Labels), Records: slices.Clone(rr.Records), Created: created}
	if rr.TTL != nil {
		t := *rr.TTL
		rs.TTL = &t
	}
	if rs.Labels == nil {
		rs.Labels = map[string]string{}
	}
	if rs.Records == nil {
		rs.Records = []RRRecord{}
	}
	return rs
}

func renderRRSet(rs *RRSetRecord) map[string]any {
	recs := []map[string]any{}
	for _, r := range rs.Records {
		recs = append(recs, map[string]any{"value": r.Value, "comment": r.Comment})
	}
	var ttl any
	if rs.TTL != nil {
		ttl = *rs.TTL
	}
	return map[string]any{
		"id": rs.ID(), "name": rs.Name, "type": rs.Type, "ttl": ttl, "labels": rs.Labels,
		"protection": map[string]any{"change": rs.Protected}, "records": recs, "zone": rs.Zone,
	}
}

// primaryZone finds the request's zone and requires primary mode. Callers
// hold s.mu.
func (s *Server) primaryZone(r *http.Request) (*ZoneRecord, *apiError) {
	z, ok := s.zoneByIDOrName(r.PathValue("zone"))
	if !ok {
		return nil, notFound("zone")
	}
	if z.Mode != "primary" {
		return nil, errf(422, "incorrect_zone_mode", "this operation is not supported for zones in "+z.Mode+" mode")
	}
	return z, nil
}

// pathRRSet finds the request's zone and RRset. Callers hold s.mu.
func (s *Server) pathRRSet(r *http.Request) (*ZoneRecord, *RRSetRecord, *apiError) {
	z, aerr := s.primaryZone(r)
	if aerr != nil {
		return nil, nil, aerr
	}
	rs, ok := s.zs().rrsets[z.ID][rrKey(r.PathValue("name"), r.PathValue("type"))]
	if !ok {
		return z, nil, notFound("rrset")
	}
	return z, rs, nil
}

// cnameClash reports whether an RRset of typ at name would sit beside a
// CNAME (or be a CNAME beside other records), which DNS forbids.
func (s *Server) cnameClash(zoneID int64, name, typ string) bool {
	for _, o := range s.zs().rrsets[zoneID] {
		if o.Name == name && o.Type != typ && (o.Type == "CNAME" || typ == "CNAME") {
			return true
		}
	}
	return false
}

func (s *Server) listRRSets(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	q := r.URL.Query()
	if p := q.Get("per_page"); p != "" {
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			lq.perPage = min(n, 100) // 100 here, not 50
		}
	}
	for _, t := range q["type"] {
		if !slices.Contains(rrsetTypes, t) {
			return 0, nil, invalidInput("type", "is not a supported type")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, aerr := s.primaryZone(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	var items []*RRSetRecord
	for _, rs := range s.zs().rrsets[z.ID] {
		if (lq.hasName && rs.Name != lq.name) || (len(q["type"]) > 0 && !slices.Contains(q["type"], rs.Type)) || (lq.sel != nil && !lq.sel.matches(rs.Labels)) {
			continue
		}
		items = append(items, rs)
	}
	if aerr := sortRRSets(items, lq.sorts); aerr != nil {
		return 0, nil, aerr
	}
	page, meta := paginate(items, lq)
	out := []map[string]any{}
	for _, rs := range page {
		out = append(out, renderRRSet(rs))
	}
	return 200, map[string]any{"rrsets": out, "meta": meta}, nil
}

func (s *Server) getRRSet(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rs, aerr := s.pathRRSet(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	return 200, map[string]any{"rrset": renderRRSet(rs)}, nil
}

func (s *Server) createRRSet(r *http.Request) (int, any, *apiError) {
	var req rrsetRequest
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	if aerr := req.check(true); aerr != nil {
		return 0, nil, aerr
	}
	if req.Type == "NS" && req.Name == "@" {
		return 0, nil, invalidInput("name", "the apex NS RRSet is managed by Hetzner")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	z, aerr := s.primaryZone(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	d := s.zs()
	if _, ok := d.rrsets[z.ID][rrKey(req.Name, req.Type)]; ok {
		return 0, nil, &apiError{status: 409, code: "uniqueness_error", message: "RRSet with the same name and type already exists",
			details: map[string]any{"fields": []map[string]any{{"name": "name"}, {"name": "type"}}}}
	}
	if s.cnameClash(z.ID, req.Name, req.Type) {
		return 0, nil, invalidInput("type", "a CNAME RRSet cannot exist beside other RRSets of the same name")
	}
	rs := req.toRecord(z.ID, s.stamp())
	d.rrsets[z.ID][rs.ID()] = rs
	s.record(z.ID, rs.ID(), rs)
	a := s.newAction("create_rrset", nil, zoneResource(z))
	return 201, map[string]any{"rrset": renderRRSet(rs), "action": s.renderAction(a)}, nil
}

func (s *Server) updateRRSet(r *http.Request) (int, any, *apiError) {
	var req struct {
		Labels *map[string]string `json:"labels"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, rs, aerr := s.pathRRSet(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if req.Labels != nil {
		if aerr := checkLabels(*req.Labels); aerr != nil {
			return 0, nil, aerr
		}
		rs.Labels = maps.Clone(*req.Labels)
		if rs.Labels == nil {
			rs.Labels = map[string]string{}
		}
	}
	return 200, map[string]any{"rrset": renderRRSet(rs)}, nil
}

func (s *Server) deleteRRSet(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, rs, aerr := s.pathRRSet(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	if rs.Protected {
		return 0, nil, errf(423, "protected", "RRSet is change protected")
	}
	if rs.Type == "SOA" || (rs.Type == "NS" && rs.Name == "@") {
		return 0, nil, invalidInput("type", "this RRSet is managed by Hetzner")
	}
	delete(s.zs().rrsets[z.ID], rs.ID())
	s.record(z.ID, rs.ID(), nil)
	a := s.newAction("delete_rrset", nil, zoneResource(z))
	return 201, map[string]any{"action": s.renderAction(a)}, nil
}

// rrsetAction answers POST …/rrsets/{name}/{type}/actions/{cmd}:
// set_records, add_records, remove_records, update_records, change_ttl and
// change_protection.
func (s *Server) rrsetAction(r *http.Request) (int, any, *apiError) {
	var req struct {
		Records []RRRecord `json:"records"`
		TTL     *int       `json:"ttl"`
		Change  *bool      `json:"change"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	cmd := r.PathValue("cmd")
	name, typ := r.PathValue("name"), r.PathValue("type")
	s.mu.Lock()
	defer s.mu.Unlock()
	z, aerr := s.primaryZone(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	d := s.zs()
	rs, exists := d.rrsets[z.ID][rrKey(name, typ)]
	if !exists && cmd != "add_records" {
		return 0, nil, notFound("rrset")
	}
	if exists && rs.Protected && cmd != "change_protection" {
		return 0, nil, errf(423, "protected", "RRSet is change protected")
	}
	status := 201
	switch cmd {
	case "set_records":
		if len(req.Records) == 0 {
			return 0, nil, invalidInput("records", "at least one record is required")
		}
		if aerr := checkRecords(typ, req.Records); aerr != nil {
			return 0, nil, aerr
		}
		rs.Records = slices.Clone(req.Records)
	case "add_records":
		if len(req.Records) == 0 {
			return 0, nil, invalidInput("records", "at least one record is required")
		}
		if aerr := checkTTL(req.TTL); aerr != nil {
			return 0, nil, aerr
		}
		if !exists {
			nr := rrsetRequest{Name: name, Type: typ, TTL: req.TTL, Records: req.Records}
			if aerr := nr.check(true); aerr != nil {
				return 0, nil, aerr
			}
			if s.cnameClash(z.ID, name, typ) {
				return 0, nil, invalidInput("type", "a CNAME RRSet cannot exist beside other RRSets of the same name")
			}
			rs = nr.toRecord(z.ID, s.stamp())
			d.rrsets[z.ID][rs.ID()] = rs
			break
		}
		all := append(slices.Clone(rs.Records), req.Records...)
		if aerr := checkRecords(typ, all); aerr != nil {
			return 0, nil, aerr
		}
		rs.Records = all
		if req.TTL != nil {
			t := *req.TTL
			rs.TTL = &t
		}
	case "remove_records":
		if len(req.Records) == 0 {
			return 0, nil, invalidInput("records", "at least one record is required")
		}
		// Values that aren't there are ignored, so a repeated remove is
		// harmless.
		rs.Records = slices.DeleteFunc(rs.Records, func(x RRRecord) bool {
			return slices.ContainsFunc(req.Records, func(y RRRecord) bool { return y.Value == x.Value })
		})
	case "update_records":
		for _, u := range req.Records {
			i := slices.IndexFunc(rs.Records, func(x RRRecord) bool { return x.Value == u.Value })
			if i < 0 {
				return 0, nil, invalidInput("records", "no record with value "+strconv.Quote(u.Value))
			}
			rs.Records[i].Comment = u.Comment
		}
		status = 200
	case "change_ttl":
		if aerr := checkTTL(req.TTL); aerr != nil {
			return 0, nil, aerr
		}
		rs.TTL = nil
		if req.TTL != nil {
			t := *req.TTL
			rs.TTL = &t
		}
	case "change_protection":
		if req.Change != nil {
			rs.Protected = *req.Change
		}
	default:
		return 0, nil, errf(404, "not_found", "no such action: "+cmd)
	}
	command := map[string]string{
		"set_records": "set_rrset_records", "add_records": "add_rrset_records", "remove_records": "remove_rrset_records",
		"update_records": "update_rrset_records", "change_ttl": "change_rrset_ttl", "change_protection": "change_rrset_protection",
	}[cmd]
	if len(rs.Records) == 0 {
		delete(d.rrsets[z.ID], rs.ID())
		s.record(z.ID, rs.ID(), nil)
	} else {
		s.record(z.ID, rs.ID(), rs)
	}
	a := s.newAction(command, nil, zoneResource(z))
	return status, map[string]any{"action": s.renderAction(a)}, nil
}
