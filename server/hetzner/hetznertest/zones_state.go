package hetznertest

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assemblekit/assemble/internal/dnsserver"
)

// DefaultNameservers are the authoritative nameservers assigned to every
// zone unless ZoneRecord.Nameservers says otherwise: Hetzner's own names.
// They are never resolved: NameserverAddrs maps each to a loopback listener.
var DefaultNameservers = []string{"hydrogen.ns.hetzner.com", "oxygen.ns.hetzner.com", "helium.ns.hetzner.de"}

// ZoneRecord is a simulated DNS zone.
type ZoneRecord struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Mode is "primary" (the default: RRsets are managed through the API)
	// or "secondary".
	Mode    string            `json:"mode"`
	TTL     int               `json:"ttl"`
	Labels  map[string]string `json:"labels"`
	Created time.Time         `json:"created"`
	// Status is "ok" (the default), "updating" or "error".
	Status string `json:"status"`
	// Protected is the zone's delete protection.
	Protected bool `json:"protected,omitempty"`
	// Nameservers are the assigned authoritative nameservers;
	// DefaultNameservers when empty.
	Nameservers []string `json:"nameservers"`
}

// RRSetRecord is a simulated RRset: every record of one name and type.
type RRSetRecord struct {
	// Zone is the zone's ID.
	Zone int64 `json:"zone"`
	// Name is relative to the zone, "@" for the apex, lowercase.
	Name string `json:"name"`
	Type string `json:"type"`
	// TTL is nil for the zone's default.
	TTL     *int              `json:"ttl"`
	Labels  map[string]string `json:"labels"`
	Records []RRRecord        `json:"records"`
	// Protected is the RRset's change protection.
	Protected bool      `json:"protected,omitempty"`
	Created   time.Time `json:"created"`
}

// RRRecord is one record of an RRset.
type RRRecord struct {
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// ID returns the RRset's API ID, "name/TYPE".
func (r RRSetRecord) ID() string { return r.Name + "/" + r.Type }

func cloneRRSet(r *RRSetRecord) RRSetRecord {
	c := *r
	c.Labels = maps.Clone(r.Labels)
	c.Records = slices.Clone(r.Records)
	if r.TTL != nil {
		t := *r.TTL
		c.TTL = &t
	}
	return c
}

func cloneZone(z *ZoneRecord) ZoneRecord {
	c := *z
	c.Labels = maps.Clone(z.Labels)
	c.Nameservers = slices.Clone(z.Nameservers)
	return c
}

// rrVersion is an RRset as DNS sees it from a moment on; nil once deleted.
type rrVersion struct {
	at  time.Time
	set *RRSetRecord
}

// dnsState is the DNS part of the simulator. Its maps are guarded by
// Server.mu; the listeners by lmu.
type dnsState struct {
	zones       map[int64]*ZoneRecord
	rrsets      map[int64]map[string]*RRSetRecord // zone ID → "name/TYPE"
	hist        map[int64]map[string][]rrVersion
	nsDelay     map[string]time.Duration
	propagation time.Duration

	lmu     sync.Mutex
	main    *dnsserver.Server
	ns      map[string]*dnsserver.Server
	stopped bool
}

// zs returns the DNS state, creating it on first use. Callers hold s.mu.
func (s *Server) zs() *dnsState {
	if s.dns == nil {
		s.dns = &dnsState{
			zones: map[int64]*ZoneRecord{}, rrsets: map[int64]map[string]*RRSetRecord{},
			hist: map[int64]map[string][]rrVersion{}, nsDelay: map[string]time.Duration{},
			ns: map[string]*dnsserver.Server{},
		}
	}
	return s.dns
}

func rrKey(name, typ string) string { return name + "/" + typ }

// zoneByIDOrName finds a zone by its ID or (case-insensitive) name.
// Callers hold s.mu.
func (s *Server) zoneByIDOrName(idOrName string) (*ZoneRecord, bool) {
	d := s.zs()
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil {
		z, ok := d.zones[id]
		return z, ok
	}
	name := dnsserver.Canonical(idOrName)
	for _, z := range d.zones {
		if z.Name == name {
			return z, true
		}
	}
	return nil, false
}

// record notes a change of an RRset for DNS: it is served from when the
// action that made it is done, plus the propagation delay. Callers hold s.mu.
func (s *Server) record(zoneID int64, key string, set *RRSetRecord) {
	d := s.zs()
	var cp *RRSetRecord
	if set != nil {
		c := cloneRRSet(set)
		cp = &c
	}
	if d.hist[zoneID] == nil {
		d.hist[zoneID] = map[string][]rrVersion{}
	}
	at := s.cfg.now().Add(s.actionTime + d.propagation)
	d.hist[zoneID][key] = append(d.hist[zoneID][key], rrVersion{at: at, set: cp})
}

// recordNow makes an RRset visible to DNS at once (seeding, Load).
func (s *Server) recordNow(zoneID int64, key string, set *RRSetRecord) {
	d := s.zs()
	c := cloneRRSet(set)
	if d.hist[zoneID] == nil {
		d.hist[zoneID] = map[string][]rrVersion{}
	}
	d.hist[zoneID][key] = []rrVersion{{set: &c}}
}

func (s *Server) recordCount(zoneID int64) int {
	n := 0
	for _, rs := range s.zs().rrsets[zoneID] {
		n += len(rs.Records)
	}
	return n
}

// putZone stores a new zone with its default SOA and NS RRsets. Callers
// hold s.mu.
func (s *Server) putZone(z ZoneRecord, now bool) *ZoneRecord {
	d := s.zs()
	c := cloneZone(&z)
	d.zones[c.ID] = &c
	d.rrsets[c.ID] = map[string]*RRSetRecord{}
	primary := c.Nameservers[0]
	soa := &RRSetRecord{Zone: c.ID, Name: "@", Type: "SOA", Labels: map[string]string{}, Created: c.Created,
		Records: []RRRecord{{Value: dnsFqdn(primary) + " dns.hetzner.com. " + c.Created.Format("2006010201") + " 86400 10800 3600000 3600"}}}
	ns := &RRSetRecord{Zone: c.ID, Name: "@", Type: "NS", Labels: map[string]string{}, Created: c.Created}
	for _, n := range c.Nameservers {
		ns.Records = append(ns.Records, RRRecord{Value: dnsFqdn(n)})
	}
	for _, rs := range []*RRSetRecord{soa, ns} {
		d.rrsets[c.ID][rs.ID()] = rs
		if now {
			s.recordNow(c.ID, rs.ID(), rs)
		} else {
			s.record(c.ID, rs.ID(), rs)
		}
	}
	return &c
}

func dnsFqdn(n string) string { return strings.TrimSuffix(n, ".") + "." }

func (s *Server) zoneDefaults(z *ZoneRecord) {
	if z.ID == 0 {
		z.ID = s.newID()
	}
	z.Name = dnsserver.Canonical(z.Name)
	if z.Mode == "" {
		z.Mode = "primary"
	}
	if z.TTL == 0 {
		z.TTL = 3600
	}
	if z.Labels == nil {
		z.Labels = map[string]string{}
	}
	if z.Created.IsZero() {
		z.Created = s.stamp()
	}
	if z.Status == "" {
		z.Status = "ok"
	}
	if len(z.Nameservers) == 0 {
		z.Nameservers = slices.Clone(DefaultNameservers)
	}
	for i, n := range z.Nameservers {
		z.Nameservers[i] = dnsserver.Canonical(n)
	}
}

// AddZone seeds a zone without going through the API, with its default SOA
// and NS RRsets, visible to DNS at once. Zero fields get defaults (an ID,
// primary mode, TTL 3600, status ok, DefaultNameservers). It returns the
// zone as stored.
func (s *Server) AddZone(z ZoneRecord) ZoneRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zoneDefaults(&z)
	return cloneZone(s.putZone(z, true))
}

