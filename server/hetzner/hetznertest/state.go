package hetznertest

import (
	"maps"
	"net/netip"
	"slices"
	"time"
)

// ServerRecord is a simulated server, as tests inspect and seed it.
type ServerRecord struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`
	Status   string            `json:"status"`
	Created  time.Time         `json:"created"`
	Type     string            `json:"type"`
	Location string            `json:"location"`
	Image    string            `json:"image"`
	Arch     string            `json:"arch"`
	Labels   map[string]string `json:"labels"`
	IPv4     netip.Addr        `json:"ipv4"`
	IPv6     netip.Prefix      `json:"ipv6"`
	UserData string            `json:"user_data,omitempty"`
	SSHKeys  []int64           `json:"ssh_keys,omitempty"`
}

// FirewallRecord is a simulated firewall.
type FirewallRecord struct {
	ID      int64             `json:"id"`
	Name    string            `json:"name"`
	Labels  map[string]string `json:"labels"`
	Created time.Time         `json:"created"`
	Rules   []FirewallRule    `json:"rules"`
	// Servers are the IDs of servers it is applied to directly.
	Servers []int64 `json:"servers"`
	// Selectors are label selectors it is applied through.
	Selectors []string `json:"selectors,omitempty"`
}

// FirewallRule is one rule, shaped like the API's.
type FirewallRule struct {
	Description    *string  `json:"description,omitempty"`
	Direction      string   `json:"direction"`
	SourceIPs      []string `json:"source_ips"`
	DestinationIPs []string `json:"destination_ips"`
	Protocol       string   `json:"protocol"`
	Port           *string  `json:"port"`
}

// SSHKeyRecord is a simulated SSH key.
type SSHKeyRecord struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Fingerprint string            `json:"fingerprint"`
	PublicKey   string            `json:"public_key"`
	Labels      map[string]string `json:"labels"`
	Created     time.Time         `json:"created"`
}

type (
	serverState   = ServerRecord
	firewallState = FirewallRecord
	sshKeyState   = SSHKeyRecord
)

type actionResource struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type actionState struct {
	ID        int64
	Command   string
	Resources []actionResource
	Started   time.Time
	Due       time.Time
	Finished  time.Time
	Status    string // running, success, error
	ErrCode   string
	ErrMsg    string
	fail      error
	onDone    func(ok bool)
}

func cloneServer(r *ServerRecord) ServerRecord {
	c := *r
	c.Labels = maps.Clone(r.Labels)
	c.SSHKeys = slices.Clone(r.SSHKeys)
	return c
}

func cloneFirewall(r *FirewallRecord) FirewallRecord {
	c := *r
	c.Labels = maps.Clone(r.Labels)
	c.Rules = slices.Clone(r.Rules)
	c.Servers = slices.Clone(r.Servers)
	c.Selectors = slices.Clone(r.Selectors)
	return c
}

func sortedIDs[T any](m map[int64]T) []int64 {
	ids := slices.Collect(maps.Keys(m))
	slices.Sort(ids)
	return ids
}

// Servers returns a snapshot of every server, by ID.
func (s *Server) Servers() []ServerRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	out := []ServerRecord{}
	for _, id := range sortedIDs(s.servers) {
		out = append(out, cloneServer(s.servers[id]))
	}
	return out
}

// Firewalls returns a snapshot of every firewall, by ID.
func (s *Server) Firewalls() []FirewallRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []FirewallRecord{}
	for _, id := range sortedIDs(s.firewalls) {
		out = append(out, cloneFirewall(s.firewalls[id]))
	}
	return out
}

// SSHKeys returns a snapshot of every SSH key, by ID.
func (s *Server) SSHKeys() []SSHKeyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []SSHKeyRecord{}
	for _, id := range sortedIDs(s.keys) {
		k := *s.keys[id]
		k.Labels = maps.Clone(k.Labels)
		out = append(out, k)
	}
	return out
}

// AddServer seeds a server (someone else's, or one in any state) without
// going through the API. Zero fields get defaults: an ID, status running,
// type cx23 in fsn1, ubuntu-24.04, the next free addresses. It returns the
// record as stored.
func (s *Server) AddServer(r ServerRecord) ServerRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == 0 {
		r.ID = s.newID()
	}
	if r.Status == "" {
		r.Status = "running"
	}
	if r.Created.IsZero() {
		r.Created = s.stamp()
	}
	if r.Type == "" {
		r.Type = "cx23"
	}
	if r.Location == "" {
		r.Location = "fsn1"
	}
	if r.Image == "" {
		r.Image = "ubuntu-24.04"
	}
	if r.Arch == "" {
		r.Arch = "x86"
		if st, ok := s.typeByName(r.Type); ok {
			r.Arch = st.Architecture
		}
	}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if !r.IPv4.IsValid() {
		r.IPv4, r.IPv6 = s.newIPs()
	}
	c := cloneServer(&r)
	s.servers[r.ID] = &c
	return cloneServer(&c)
}

// AddFirewall seeds a firewall. Zero fields get defaults.
func (s *Server) AddFirewall(r FirewallRecord) FirewallRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.ID == 0 {
		r.ID = s.newID()
	}
	if r.Created.IsZero() {
		r.Created = s.stamp()
	}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if r.Rules == nil {
		r.Rules = []FirewallRule{}
	}
	if r.Servers == nil {
		r.Servers = []int64{}
	}
	c := cloneFirewall(&r)
	s.firewalls[r.ID] = &c
	return cloneFirewall(&c)
}

// AddSSHKey seeds an SSH key; PublicKey must be an authorized_keys line. The
// fingerprint is computed when empty.
func (s *Server) AddSSHKey(r SSHKeyRecord) (SSHKeyRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Fingerprint == "" {
		fp, err := fingerprint(r.PublicKey)
		if err != nil {
			return SSHKeyRecord{}, err
		}
		r.Fingerprint = fp
	}
	if r.ID == 0 {
		r.ID = s.newID()
	}
	if r.Created.IsZero() {
		r.Created = s.stamp()
	}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	c := r
	c.Labels = maps.Clone(r.Labels)
	s.keys[r.ID] = &c
	return r, nil
}

// SetServerStatus changes a server's status ("off", "running", …) behind the
// API's back, to simulate a console action. It reports whether the server
// exists.
func (s *Server) SetServerStatus(id int64, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.servers[id]; ok {
		sv.Status = status
		return true
	}
	return false
}

// SetServerIPv4 changes a server's public IPv4 address, e.g. from an OnBoot
// hook that attached a host at another loopback address. It reports whether
// the server exists.
func (s *Server) SetServerIPv4(id int64, addr netip.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.servers[id]; ok {
		sv.IPv4 = addr
		return true
	}
	return false
}

// SetFirewallRules replaces a firewall's rules behind the API's back, to
// simulate drift (someone edited them in the console).
func (s *Server) SetFirewallRules(id int64, rules []FirewallRule) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fw, ok := s.firewalls[id]; ok {
		fw.Rules = slices.Clone(rules)
		return true
	}
	return false
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// newIPs hands out 127.0.1.1, 127.0.1.2, … (then 127.0.2.x) and matching
// 2001:db8:0:N::/64 networks.
func (s *Server) newIPs() (netip.Addr, netip.Prefix) {
	for {
		s.nextIP++
		n := s.nextIP
		hi, lo := 1+n/254, n%254
		if lo == 0 || hi > 255 {
			if hi > 255 {
				s.nextIP = 0
			}
			continue
		}
		v4 := netip.AddrFrom4([4]byte{127, 0, byte(hi), byte(lo)})
		v6 := netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, byte(n >> 8), byte(n)}), 64)
		return v4, v6
	}
}

func (s *Server) typeByName(name string) (ServerType, bool) {
	for _, t := range s.types {
		if t.Name == name {
			return t, true
		}
	}
	return ServerType{}, false
}

func (s *Server) imageFor(name, arch string) (Image, bool) {
	for _, im := range s.images {
		if im.Name != nil && *im.Name == name && (arch == "" || im.Architecture == arch) {
			return im, true
		}
	}
	return Image{}, false
}
