package registrytest

import (
	"net/http"
	"strings"
)

// resource is what a /v2/ request addresses and the access it needs.
type resource struct {
	repo        string // "" for the version check and the catalog
	actions     []string
	uploadStart bool   // POST …/blobs/uploads/
	uploadID    string // …/blobs/uploads/<id>
}

func (r resource) scope() string {
	return "repository:" + r.repo + ":" + strings.Join(r.actions, ",")
}

func parseResource(r *http.Request) resource {
	p := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v2"), "/")
	elems := strings.Split(strings.TrimSuffix(p, "/"), "/")
	kind := -1
	for i := len(elems) - 1; i >= 1; i-- {
		switch elems[i] {
		case "blobs", "manifests", "tags", "referrers":
			kind = i
		}
		if kind >= 0 {
			break
		}
	}
	if kind < 0 {
		return resource{}
	}
	res := resource{repo: strings.Join(elems[:kind], "/")}
	rest := elems[kind+1:]
	if elems[kind] == "blobs" && len(rest) >= 1 && rest[0] == "uploads" {
		if len(rest) == 1 {
			res.uploadStart = r.Method == http.MethodPost && r.URL.Query().Get("digest") == ""
		} else {
			res.uploadID = rest[1]
		}
	}
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		res.actions = []string{"pull"}
	case r.Method == http.MethodDelete && res.uploadID == "":
		res.actions = []string{"delete"}
	default:
		res.actions = []string{"pull", "push"}
	}
	return res
}
