package cloudflaretest

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// Zone is a zone as the simulator stores it.
type Zone struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	NameServers []string  `json:"name_servers"`
	CreatedOn   time.Time `json:"created_on"`
}

// Record is a DNS record as the simulator stores it.
type Record struct {
	ID         string    `json:"id"`
	ZoneID     string    `json:"zone_id"`
	Name       string    `json:"name"`
	Type       string    `json:"type"`
	Content    string    `json:"content"`
	TTL        int       `json:"ttl"`
	Proxied    bool      `json:"proxied"`
	Comment    string    `json:"comment"`
	CreatedOn  time.Time `json:"created_on"`
	ModifiedOn time.Time `json:"modified_on"`
}

type zone = Zone
type record = Record

type tokenInfo struct {
	ID       string   `json:"id"`
	Status   string   `json:"status"`
	Zones    []string `json:"zones,omitempty"`
	ReadOnly bool     `json:"read_only,omitempty"`
}

// version is what DNS serves for one record from a point in time on; a nil
// rec means the record is gone.
type version struct {
	at  time.Time
	rec *Record
}

// ZoneOption configures a zone added with AddZone.
type ZoneOption func(*Zone)

// ZoneStatus sets the zone's status: "active" (the default), "pending",
// "initializing" or "moved".
func ZoneStatus(status string) ZoneOption { return func(z *Zone) { z.Status = status } }

// ZoneNameservers sets the zone's nameserver names; by default
// "ada.ns.cloudflare.com" and "bob.ns.cloudflare.com".
func ZoneNameservers(names ...string) ZoneOption {
	return func(z *Zone) { z.NameServers = append([]string(nil), names...) }
}

// ZoneID sets the zone's ID instead of a random one.
func ZoneID(id string) ZoneOption { return func(z *Zone) { z.ID = id } }

// AddZone adds a zone to the account and returns it. Each of its nameserver
// names gets a DNS listener (see NameserverAddrs). It panics if name is
// already a zone or a listener can't start, as test setup should.
func (s *Server) AddZone(name string, opts ...ZoneOption) Zone {
	z := Zone{
		ID:          randomHex(16),
		Name:        canonical(name),
		Status:      "active",
		NameServers: []string{"ada.ns.cloudflare.com", "bob.ns.cloudflare.com"},
	}
	for _, o := range opts {
		o(&z)
	}
	for i, ns := range z.NameServers {
		z.NameServers[i] = canonical(ns)
		if err := s.ensureNSListener(z.NameServers[i]); err != nil {
			panic(fmt.Sprintf("cloudflaretest: start dns listener for %s: %v", ns, err))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.zones {
		if o.Name == z.Name {
			panic("cloudflaretest: zone " + z.Name + " already exists")
		}
	}
	z.CreatedOn = s.now()
	s.zones[z.ID] = &z
	s.zoneSeq = append(s.zoneSeq, z.ID)
	return cloneZone(&z)
}

// Zones returns a snapshot of every zone, in creation order.
func (s *Server) Zones() []Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Zone, 0, len(s.zoneSeq))
	for _, id := range s.zoneSeq {
		out = append(out, cloneZone(s.zones[id]))
	}
	return out
}

// SetZoneStatus changes a zone's status.
func (s *Server) SetZoneStatus(zoneName, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z := s.zoneByNameLocked(zoneName); z != nil {
		z.Status = status
	}
}

// AddRecord stores a record directly, bypassing the API and its checks: use
// it to seed foreign records, round-robin neighbours or duplicates. Zone is
// the zone's name or ID; a relative or empty name is expanded; TTL 0 becomes
// 1 (automatic). The record is visible in DNS at once. It returns the stored
// record and panics if the zone is unknown.
func (s *Server) AddRecord(zoneNameOrID string, r Record) Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zones[zoneNameOrID]
	if z == nil {
		z = s.zoneByNameLocked(zoneNameOrID)
	}
	if z == nil {
		panic("cloudflaretest: no zone " + zoneNameOrID)
	}
	r.ZoneID = z.ID
	r.Name = expandName(r.Name, z.Name)
	r.Type = strings.ToUpper(r.Type)
	if r.Type == "" {
		r.Type = "A"
	}
	if r.TTL == 0 {
		r.TTL = 1
	}
	if r.ID == "" {
		r.ID = randomHex(16)
	}
	now := s.now()
	if r.CreatedOn.IsZero() {
		r.CreatedOn = now
	}
	if r.ModifiedOn.IsZero() {
		r.ModifiedOn = r.CreatedOn
	}
	rec := r
	s.records[rec.ID] = &rec
	s.recSeq = append(s.recSeq, rec.ID)
	cp := rec
	s.dnsHist[rec.ID] = []version{{at: time.Time{}, rec: &cp}}
	return rec
}

