package registrytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// grant is what one bearer token may do.
type grant struct {
	user   string
	access map[string]map[string]bool // repository → actions
}

func (g *grant) allows(repo, action string) bool { return g.access[repo][action] }

type detail struct {
	Type   string
	Class  string
	Name   string
	Action string
}

func details(res resource) []detail {
	var ds []detail
	for _, a := range res.actions {
		ds = append(ds, detail{Type: "repository", Name: res.repo, Action: a})
	}
	return ds
}

// authorize checks the request's credentials against what res needs and
// answers the refusal itself; it reports whether to go on.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, res resource) bool {
	if s.cfg.mode == Bearer {
		return s.authorizeBearer(w, r, res)
	}
	name, pw, ok := r.BasicAuth()
	var u *user
	if ok {
		u = s.checkPassword(name, pw)
	}
	if u == nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
		var d any
		if res.repo != "" {
			d = details(res)
		}
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "authentication required", d)
		return false
	}
	for _, a := range res.actions {
		if !u.allows(res.repo, a) {
			if s.cfg.denyStatus == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
				writeError(w, http.StatusUnauthorized, CodeUnauthorized, "authentication required", details(res))
			} else {
				writeError(w, http.StatusForbidden, CodeDenied, "requested access to the resource is denied", nil)
			}
			return false
		}
	}
	return true
}

func (s *Server) challenge(res resource, extra string) string {
	c := fmt.Sprintf(`Bearer realm=%q,service=%q`, s.Realm(), s.cfg.service)
	if res.repo != "" {
		c += fmt.Sprintf(`,scope=%q`, res.scope())
	}
	return c + extra
}

func (s *Server) authorizeBearer(w http.ResponseWriter, r *http.Request, res resource) bool {
	var g *grant
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		s.mu.Lock()
		g = s.tokens[tok]
		if g != nil && g.user != "" && s.users[g.user] == nil {
			g = nil
		}
		s.mu.Unlock()
	}
	if g == nil {
		w.Header().Set("WWW-Authenticate", s.challenge(res, ""))
		var d any
		if res.repo != "" {
			d = details(res)
		}
		writeError(w, http.StatusUnauthorized, CodeUnauthorized, "authentication required", d)
		return false
	}
	for _, a := range res.actions {
		if g.allows(res.repo, a) {
			continue
		}
		if s.cfg.denyStatus == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", s.challenge(res, `,error="insufficient_scope"`))
			writeError(w, http.StatusUnauthorized, CodeUnauthorized, "authentication required", details(res))
		} else {
			writeError(w, http.StatusForbidden, CodeDenied, "requested access to the resource is denied", nil)
		}
		return false
	}
	return true
}

type tokenResponse struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	IssuedAt    string `json:"issued_at"`
}

func writeTokenError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"details": msg})
}

// serveToken is the token endpoint: Basic credentials (or none, for an
// anonymous token) in, a token holding the requested scopes the user has out.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// Only the GET flow; clients fall back to it on 404.
		writeTokenError(w, http.StatusNotFound, "not found")
		return
	}
	q := r.URL.Query()
	if svc := q.Get("service"); svc != "" && svc != s.cfg.service {
		writeTokenError(w, http.StatusBadRequest, "invalid service "+svc)
		return
	}
	g := &grant{access: map[string]map[string]bool{}}
	if name, pw, ok := r.BasicAuth(); ok {
		u := s.checkPassword(name, pw)
		if u == nil {
			writeTokenError(w, http.StatusUnauthorized, "incorrect username or password")
			return
		}
		g.user = name
		for _, sc := range q["scope"] {
			for _, one := range strings.Fields(sc) {
				parts := strings.Split(one, ":")
				if len(parts) < 3 || parts[0] != "repository" {
					continue
				}
				repo := strings.Join(parts[1:len(parts)-1], ":")
				for _, act := range strings.Split(parts[len(parts)-1], ",") {
					if u.allows(repo, act) {
						if g.access[repo] == nil {
							g.access[repo] = map[string]bool{}
						}
						g.access[repo][act] = true
					}
				}
			}
		}
	}
	tok, err := s.newToken(g)
	if err != nil {
		writeTokenError(w, http.StatusInternalServerError, "token signing failed")
		return
	}
	s.mu.Lock()
	s.tokens[tok] = g
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tokenResponse{
		Token: tok, AccessToken: tok, ExpiresIn: 300,
		IssuedAt: time.Now().UTC().Format(time.RFC3339),
	})
}

// newToken returns a token for g: a signed JWT carrying the grant in its
// "access" claim, or with WithOpaqueTokens a string that says nothing.
func (s *Server) newToken(g *grant) (string, error) {
	if s.signer == nil {
		return base64.StdEncoding.EncodeToString([]byte("v1:" + randomHex(24))), nil
	}
	return s.signer.issue(g, s.cfg.service, time.Now())
}
