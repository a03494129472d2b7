package cloudflaretest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const apiPrefix = "/client/v4"

// serveAPI routes one request. The knobs have already run.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, CodeNoRoute, "No route for that URI")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")

	if st, code, msg, retry := s.rateLimit(r); st != 0 {
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retry))
		}
		writeError(w, st, code, msg)
		return
	}

	if len(parts) == 3 && parts[0] == "user" && parts[1] == "tokens" && parts[2] == "verify" && r.Method == http.MethodGet {
		s.verifyToken(w, r)
		return
	}
	tok, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if tok.ReadOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, http.StatusForbidden, CodeAuthError, "Authentication error")
		return
	}
	switch {
	case len(parts) == 1 && parts[0] == "zones" && r.Method == http.MethodGet:
		s.listZones(w, r, tok)
	case len(parts) == 2 && parts[0] == "zones" && r.Method == http.MethodGet:
		s.getZone(w, r, tok, parts[1])
	case len(parts) == 3 && parts[0] == "zones" && parts[2] == "dns_records":
		switch r.Method {
		case http.MethodGet:
			s.listRecords(w, r, tok, parts[1])
		case http.MethodPost:
			s.createRecord(w, r, tok, parts[1])
		default:
			noRoute(w, r)
		}
	case len(parts) == 4 && parts[0] == "zones" && parts[2] == "dns_records":
		switch r.Method {
		case http.MethodGet:
			s.getRecord(w, r, tok, parts[1], parts[3])
		case http.MethodPatch:
			s.updateRecord(w, r, tok, parts[1], parts[3], false)
		case http.MethodPut:
			s.updateRecord(w, r, tok, parts[1], parts[3], true)
		case http.MethodDelete:
			s.deleteRecord(w, r, tok, parts[1], parts[3])
		default:
			noRoute(w, r)
		}
	default:
		noRoute(w, r)
	}
}

func noRoute(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusBadRequest, CodeNoRoute, "No route for that URI: "+r.Method+" "+r.URL.Path)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	tok = strings.TrimSpace(tok)
	return tok, ok && tok != ""
}

// authenticate checks the bearer token; it writes the error and returns false
// when the request may not go on.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (tokenInfo, bool) {
	tok, ok := bearer(r)
	if !ok {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "Invalid request headers")
		return tokenInfo{}, false
	}
	s.mu.Lock()
	ti := s.tokens[tok]
	var cp tokenInfo
	if ti != nil {
		cp = *ti
		cp.Zones = slices.Clone(ti.Zones)
	}
	s.mu.Unlock()
	if ti == nil || cp.Status != "active" {
		writeError(w, http.StatusForbidden, CodeBadToken, "Invalid access token")
		return tokenInfo{}, false
	}
	return cp, true
}

func (s *Server) verifyToken(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer(r)
	if !ok {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "Invalid request headers")
		return
	}
	s.mu.Lock()
	ti := s.tokens[tok]
	var cp tokenInfo
	if ti != nil {
		cp = *ti
	}
	s.mu.Unlock()
	if ti == nil {
		writeError(w, http.StatusUnauthorized, CodeInvalidToken, "Invalid API Token")
		return
	}
	writeResult(w, http.StatusOK, map[string]any{"id": cp.ID, "status": cp.Status}, nil)
}

// rateLimit counts the request against its token. Over the limit, the token
// is blocked for a whole window, as Cloudflare does.
func (s *Server) rateLimit(r *http.Request) (status, code int, msg string, retryAfter int) {
	if s.cfg.limit <= 0 {
		return 0, 0, "", 0
	}
	key := r.Header.Get("Authorization")
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, ok := s.blocked[key]; ok {
		if now.Before(until) {
			return http.StatusTooManyRequests, CodeRateLimited, rateMsg(s.cfg.limit, s.cfg.window), secondsUntil(now, until)
		}
		delete(s.blocked, key)
	}
	hits := s.hits[key]
	cut := 0
	for cut < len(hits) && now.Sub(hits[cut]) >= s.cfg.window {
		cut++
	}
	hits = hits[cut:]
	if len(hits) >= s.cfg.limit {
		until := now.Add(s.cfg.window)
		s.blocked[key] = until
		s.hits[key] = nil
		return http.StatusTooManyRequests, CodeRateLimited, rateMsg(s.cfg.limit, s.cfg.window), secondsUntil(now, until)
	}
	s.hits[key] = append(hits, now)
	return 0, 0, "", 0
}

func rateMsg(n int, window time.Duration) string {
	return "More than " + strconv.Itoa(n) + " requests per " + strconv.Itoa(int(window/time.Second)) + " seconds reached. Please wait and consider throttling your request speed"
}

func secondsUntil(now, t time.Time) int {
	d := t.Sub(now)
	secs := int((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// zoneFor returns the zone a token may see, or writes the error.
func (s *Server) zoneFor(w http.ResponseWriter, tok tokenInfo, id string) (Zone, bool) {
	s.mu.Lock()
	z := s.zones[id]
	var cp Zone
	if z != nil {
		cp = cloneZone(z)
	}
	s.mu.Unlock()
	if z == nil {
		writeError(w, http.StatusBadRequest, CodeNoRoute, "Could not route to /zones/"+id+", perhaps your object identifier is invalid?")
		return Zone{}, false
	}
	if !tok.allows(cp.Name) {
		writeError(w, http.StatusForbidden, CodeBadToken, "Invalid access token")
		return Zone{}, false
	}
	return cp, true
}

func (t tokenInfo) allows(zoneName string) bool {
	if len(t.Zones) == 0 {
		return true
	}
	for _, z := range t.Zones {
		if canonical(z) == zoneName {
			return true
		}
	}
	return false
}

// paging reads page and per_page with Cloudflare's defaults.
func paging(r *http.Request, defPer, maxPer int) (page, per int) {
	page, per = 1, defPer
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		per = min(v, maxPer)
	}
	return page, per
}

// pageOf cuts one page out of n items; past the end the page is empty.
func pageOf(n, page, per int) (lo, hi int, info *resultInfo) {
	lo = min((page-1)*per, n)
	hi = min(lo+per, n)
	pages := (n + per - 1) / per
	return lo, hi, &resultInfo{Page: page, PerPage: per, Count: hi - lo, TotalCount: n, TotalPages: pages}
}
