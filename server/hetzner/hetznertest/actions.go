package hetznertest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// newAction starts an action that finishes after the configured duration;
// onDone runs (under s.mu) when it does. Callers hold s.mu.
func (s *Server) newAction(cmd string, onDone func(ok bool), res ...actionResource) *actionState {
	now := s.cfg.now()
	a := &actionState{ID: s.newID(), Command: cmd, Resources: res, Started: now, Due: now.Add(s.actionTime), Status: "running", onDone: onDone}
	if res == nil {
		a.Resources = []actionResource{}
	}
	s.actions[a.ID] = a
	if s.actionTime <= 0 {
		s.finish(a, now)
	}
	return a
}

// advance finishes every action that is due. Callers hold s.mu.
func (s *Server) advance() {
	now := s.cfg.now()
	for _, id := range sortedIDs(s.actions) {
		if a := s.actions[id]; a.Status == "running" && !now.Before(a.Due) {
			s.finish(a, a.Due)
		}
	}
}

func (s *Server) finish(a *actionState, at time.Time) {
	a.Finished = at
	a.Status = "success"
	if a.fail != nil {
		a.Status, a.ErrCode, a.ErrMsg = "error", "action_failed", a.fail.Error()
	}
	if a.onDone != nil {
		a.onDone(a.Status == "success")
	}
}

func (s *Server) renderAction(a *actionState) map[string]any {
	progress := 100
	var finished any
	var errObj any
	switch a.Status {
	case "running":
		progress = 0
		if total := a.Due.Sub(a.Started); total > 0 {
			progress = min(99, int(100*s.cfg.now().Sub(a.Started)/total))
		}
	default:
		finished = a.Finished.UTC().Truncate(time.Second)
	}
	if a.Status == "error" {
		errObj = map[string]any{"code": a.ErrCode, "message": a.ErrMsg}
	}
	return map[string]any{
		"id": a.ID, "command": a.Command, "status": a.Status, "progress": progress,
		"started": a.Started.UTC().Truncate(time.Second), "finished": finished,
		"resources": a.Resources, "error": errObj,
	}
}

func (s *Server) renderActions(as []*actionState) []map[string]any {
	out := []map[string]any{}
	for _, a := range as {
		out = append(out, s.renderAction(a))
	}
	return out
}

// listActions answers GET /actions?id=…[&id=…]&sort=…, which hcloud-go's
// action waiter polls.
func (s *Server) listActions(r *http.Request) (int, any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	q := r.URL.Query()
	ids := q["id"]
	if len(ids) == 0 {
		return 0, nil, invalidInput("id", "at least one action id is required")
	}
	var as []*actionState
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return 0, nil, invalidInput("id", "must be an integer")
		}
		if a, ok := s.actions[id]; ok {
			as = append(as, a)
		}
	}
	if err := sortItems(as, q["sort"], func(a *actionState) sortKey {
		return sortKey{id: a.ID, status: a.Status, created: a.Started}
	}); err != nil {
		return 0, nil, invalidInput("sort", err.Error())
	}
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	page, meta := paginate(as, lq)
	return 200, map[string]any{"actions": s.renderActions(page), "meta": meta}, nil
}

func (s *Server) getAction(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "aid")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	a, ok := s.actions[id]
	if !ok {
		return 0, nil, notFound("action")
	}
	return 200, map[string]any{"action": s.renderAction(a)}, nil
}

// getResourceAction answers GET /{kind}s/{id}/actions/{aid}.
func (s *Server) getResourceAction(kind string) func(*http.Request) (int, any, *apiError) {
	return func(r *http.Request) (int, any, *apiError) {
		id, aerr := pathID(r, "id")
		if aerr != nil {
			return 0, nil, aerr
		}
		aid, aerr := pathID(r, "aid")
		if aerr != nil {
			return 0, nil, aerr
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.advance()
		a, ok := s.actions[aid]
		if !ok || !hasResource(a, kind, id) {
			return 0, nil, notFound("action")
		}
		return 200, map[string]any{"action": s.renderAction(a)}, nil
	}
}

func hasResource(a *actionState, kind string, id int64) bool {
	for _, r := range a.Resources {
		if strings.EqualFold(r.Type, kind) && r.ID == id {
			return true
		}
	}
	return false
}