// AddRRSet seeds an RRset in the named zone (someone else's records, say),
// visible to DNS at once; an RRset of that name and type is replaced. Name
// is relative ("@" for the apex). It reports whether the zone exists.
func (s *Server) AddRRSet(zone string, r RRSetRecord) (RRSetRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zoneByIDOrName(zone)
	if !ok {
		return RRSetRecord{}, false
	}
	r.Zone = z.ID
	r.Name = strings.ToLower(r.Name)
	r.Type = strings.ToUpper(r.Type)
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	if r.Records == nil {
		r.Records = []RRRecord{}
	}
	if r.Created.IsZero() {
		r.Created = s.stamp()
	}
	c := cloneRRSet(&r)
	s.zs().rrsets[z.ID][c.ID()] = &c
	s.recordNow(z.ID, c.ID(), &c)
	return cloneRRSet(&c), true
}

// Zones returns a snapshot of every zone, by ID.
func (s *Server) Zones() []ZoneRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.zs()
	out := []ZoneRecord{}
	for _, id := range sortedIDs(d.zones) {
		out = append(out, cloneZone(d.zones[id]))
	}
	return out
}

// RRSets returns a snapshot of the RRsets of the zone with that ID or name,
// by name and type; nil if there is no such zone.
func (s *Server) RRSets(zone string) []RRSetRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zoneByIDOrName(zone)
	if !ok {
		return nil
	}
	out := []RRSetRecord{}
	for _, rs := range s.zs().rrsets[z.ID] {
		out = append(out, cloneRRSet(rs))
	}
	slices.SortFunc(out, func(a, b RRSetRecord) int { return strings.Compare(a.ID(), b.ID()) })
	return out
}

// RRSet returns one RRset of a zone (ID or name) by relative name and type.
func (s *Server) RRSet(zone, name, typ string) (RRSetRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	z, ok := s.zoneByIDOrName(zone)
	if !ok {
		return RRSetRecord{}, false
	}
	rs, ok := s.zs().rrsets[z.ID][rrKey(strings.ToLower(name), strings.ToUpper(typ))]
	if !ok {
		return RRSetRecord{}, false
	}
	return cloneRRSet(rs), true
}

// SetPropagationDelay makes changes made from now on visible in DNS only d
// after their action finished; what DNS serves already stays.
func (s *Server) SetPropagationDelay(d time.Duration) {
	s.mu.Lock()
	s.zs().propagation = d
	s.mu.Unlock()
}

// SetNameserverDelay makes the listener of one nameserver (a name from a
// zone's Nameservers) serve every change d later than the others.
func (s *Server) SetNameserverDelay(nameserver string, d time.Duration) {
	s.mu.Lock()
	s.zs().nsDelay[dnsserver.Canonical(nameserver)] = d
	s.mu.Unlock()
}
