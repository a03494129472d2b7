package registrytest

import (
	"strings"
)

type access struct {
	repo    string // "" for every repository
	actions map[string]bool
}

type user struct {
	password string
	access   []access
}

func (u *user) allows(repo, action string) bool {
	for _, a := range u.access {
		if (a.repo == "" || a.repo == repo) && (a.actions[action] || a.actions["*"]) {
			return true
		}
	}
	return false
}

// AddUser adds (or replaces) a user. Each scope is an action — "pull",
// "push", "delete" or "*" — on every repository, or "REPO:ACTIONS" for one
// repository ("me/shop:pull,push"). "push" includes "pull", as write access
// does on every real registry. No scopes means "pull" and "push" everywhere.
func (s *Server) AddUser(name, password string, scopes ...string) {
	if len(scopes) == 0 {
		scopes = []string{"pull", "push"}
	}
	u := &user{password: password}
	for _, sc := range scopes {
		repo, acts := "", sc
		if i := strings.LastIndex(sc, ":"); i >= 0 {
			repo, acts = sc[:i], sc[i+1:]
		}
		a := access{repo: repo, actions: map[string]bool{}}
		for _, act := range strings.Split(acts, ",") {
			act = strings.TrimSpace(act)
			if act == "" {
				continue
			}
			a.actions[act] = true
			if act == "push" {
				a.actions["pull"] = true
			}
		}
		u.access = append(u.access, a)
	}
	s.mu.Lock()
	s.users[name] = u
	s.mu.Unlock()
}

// RemoveUser deletes a user; tokens already issued to it stop working.
func (s *Server) RemoveUser(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, name)
	for t, g := range s.tokens {
		if g.user == name {
			delete(s.tokens, t)
		}
	}
}

// checkPassword returns the user when name and password match.
func (s *Server) checkPassword(name, password string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if u == nil || password == "" || u.password != password {
		return nil
	}
	return u
}
