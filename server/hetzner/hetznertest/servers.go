package hetznertest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
)

// idOrName is a reference the API takes as a name or an ID, as a string or a
// number (hcloud-go sends IDs as numbers).
type idOrName string

// UnmarshalJSON accepts a string or a number.
func (v *idOrName) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = idOrName(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*v = idOrName(n.String())
	return nil
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?$`)

// labelValueRE is Hetzner's rule for label values.
var labelValueRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$`)
var labelKeyRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)

func checkLabels(labels map[string]string) *apiError {
	for k, v := range labels {
		if !labelKeyRE.MatchString(k) {
			return invalidInput("labels", fmt.Sprintf("label key %q is invalid", k))
		}
		if !labelValueRE.MatchString(v) {
			return invalidInput("labels", fmt.Sprintf("label value %q is invalid", v))
		}
	}
	return nil
}

func (s *Server) renderServer(sv *serverState) map[string]any {
	st, _ := s.typeByName(sv.Type)
	loc, _ := locationByName(sv.Location)
	var image any
	if im, ok := s.imageFor(sv.Image, sv.Arch); ok {
		image = im
	}
	fws := []map[string]any{}
	for _, id := range sortedIDs(s.firewalls) {
		if s.firewallApplies(s.firewalls[id], sv) {
			fws = append(fws, map[string]any{"id": id, "status": "applied"})
		}
	}
	var v4, v6 any
	if sv.IPv4.IsValid() {
		v4 = map[string]any{"id": sv.ID + 500000, "ip": sv.IPv4.String(), "blocked": false, "dns_ptr": fmt.Sprintf("static.%s.clients.your-server.de", sv.IPv4)}
	}
	if sv.IPv6.IsValid() {
		v6 = map[string]any{"id": sv.ID + 600000, "ip": sv.IPv6.String(), "blocked": false, "dns_ptr": []any{}}
	}
	labels := sv.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return map[string]any{
		"id": sv.ID, "name": sv.Name, "status": sv.Status, "created": sv.Created,
		"public_net":  map[string]any{"ipv4": v4, "ipv6": v6, "floating_ips": []int64{}, "firewalls": fws},
		"private_net": []any{}, "server_type": st, "datacenter": s.datacenterFor(loc), "location": loc,
		"image": image, "iso": nil, "rescue_enabled": false, "locked": false, "backup_window": nil,
		"outgoing_traffic": 0, "ingoing_traffic": 0, "included_traffic": 21990232555520,
		"protection": map[string]any{"delete": false, "rebuild": false}, "labels": labels,
		"volumes": []int64{}, "load_balancers": []int64{}, "primary_disk_size": st.Disk, "placement_group": nil,
	}
}

func (s *Server) listServers(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	statuses := r.URL.Query()["status"]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	var items []*serverState
	for _, id := range sortedIDs(s.servers) {
		sv := s.servers[id]
		if (lq.hasName && sv.Name != lq.name) || (lq.sel != nil && !lq.sel.matches(sv.Labels)) ||
			(len(statuses) > 0 && !slices.Contains(statuses, sv.Status)) {
			continue
		}
		items = append(items, sv)
	}
	return listResponse("servers", items, lq, func(v *serverState) sortKey {
		return sortKey{id: v.ID, name: v.Name, created: v.Created, status: v.Status}
	}, s.renderServer)
}

func (s *Server) getServer(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	sv, ok := s.servers[id]
	if !ok {
		return 0, nil, notFound("server")
	}
	return 200, map[string]any{"server": s.renderServer(sv)}, nil
}

type createServerReq struct {
	Name             string     `json:"name"`
	Location         idOrName   `json:"location"`
	Datacenter       idOrName   `json:"datacenter"`
	ServerType       idOrName   `json:"server_type"`
	StartAfterCreate *bool      `json:"start_after_create"`
	Image            idOrName   `json:"image"`
	SSHKeys          []idOrName `json:"ssh_keys"`
	Firewalls        []struct {
		Firewall int64 `json:"firewall"`
	} `json:"firewalls"`
	UserData  string            `json:"user_data"`
	Labels    map[string]string `json:"labels"`
	PublicNet *struct {
		EnableIPv4 *bool `json:"enable_ipv4"`
		EnableIPv6 *bool `json:"enable_ipv6"`
	} `json:"public_net"`
}

