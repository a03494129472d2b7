package cloudflaretest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// recordBody is a create/update body; pointers tell absent from zero.
type recordBody struct {
	Name    *string `json:"name"`
	Type    *string `json:"type"`
	Content *string `json:"content"`
	TTL     *int    `json:"ttl"`
	Proxied *bool   `json:"proxied"`
	Comment *string `json:"comment"`
}

var supportedTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true, "CAA": true}

func proxiable(typ string) bool { return typ == "A" || typ == "AAAA" || typ == "CNAME" }

func recordJSON(r Record) map[string]any {
	m := map[string]any{
		"id":          r.ID,
		"name":        r.Name,
		"type":        r.Type,
		"content":     r.Content,
		"proxiable":   proxiable(r.Type),
		"proxied":     r.Proxied,
		"ttl":         r.TTL,
		"settings":    map[string]any{},
		"meta":        map[string]any{},
		"comment":     r.Comment,
		"tags":        []string{},
		"data":        map[string]any{},
		"created_on":  r.CreatedOn.Format(time.RFC3339Nano),
		"modified_on": r.ModifiedOn.Format(time.RFC3339Nano),
	}
	if r.Comment != "" {
		m["comment_modified_on"] = r.ModifiedOn.Format(time.RFC3339Nano)
	}
	return m
}

func (s *Server) listRecords(w http.ResponseWriter, r *http.Request, tok tokenInfo, zoneID string) {
	z, ok := s.zoneFor(w, tok, zoneID)
	if !ok {
		return
	}
	q := r.URL.Query()
	var tests []func(Record) bool
	str := func(field func(Record) string, key string) {
		for _, op := range []string{"", ".exact", ".contains", ".startswith", ".endswith"} {
			v, present := q[key+op]
			if !present {
				continue
			}
			want := strings.ToLower(v[0])
			if key == "name" {
				want = canonical(want)
			}
			tests = append(tests, func(rec Record) bool {
				got := strings.ToLower(field(rec))
				switch op {
				case "", ".exact":
					return got == want
				case ".contains":
					return strings.Contains(got, want)
				case ".startswith":
					return strings.HasPrefix(got, want)
				default:
					return strings.HasSuffix(got, want)
				}
			})
		}
	}
	str(func(r Record) string { return r.Name }, "name")
	str(func(r Record) string { return r.Content }, "content")
	str(func(r Record) string { return r.Comment }, "comment")
	if _, ok := q["comment.present"]; ok {
		tests = append(tests, func(r Record) bool { return r.Comment != "" })
	}
	if _, ok := q["comment.absent"]; ok {
		tests = append(tests, func(r Record) bool { return r.Comment == "" })
	}
	if v := q.Get("type"); v != "" {
		tests = append(tests, func(r Record) bool { return strings.EqualFold(r.Type, v) })
	}
	if v := q.Get("proxied"); v != "" {
		want := v == "true"
		tests = append(tests, func(r Record) bool { return r.Proxied == want })
	}
	matchAny := q.Get("match") == "any"

	s.mu.Lock()
	var all []Record
	for _, id := range s.recSeq {
		rec := *s.records[id]
		if rec.ZoneID != z.ID {
			continue
		}
		keep := !matchAny || len(tests) == 0
		for _, t := range tests {
			if matchAny && t(rec) {
				keep = true
				break
			}
			if !matchAny && !t(rec) {
				keep = false
				break
			}
		}
		if keep {
			all = append(all, rec)
		}
	}
	s.mu.Unlock()

	if order := q.Get("order"); order != "" {
		key := func(r Record) string {
			switch order {
			case "type":
				return r.Type
			case "name":
				return r.Name
			case "content":
				return r.Content
			case "ttl":
				return strconv.Itoa(100000 + r.TTL)
			case "proxied":
				return strconv.FormatBool(r.Proxied)
			}
			return ""
		}
		desc := q.Get("direction") == "desc"
		sort.SliceStable(all, func(i, j int) bool {
			if desc {
				return key(all[i]) > key(all[j])
			}
			return key(all[i]) < key(all[j])
		})
	}
	page, per := paging(r, 100, 5000)
	lo, hi, info := pageOf(len(all), page, per)
	out := make([]map[string]any, 0, hi-lo)
	for _, rec := range all[lo:hi] {
		out = append(out, recordJSON(rec))
	}
	writeResult(w, http.StatusOK, out, info)
}

