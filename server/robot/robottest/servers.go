package robottest

import (
	"net/http"
	"strconv"
	"strings"
)

func (s *serverState) json(detail bool) map[string]any {
	m := map[string]any{
		"server_ip":       nil,
		"server_ipv6_net": nil,
		"server_number":   s.Number,
		"server_name":     s.Name,
		"product":         s.Product,
		"dc":              s.DC,
		"traffic":         "unlimited",
		"status":          s.Status,
		"cancelled":       s.Cancelled,
		"paid_until":      "2030-12-31",
		"ip":              []string{},
		"subnet":          []map[string]string{},
	}
	if s.IPv4.IsValid() {
		m["server_ip"] = s.IPv4.String()
		m["ip"] = []string{s.IPv4.String()}
	}
	if s.IPv6.IsValid() {
		m["server_ipv6_net"] = s.IPv6.Addr().String()
		m["subnet"] = []map[string]string{{"ip": s.IPv6.Addr().String(), "mask": strconv.Itoa(s.IPv6.Bits())}}
	}
	if detail {
		for _, k := range []string{"reset", "rescue", "vnc", "windows", "plesk", "cpanel", "wol", "hot_swap"} {
			m[k] = k != "hot_swap"
		}
	}
	return m
}

func (r *Robot) serverByPath(w http.ResponseWriter, req *http.Request) *serverState {
	n, err := strconv.Atoi(req.PathValue("n"))
	if s := r.st.Servers[n]; err == nil && s != nil {
		return s
	}
	notFound(w, CodeServerNotFound, "Server with id "+req.PathValue("n")+" not found")
	return nil
}

func (r *Robot) listServers(w http.ResponseWriter, _ *http.Request) {
	var out []map[string]any
	for _, s := range r.Servers() {
		r.mu.Lock()
		out = append(out, map[string]any{"server": r.st.Servers[s.Number].json(false)})
		r.mu.Unlock()
	}
	if len(out) == 0 {
		notFound(w, CodeServerNotFound, "No servers found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *Robot) getServer(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.serverByPath(w, req); s != nil {
		writeJSON(w, http.StatusOK, map[string]any{"server": s.json(true)})
	}
}

func (r *Robot) renameServer(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.serverByPath(w, req)
	if s == nil {
		return
	}
	if !req.PostForm.Has("server_name") {
		missing(w, "server_name")
		return
	}
	name := req.PostForm.Get("server_name")
	if len(name) > 100 || strings.ContainsAny(name, "\n\r") {
		invalid(w, "invalid server name", "server_name")
		return
	}
	s.Name = name
	writeJSON(w, http.StatusOK, map[string]any{"server": s.json(false)})
}