func (s *Server) createServer(r *http.Request) (int, any, *apiError) {
	var req createServerReq
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	body, boot, aerr := s.createServerLocked(req)
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	if aerr != nil {
		return 0, nil, aerr
	}
	s.runHooks(r.Context(), boot, hooks)
	return 201, body, nil
}

func (s *Server) runHooks(ctx context.Context, boot *Boot, hooks []BootFunc) {
	for _, h := range hooks {
		if err := h(context.WithoutCancel(ctx), *boot); err != nil {
			s.mu.Lock()
			if a, ok := s.actions[boot.createAction]; ok && a.Status == "running" {
				a.fail = fmt.Errorf("boot: %v", err)
			} else if sv, ok := s.servers[boot.ID]; ok {
				sv.Status = "off"
			}
			s.mu.Unlock()
			return
		}
	}
}

func (s *Server) createServerLocked(req createServerReq) (map[string]any, *Boot, *apiError) {
	s.advance()
	switch {
	case req.Name == "" || !hostnameRE.MatchString(req.Name):
		return nil, nil, invalidInput("name", "must be a valid hostname")
	case req.ServerType == "":
		return nil, nil, invalidInput("server_type", "is required")
	case req.Image == "":
		return nil, nil, invalidInput("image", "is required")
	case len(req.UserData) > 32*1024:
		return nil, nil, invalidInput("user_data", "must be at most 32 KiB")
	}
	if aerr := checkLabels(req.Labels); aerr != nil {
		return nil, nil, aerr
	}
	st, ok := s.typeByName(string(req.ServerType))
	if !ok {
		if id, err := strconv.ParseInt(string(req.ServerType), 10, 64); err == nil {
			for _, t := range s.types {
				if t.ID == id {
					st, ok = t, true
				}
			}
		}
		if !ok {
			return nil, nil, invalidInput("server_type", "server type "+string(req.ServerType)+" not found")
		}
	}
	locName := string(req.Location)
	if locName == "" && req.Datacenter != "" {
		for l, dc := range seededDatacenterNames {
			if dc == string(req.Datacenter) {
				locName = l
			}
		}
	}
	if locName == "" {
		locName = "fsn1"
	}
	loc, ok := locationByName(locName)
	if id, err := strconv.ParseInt(locName, 10, 64); err == nil {
		for _, l := range seededLocations {
			if l.ID == id {
				loc, ok = l, true
			}
		}
	}
	if !ok {
		return nil, nil, invalidInput("location", "location "+locName+" not found")
	}
	var tl *typeLocation
	for i := range st.Locations {
		if st.Locations[i].Name == loc.Name {
			tl = &st.Locations[i]
		}
	}
	if tl == nil || !tl.Available {
		return nil, nil, errf(412, "resource_unavailable", fmt.Sprintf("server type %s is unavailable in %s", st.Name, loc.Name))
	}
	im, ok := s.imageFor(string(req.Image), st.Architecture)
	if !ok {
		if id, err := strconv.ParseInt(string(req.Image), 10, 64); err == nil {
			for _, i := range s.images {
				if i.ID == id && i.Architecture == st.Architecture {
					im, ok = i, true
				}
			}
		}
		if !ok {
			return nil, nil, invalidInput("image", "image "+string(req.Image)+" not found for architecture "+st.Architecture)
		}
	}
	for _, sv := range s.servers {
		if sv.Name == req.Name {
			return nil, nil, &apiError{status: 409, code: "uniqueness_error", message: "server name is already used",
				details: map[string]any{"fields": []map[string]any{{"name": "name"}}}}
		}
	}
	var keyIDs []int64
	for _, ref := range req.SSHKeys {
		k := s.findKey(string(ref))
		if k == nil {
			return nil, nil, invalidInput("ssh_keys", "SSH key "+string(ref)+" not found")
		}
		keyIDs = append(keyIDs, k.ID)
	}
	var fws []*firewallState
	for _, f := range req.Firewalls {
		fw, ok := s.firewalls[f.Firewall]
		if !ok {
			return nil, nil, errf(404, "firewall_resource_not_found", fmt.Sprintf("firewall %d not found", f.Firewall))
		}
		fws = append(fws, fw)
	}

	sv := &serverState{ID: s.newID(), Name: req.Name, Status: "initializing", Created: s.stamp(),
		Type: st.Name, Location: loc.Name, Image: *im.Name, Arch: st.Architecture,
		Labels: maps.Clone(req.Labels), UserData: req.UserData, SSHKeys: keyIDs}
	if sv.Labels == nil {
		sv.Labels = map[string]string{}
	}
	v4, v6 := s.newIPs()
	if req.PublicNet == nil || req.PublicNet.EnableIPv4 == nil || *req.PublicNet.EnableIPv4 {
		sv.IPv4 = v4
	}
	if req.PublicNet == nil || req.PublicNet.EnableIPv6 == nil || *req.PublicNet.EnableIPv6 {
		sv.IPv6 = v6
	}
	s.servers[sv.ID] = sv
	res := []actionResource{{ID: sv.ID, Type: "server"}}
	start := req.StartAfterCreate == nil || *req.StartAfterCreate
	create := s.newAction("create_server", func(ok bool) {
		if cur, exists := s.servers[sv.ID]; exists && cur.Status == "initializing" {
			switch {
			case !ok || !start:
				cur.Status = "off"
			default:
				cur.Status = "running"
			}
		}
	}, res...)
	next := []*actionState{}
	if start {
		next = append(next, s.newAction("start_server", nil, res...))
	}
	for _, fw := range fws {
		fw.Servers = append(fw.Servers, sv.ID)
		next = append(next, s.newAction("apply_firewall", nil, actionResource{ID: fw.ID, Type: "firewall"}, res[0]))
	}
	body := map[string]any{
		"server": s.renderServer(sv), "action": s.renderAction(create),
		"next_actions": s.renderActions(next), "root_password": nil,
	}
	boot := &Boot{ID: sv.ID, Name: sv.Name, Type: sv.Type, IPv4: sv.IPv4, IPv6: sv.IPv6, UserData: sv.UserData,
		Arch: sv.Arch, Image: sv.Image, Labels: maps.Clone(sv.Labels), createAction: create.ID}
	return body, boot, nil
}