func (s *Server) getRecord(w http.ResponseWriter, _ *http.Request, tok tokenInfo, zoneID, id string) {
	z, ok := s.zoneFor(w, tok, zoneID)
	if !ok {
		return
	}
	s.mu.Lock()
	rec := s.records[id]
	var cp Record
	if rec != nil {
		cp = *rec
	}
	s.mu.Unlock()
	if rec == nil || cp.ZoneID != z.ID {
		writeError(w, http.StatusNotFound, CodeRecordNotFound, "Record does not exist.")
		return
	}
	writeResult(w, http.StatusOK, recordJSON(cp), nil)
}

func readBody(w http.ResponseWriter, r *http.Request) (recordBody, bool) {
	var b recordBody
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(data, &b)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, 9207, "Request body is invalid.")
		return b, false
	}
	return b, true
}

// check validates a complete record; it returns status, code and message of
// the error, or 0.
func check(rec *Record, zoneName string) (int, int, string) {
	rec.Type = strings.ToUpper(rec.Type)
	if !supportedTypes[rec.Type] {
		return http.StatusBadRequest, CodeInvalidType, "Invalid or missing type."
	}
	if !validName(rec.Name) {
		return http.StatusBadRequest, CodeInvalidName, "DNS name is invalid."
	}
	switch rec.Type {
	case "A":
		if a, err := netip.ParseAddr(rec.Content); err != nil || !a.Is4() {
			return http.StatusBadRequest, CodeInvalidContent, "Content for A record must be a valid IPv4 address."
		}
	case "AAAA":
		if a, err := netip.ParseAddr(rec.Content); err != nil || !a.Is6() || a.Is4In6() {
			return http.StatusBadRequest, CodeInvalidContent, "Content for AAAA record must be a valid IPv6 address."
		}
	case "CNAME", "NS":
		if !validName(canonical(rec.Content)) {
			return http.StatusBadRequest, CodeInvalidContent, "Content for " + rec.Type + " record is invalid."
		}
		rec.Content = canonical(rec.Content)
	default:
		if rec.Content == "" {
			return http.StatusBadRequest, CodeInvalidContent, "Content is required."
		}
	}
	if rec.Proxied && !proxiable(rec.Type) {
		return http.StatusBadRequest, CodeProxyNotAllowed, "Record type " + rec.Type + " cannot be proxied."
	}
	if rec.Proxied {
		rec.TTL = 1
	}
	if rec.TTL != 1 && (rec.TTL < 60 || rec.TTL > 86400) {
		return http.StatusBadRequest, CodeInvalidTTL, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for automatic."
	}
	if len(rec.Comment) > 100 {
		return http.StatusBadRequest, 9102, "Comment is too long: at most 100 characters on this plan."
	}
	_ = zoneName
	return 0, 0, ""
}

