package hetznertest

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Handler returns the simulator as an http.Handler, with the Knobs in front.
// Mount it so that requests arrive with paths starting /v1/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, f func(*http.Request) (int, any, *apiError)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			status, body, err := f(r)
			if err != nil {
				writeError(w, err)
				return
			}
			if status == http.StatusNoContent {
				w.WriteHeader(status)
				return
			}
			writeJSON(w, status, body)
		})
	}
	h("GET /v1/servers", s.listServers)
	h("POST /v1/servers", s.createServer)
	h("GET /v1/servers/{id}", s.getServer)
	h("PUT /v1/servers/{id}", s.updateServer)
	h("DELETE /v1/servers/{id}", s.deleteServer)
	h("POST /v1/servers/{id}/actions/{cmd}", s.serverAction)
	h("GET /v1/servers/{id}/actions/{aid}", s.getResourceAction("server"))

	h("GET /v1/firewalls", s.listFirewalls)
	h("POST /v1/firewalls", s.createFirewall)
	h("GET /v1/firewalls/{id}", s.getFirewall)
	h("PUT /v1/firewalls/{id}", s.updateFirewall)
	h("DELETE /v1/firewalls/{id}", s.deleteFirewall)
	h("POST /v1/firewalls/{id}/actions/set_rules", s.setFirewallRules)
	h("POST /v1/firewalls/{id}/actions/apply_to_resources", s.applyFirewall)
	h("POST /v1/firewalls/{id}/actions/remove_from_resources", s.removeFirewall)
	h("GET /v1/firewalls/{id}/actions/{aid}", s.getResourceAction("firewall"))

	h("GET /v1/ssh_keys", s.listSSHKeys)
	h("POST /v1/ssh_keys", s.createSSHKey)
	h("GET /v1/ssh_keys/{id}", s.getSSHKey)
	h("PUT /v1/ssh_keys/{id}", s.updateSSHKey)
	h("DELETE /v1/ssh_keys/{id}", s.deleteSSHKey)

	h("GET /v1/actions", s.listActions)
	h("GET /v1/actions/{aid}", s.getAction)
	h("GET /v1/servers/actions/{aid}", s.getAction)
	h("GET /v1/firewalls/actions/{aid}", s.getAction)

	s.zoneRoutes(h)

	h("GET /v1/server_types", s.listServerTypes)
	h("GET /v1/server_types/{id}", s.getServerType)
	h("GET /v1/locations", s.listLocations)
	h("GET /v1/locations/{id}", s.getLocation)
	h("GET /v1/images", s.listImages)
	h("GET /v1/images/{id}", s.getImage)
	h("GET /v1/pricing", s.getPricing)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errf(404, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return s.knobs.Wrap(s.gate(mux))
}

// gate checks the token and the rate-limit budget, and sets the RateLimit-*
// headers, before any handler runs.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		authed := ok && s.tokens[tok]
		var limited bool
		if authed {
			limited = s.spend(w.Header())
		}
		s.mu.Unlock()
		if !authed {
			writeError(w, errf(401, "unauthorized", "unable to authenticate"))
			return
		}
		if limited {
			writeError(w, errf(429, "rate_limit_exceeded", "limit of "+strconv.Itoa(s.cfg.rateLimit)+" requests per hour reached"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// spend takes one request from the budget, refilling it first, sets the
// RateLimit-* headers, and reports whether the budget was empty. Like
// Hetzner, it sends no Retry-After. Callers hold s.mu.
func (s *Server) spend(h http.Header) bool {
	now := s.cfg.now()
	limit := float64(s.cfg.rateLimit)
	if s.cfg.refill > 0 {
		s.budget = min(limit, s.budget+float64(now.Sub(s.budgetAt))/float64(s.cfg.refill))
	}
	s.budgetAt = now
	limited := s.budget < 1
	if !limited {
		s.budget--
	}
	remaining := int(math.Floor(s.budget))
	resetIn := time.Duration((limit - s.budget) * float64(s.cfg.refill))
	h.Set("RateLimit-Limit", strconv.Itoa(s.cfg.rateLimit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(now.Add(resetIn).Add(time.Second-1).Unix(), 10))
	return limited
}

func decode(r *http.Request, v any) *apiError {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errf(400, "json_error", "cannot read body")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errf(400, "json_error", "invalid JSON: "+err.Error())
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, *apiError) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id < 1 {
		return 0, invalidInput("id", "must be a positive integer")
	}
	return id, nil
}