// Records returns a snapshot of the records of a zone (by name or ID), in
// creation order; all records when zone is "".
func (s *Server) Records(zoneNameOrID string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	zid := ""
	if zoneNameOrID != "" {
		if z := s.zones[zoneNameOrID]; z != nil {
			zid = z.ID
		} else if z := s.zoneByNameLocked(zoneNameOrID); z != nil {
			zid = z.ID
		} else {
			return nil
		}
	}
	var out []Record
	for _, id := range s.recSeq {
		r := s.records[id]
		if zid == "" || r.ZoneID == zid {
			out = append(out, *r)
		}
	}
	return out
}

// state is what Save writes and Load reads.
type state struct {
	Zones   []Zone                `json:"zones"`
	Records []Record              `json:"records"`
	Tokens  map[string]*tokenInfo `json:"tokens"`
}

// Save writes the simulator's zones, records and tokens as JSON, so that a
// sandbox world can persist between runs. The file holds the tokens: keep it
// private.
func (s *Server) Save(w io.Writer) error {
	s.mu.Lock()
	st := state{Tokens: map[string]*tokenInfo{}}
	for _, id := range s.zoneSeq {
		st.Zones = append(st.Zones, cloneZone(s.zones[id]))
	}
	for _, id := range s.recSeq {
		st.Records = append(st.Records, *s.records[id])
	}
	for k, v := range s.tokens {
		cp := *v
		st.Tokens[k] = &cp
	}
	s.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(st); err != nil {
		return fmt.Errorf("save cloudflare simulator state: %w", err)
	}
	return nil
}

// Load replaces the simulator's zones, records and tokens with what Save
// wrote. Loaded records are visible in DNS at once. The token given with
// WithToken (or generated) stays valid.
func (s *Server) Load(r io.Reader) error {
	var st state
	if err := json.NewDecoder(r).Decode(&st); err != nil {
		return fmt.Errorf("load cloudflare simulator state: %w", err)
	}
	for _, z := range st.Zones {
		for _, ns := range z.NameServers {
			if err := s.ensureNSListener(canonical(ns)); err != nil {
				return fmt.Errorf("load cloudflare simulator state: %w", err)
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones, s.zoneSeq = map[string]*zone{}, nil
	s.records, s.recSeq = map[string]*record{}, nil
	s.dnsHist = map[string][]version{}
	for _, z := range st.Zones {
		zc := cloneZone(&z)
		s.zones[zc.ID] = &zc
		s.zoneSeq = append(s.zoneSeq, zc.ID)
	}
	for _, r := range st.Records {
		rc := r
		s.records[rc.ID] = &rc
		s.recSeq = append(s.recSeq, rc.ID)
		cp := rc
		s.dnsHist[rc.ID] = []version{{rec: &cp}}
	}
	own := s.tokens[s.cfg.token]
	s.tokens = map[string]*tokenInfo{}
	for k, v := range st.Tokens {
		s.tokens[k] = v
	}
	if _, ok := s.tokens[s.cfg.token]; !ok && own != nil {
		s.tokens[s.cfg.token] = own
	}
	return nil
}

// SaveFile writes Save's output to path with mode 0600.
func (s *Server) SaveFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("save cloudflare simulator state: %w", err)
	}
	if err := s.Save(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadFile reads a file SaveFile wrote.
func (s *Server) LoadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load cloudflare simulator state: %w", err)
	}
	defer f.Close()
	return s.Load(f)
}

func (s *Server) zoneByNameLocked(name string) *zone {
	name = canonical(name)
	for _, id := range s.zoneSeq {
		if s.zones[id].Name == name {
			return s.zones[id]
		}
	}
	return nil
}

// now returns strictly increasing times, so that created_on orders records
// even when two are made within the clock's resolution.
func (s *Server) now() time.Time {
	t := time.Now().UTC().Truncate(time.Microsecond)
	if !t.After(s.lastTime) {
		t = s.lastTime.Add(time.Microsecond)
	}
	s.lastTime = t
	return t
}

func cloneZone(z *Zone) Zone {
	c := *z
	c.NameServers = slices.Clone(z.NameServers)
	return c
}

// canonical lowercases a DNS name and strips the trailing dot.
func canonical(name string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
}

// expandName turns a record name given to the API into the FQDN Cloudflare
// stores: "@" and "" are the apex, a name that doesn't end in the zone gets
// the zone appended.
func expandName(name, zoneName string) string {
	n := canonical(name)
	switch {
	case n == "" || n == "@":
		return zoneName
	case n == zoneName || strings.HasSuffix(n, "."+zoneName):
		return n
	default:
		return n + "." + zoneName
	}
}