func (s *Server) findKey(ref string) *sshKeyState {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if k, ok := s.keys[id]; ok {
			return k
		}
	}
	for _, id := range sortedIDs(s.keys) {
		if s.keys[id].Name == ref {
			return s.keys[id]
		}
	}
	return nil
}

func (s *Server) updateServer(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Name   *string            `json:"name"`
		Labels *map[string]string `json:"labels"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	sv, ok := s.servers[id]
	if !ok {
		return 0, nil, notFound("server")
	}
	if req.Name != nil {
		if !hostnameRE.MatchString(*req.Name) {
			return 0, nil, invalidInput("name", "must be a valid hostname")
		}
		for _, o := range s.servers {
			if o.ID != id && o.Name == *req.Name {
				return 0, nil, errf(409, "uniqueness_error", "server name is already used")
			}
		}
	}
	if req.Labels != nil {
		if aerr := checkLabels(*req.Labels); aerr != nil {
			return 0, nil, aerr
		}
	}
	if req.Name != nil {
		sv.Name = *req.Name
	}
	if req.Labels != nil {
		sv.Labels = maps.Clone(*req.Labels)
		if sv.Labels == nil {
			sv.Labels = map[string]string{}
		}
	}
	return 200, map[string]any{"server": s.renderServer(sv)}, nil
}

func (s *Server) deleteServer(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	if _, ok := s.servers[id]; !ok {
		return 0, nil, notFound("server")
	}
	delete(s.servers, id)
	for _, fw := range s.firewalls {
		fw.Servers = slices.DeleteFunc(fw.Servers, func(x int64) bool { return x == id })
	}
	a := s.newAction("delete_server", nil, actionResource{ID: id, Type: "server"})
	return 200, map[string]any{"action": s.renderAction(a)}, nil
}

// serverAction answers the power actions; others are 404.
func (s *Server) serverAction(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	cmd := r.PathValue("cmd")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	sv, ok := s.servers[id]
	if !ok {
		return 0, nil, notFound("server")
	}
	res := actionResource{ID: id, Type: "server"}
	var a *actionState
	switch cmd {
	case "poweron":
		sv.Status = "starting"
		a = s.newAction("start_server", func(bool) {
			if cur, ok := s.servers[id]; ok {
				cur.Status = "running"
			}
		}, res)
	case "poweroff", "shutdown":
		sv.Status = "stopping"
		a = s.newAction("stop_server", func(bool) {
			if cur, ok := s.servers[id]; ok {
				cur.Status = "off"
			}
		}, res)
	case "reboot", "reset":
		a = s.newAction(cmd+"_server", nil, res)
	default:
		return 0, nil, errf(404, "not_found", "action "+cmd+" is not simulated")
	}
	return 201, map[string]any{"action": s.renderAction(a)}, nil
}