func validName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for i, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		if l == "*" && i == 0 {
			continue
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// clashLocked applies Cloudflare's rules for records that can't coexist;
// skip is the ID of the record being updated.
func (s *Server) clashLocked(rec Record, skip string) (int, string) {
	for _, id := range s.recSeq {
		o := s.records[id]
		if id == skip || o.ZoneID != rec.ZoneID || o.Name != rec.Name {
			continue
		}
		switch {
		case rec.Type == "CNAME" && (o.Type == "A" || o.Type == "AAAA" || o.Type == "CNAME"):
			return CodeCNAMEClash, "An A, AAAA, or CNAME record with that host already exists."
		case (rec.Type == "A" || rec.Type == "AAAA") && o.Type == "CNAME":
			return CodeHostHasCNAME, "A CNAME record with that host already exists."
		case s.identity && o.Type == rec.Type && strings.EqualFold(o.Content, rec.Content):
			return CodeIdenticalRecord, "An identical record already exists."
		}
	}
	return 0, ""
}

func (s *Server) createRecord(w http.ResponseWriter, r *http.Request, tok tokenInfo, zoneID string) {
	z, ok := s.zoneFor(w, tok, zoneID)
	if !ok {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	rec := Record{ZoneID: z.ID, TTL: 1}
	if b.Type != nil {
		rec.Type = *b.Type
	}
	if b.Name == nil {
		writeError(w, http.StatusBadRequest, CodeInvalidName, "DNS name is invalid.")
		return
	}
	rec.Name = expandName(*b.Name, z.Name)
	if b.Content != nil {
		rec.Content = *b.Content
	}
	if b.TTL != nil {
		rec.TTL = *b.TTL
	}
	if b.Proxied != nil {
		rec.Proxied = *b.Proxied
	}
	if b.Comment != nil {
		rec.Comment = *b.Comment
	}
	if st, code, msg := check(&rec, z.Name); st != 0 {
		writeError(w, st, code, msg)
		return
	}
	s.mu.Lock()
	if code, msg := s.clashLocked(rec, ""); code != 0 {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, code, msg)
		return
	}
	rec.ID = randomHex(16)
	rec.CreatedOn = s.now()
	rec.ModifiedOn = rec.CreatedOn
	stored := rec
	s.records[rec.ID] = &stored
	s.recSeq = append(s.recSeq, rec.ID)
	s.publishLocked(rec.ID, &rec)
	s.mu.Unlock()
	writeResult(w, http.StatusOK, recordJSON(rec), nil)
}

func (s *Server) updateRecord(w http.ResponseWriter, r *http.Request, tok tokenInfo, zoneID, id string, put bool) {
	z, ok := s.zoneFor(w, tok, zoneID)
	if !ok {
		return
	}
	b, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.records[id]
	if cur == nil || cur.ZoneID != z.ID {
		writeError(w, http.StatusNotFound, CodeRecordNotFound, "Record does not exist.")
		return
	}
	rec := *cur
	if put {
		// PUT replaces the record: what the body leaves out takes its default.
		rec.Type, rec.Content, rec.TTL, rec.Proxied, rec.Comment = "", "", 1, false, ""
		if b.Name == nil || b.Type == nil {
			writeError(w, http.StatusBadRequest, CodeInvalidName, "DNS name is invalid.")
			return
		}
	}
	if b.Name != nil {
		rec.Name = expandName(*b.Name, z.Name)
	}
	if b.Type != nil {
		rec.Type = *b.Type
	}
	if b.Content != nil {
		rec.Content = *b.Content
	}
	if b.TTL != nil {
		rec.TTL = *b.TTL
	}
	if b.Proxied != nil {
		rec.Proxied = *b.Proxied
	}
	if b.Comment != nil {
		rec.Comment = *b.Comment
	}
	if st, code, msg := check(&rec, z.Name); st != 0 {
		writeError(w, st, code, msg)
		return
	}
	if code, msg := s.clashLocked(rec, id); code != 0 {
		writeError(w, http.StatusBadRequest, code, msg)
		return
	}
	rec.ModifiedOn = s.now()
	*cur = rec
	cp := rec
	s.publishLocked(id, &cp)
	writeResult(w, http.StatusOK, recordJSON(rec), nil)
}

func (s *Server) deleteRecord(w http.ResponseWriter, _ *http.Request, tok tokenInfo, zoneID, id string) {
	z, ok := s.zoneFor(w, tok, zoneID)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.records[id]
	if cur == nil || cur.ZoneID != z.ID {
		writeError(w, http.StatusNotFound, CodeRecordNotFound, "Record does not exist.")
		return
	}
	delete(s.records, id)
	for i, rid := range s.recSeq {
		if rid == id {
			s.recSeq = append(s.recSeq[:i:i], s.recSeq[i+1:]...)
			break
		}
	}
	s.publishLocked(id, nil)
	writeResult(w, http.StatusOK, map[string]any{"id": id}, nil)
}

// publishLocked schedules what DNS serves for a record: rec (nil when
// deleted) becomes visible after the propagation delay.
func (s *Server) publishLocked(id string, rec *Record) {
	var cp *Record
	if rec != nil {
		c := *rec
		cp = &c
	}
	s.dnsHist[id] = append(s.dnsHist[id], version{at: time.Now().Add(s.propag), rec: cp})
}
