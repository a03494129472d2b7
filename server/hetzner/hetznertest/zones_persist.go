package hetznertest

import (
	"slices"
	"strings"
)

// saveZones returns every zone and RRset for a snapshot. Callers hold s.mu.
func (s *Server) saveZones() ([]ZoneRecord, []RRSetRecord) {
	if s.dns == nil {
		return nil, nil
	}
	d := s.zs()
	var zones []ZoneRecord
	var sets []RRSetRecord
	for _, id := range sortedIDs(d.zones) {
		zones = append(zones, cloneZone(d.zones[id]))
		var zs []RRSetRecord
		for _, rs := range d.rrsets[id] {
			zs = append(zs, cloneRRSet(rs))
		}
		slices.SortFunc(zs, func(a, b RRSetRecord) int { return strings.Compare(a.ID(), b.ID()) })
		sets = append(sets, zs...)
	}
	return zones, sets
}

// loadZones replaces every zone and RRset, all visible to DNS at once.
// Callers hold s.mu.
func (s *Server) loadZones(zones []ZoneRecord, sets []RRSetRecord) {
	d := s.zs()
	d.zones, d.rrsets, d.hist = map[int64]*ZoneRecord{}, map[int64]map[string]*RRSetRecord{}, map[int64]map[string][]rrVersion{}
	for _, z := range zones {
		c := cloneZone(&z)
		d.zones[c.ID] = &c
		d.rrsets[c.ID] = map[string]*RRSetRecord{}
	}
	for _, rs := range sets {
		if d.rrsets[rs.Zone] == nil {
			continue
		}
		c := cloneRRSet(&rs)
		d.rrsets[c.Zone][c.ID()] = &c
		s.recordNow(c.Zone, c.ID(), &c)
	}
}
