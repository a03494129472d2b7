package hetznertest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// selector is a parsed label selector: requirements that all must hold.
type selector []requirement

type requirement struct {
	key    string
	op     string // exists, !exists, =, !=, in, notin
	values []string
}

// parseSelector parses Hetzner's label selector syntax: "k", "!k", "k=v",
// "k==v", "k!=v", "k in (a,b)", "k notin (a,b)", joined by commas.
func parseSelector(s string) (selector, error) {
	var out selector
	s = strings.TrimSpace(s)
	for s != "" {
		// split off one requirement: up to the next comma outside parentheses
		depth, end := 0, len(s)
		for i, r := range s {
			if r == '(' {
				depth++
			} else if r == ')' {
				depth--
			} else if r == ',' && depth == 0 {
				end = i
				break
			}
		}
		part := strings.TrimSpace(s[:end])
		if end < len(s) {
			s = strings.TrimSpace(s[end+1:])
		} else {
			s = ""
		}
		req, err := parseRequirement(part)
		if err != nil {
			return nil, err
		}
		out = append(out, req)
	}
	return out, nil
}

func parseRequirement(p string) (requirement, error) {
	switch {
	case p == "":
		return requirement{}, fmt.Errorf("empty requirement")
	case strings.HasPrefix(p, "!"):
		return requirement{key: strings.TrimSpace(p[1:]), op: "!exists"}, nil
	case strings.Contains(p, "!="):
		k, v, _ := strings.Cut(p, "!=")
		return requirement{key: strings.TrimSpace(k), op: "!=", values: []string{strings.TrimSpace(v)}}, nil
	case strings.Contains(p, "=="):
		k, v, _ := strings.Cut(p, "==")
		return requirement{key: strings.TrimSpace(k), op: "=", values: []string{strings.TrimSpace(v)}}, nil
	case strings.Contains(p, "="):
		k, v, _ := strings.Cut(p, "=")
		return requirement{key: strings.TrimSpace(k), op: "=", values: []string{strings.TrimSpace(v)}}, nil
	}
	for _, op := range []string{" notin ", " in "} {
		if k, rest, ok := strings.Cut(p, op); ok {
			rest = strings.TrimSpace(rest)
			if !strings.HasPrefix(rest, "(") || !strings.HasSuffix(rest, ")") {
				return requirement{}, fmt.Errorf("%q: values must be in parentheses", p)
			}
			var vals []string
			for _, v := range strings.Split(rest[1:len(rest)-1], ",") {
				vals = append(vals, strings.TrimSpace(v))
			}
			return requirement{key: strings.TrimSpace(k), op: strings.TrimSpace(op), values: vals}, nil
		}
	}
	if strings.ContainsAny(p, " ()") {
		return requirement{}, fmt.Errorf("%q is not a requirement", p)
	}
	return requirement{key: p, op: "exists"}, nil
}

func (sel selector) matches(labels map[string]string) bool {
	for _, r := range sel {
		v, has := labels[r.key]
		switch r.op {
		case "exists":
			if !has {
				return false
			}
		case "!exists":
			if has {
				return false
			}
		case "=":
			if !has || v != r.values[0] {
				return false
			}
		case "!=":
			if has && v == r.values[0] {
				return false
			}
		case "in":
			if !has || !slices.Contains(r.values, v) {
				return false
			}
		case "notin":
			if has && slices.Contains(r.values, v) {
				return false
			}
		}
	}
	return true
}

// listQuery is what list endpoints share: name, label_selector, sort and
// pagination.
type listQuery struct {
	name    string
	hasName bool
	sel     selector
	sorts   []string
	page    int
	perPage int
}

func parseListQuery(r *http.Request) (listQuery, *apiError) {
	q := r.URL.Query()
	lq := listQuery{page: 1, perPage: 25}
	if q.Has("name") {
		lq.name, lq.hasName = q.Get("name"), true
	}
	if ls := q.Get("label_selector"); ls != "" {
		sel, err := parseSelector(ls)
		if err != nil {
			return lq, invalidInput("label_selector", err.Error())
		}
		lq.sel = sel
	}
	lq.sorts = q["sort"]
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return lq, invalidInput("page", "must be a positive integer")
		}
		lq.page = n
	}
	if p := q.Get("per_page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return lq, invalidInput("per_page", "must be a positive integer")
		}
		lq.perPage = min(n, 50)
	}
	return lq, nil
}

// sortKey is what items expose for sorting.
type sortKey struct {
	id      int64
	name    string
	created time.Time
	status  string
}

// sortItems sorts by the query's sort fields ("id", "name:desc", …); id
// ascending by default.
func sortItems[T any](items []T, sorts []string, key func(T) sortKey) error {
	if len(sorts) == 0 {
		sorts = []string{"id"}
	}
	type crit struct {
		field string
		desc  bool
	}
	var cs []crit
	for _, s := range sorts {
		f, dir, _ := strings.Cut(s, ":")
		switch f {
		case "id", "name", "created", "status":
		default:
			return fmt.Errorf("cannot sort by %q", f)
		}
		if dir != "" && dir != "asc" && dir != "desc" {
			return fmt.Errorf("sort direction %q is not asc or desc", dir)
		}
		cs = append(cs, crit{f, dir == "desc"})
	}
	slices.SortStableFunc(items, func(a, b T) int {
		ka, kb := key(a), key(b)
		for _, c := range cs {
			var r int
			switch c.field {
			case "id":
				r = cmp.Compare(ka.id, kb.id)
			case "name":
				r = cmp.Compare(ka.name, kb.name)
			case "created":
				r = ka.created.Compare(kb.created)
			case "status":
				r = cmp.Compare(ka.status, kb.status)
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

// paginate returns the query's page of items and the meta object.
func paginate[T any](items []T, lq listQuery) ([]T, map[string]any) {
	total := len(items)
	last := max(1, (total+lq.perPage-1)/lq.perPage)
	start := min((lq.page-1)*lq.perPage, total)
	end := min(start+lq.perPage, total)
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	var prev, next any
	if lq.page > 1 {
		prev = lq.page - 1
	}
	if lq.page < last {
		next = lq.page + 1
	}
	meta := map[string]any{"pagination": map[string]any{
		"page": lq.page, "per_page": lq.perPage, "previous_page": prev, "next_page": next,
		"last_page": last, "total_entries": total,
	}}
	return page, meta
}

// listResponse sorts items as lq asks, takes lq's page and answers
// {field: [render(item), …], "meta": …}: the tail every list endpoint shares.
func listResponse[T, R any](field string, items []T, lq listQuery, key func(T) sortKey, render func(T) R) (int, any, *apiError) {
	if err := sortItems(items, lq.sorts, key); err != nil {
		return 0, nil, invalidInput("sort", err.Error())
	}
	page, meta := paginate(items, lq)
	out := make([]R, 0, len(page))
	for _, it := range page {
		out = append(out, render(it))
	}
	return 200, map[string]any{field: out, "meta": meta}, nil
}
