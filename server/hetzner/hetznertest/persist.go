package hetznertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

type snapshot struct {
	Version   int              `json:"version"`
	NextID    int64            `json:"next_id"`
	NextIP    int              `json:"next_ip"`
	Servers   []ServerRecord   `json:"servers"`
	Firewalls []FirewallRecord `json:"firewalls"`
	SSHKeys   []SSHKeyRecord   `json:"ssh_keys"`
	Zones     []ZoneRecord     `json:"zones,omitempty"`
	RRSets    []RRSetRecord    `json:"rrsets,omitempty"`
}

// Save writes the simulated world (servers, firewalls, SSH keys, DNS zones
// with their RRsets, and the ID and address counters) as JSON. Running actions are finished first: a
// saved world is at rest. The JSON holds servers' user data, which holds
// their host keys: keep the file private.
func (s *Server) Save(w io.Writer) error {
	s.mu.Lock()
	for _, a := range s.actions {
		if a.Status == "running" {
			s.finish(a, a.Due)
		}
	}
	snap := snapshot{Version: 1, NextID: s.nextID, NextIP: s.nextIP}
	for _, id := range sortedIDs(s.servers) {
		snap.Servers = append(snap.Servers, cloneServer(s.servers[id]))
	}
	for _, id := range sortedIDs(s.firewalls) {
		snap.Firewalls = append(snap.Firewalls, cloneFirewall(s.firewalls[id]))
	}
	for _, id := range sortedIDs(s.keys) {
		snap.SSHKeys = append(snap.SSHKeys, *s.keys[id])
	}
	snap.Zones, snap.RRSets = s.saveZones()
	s.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(snap); err != nil {
		return fmt.Errorf("save hetzner simulator: %w", err)
	}
	return nil
}

// Load replaces the simulated world with one written by Save, then runs the
// OnBoot hooks for every server in it (register hooks before Load), so a
// sandbox can attach hosts again.
func (s *Server) Load(r io.Reader) error {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("load hetzner simulator: %w", err)
	}
	if snap.Version != 1 {
		return fmt.Errorf("load hetzner simulator: unknown version %d", snap.Version)
	}
	s.mu.Lock()
	s.servers, s.firewalls, s.keys, s.actions = map[int64]*serverState{}, map[int64]*firewallState{}, map[int64]*sshKeyState{}, map[int64]*actionState{}
	s.nextID, s.nextIP = snap.NextID, snap.NextIP
	var boots []Boot
	for _, r := range snap.Servers {
		c := cloneServer(&r)
		s.servers[c.ID] = &c
		boots = append(boots, Boot{ID: c.ID, Name: c.Name, Type: c.Type, IPv4: c.IPv4, IPv6: c.IPv6, UserData: c.UserData, Arch: c.Arch, Image: c.Image, Labels: c.Labels})
	}
	for _, r := range snap.Firewalls {
		c := cloneFirewall(&r)
		s.firewalls[c.ID] = &c
	}
	for _, r := range snap.SSHKeys {
		c := r
		s.keys[c.ID] = &c
	}
	s.loadZones(snap.Zones, snap.RRSets)
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	var errs []error
	for _, b := range boots {
		for _, h := range hooks {
			if err := h(context.Background(), b); err != nil {
				errs = append(errs, fmt.Errorf("boot server %q: %w", b.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// SaveFile is Save to a file, written 0600 through a temporary file.
func (s *Server) SaveFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hetznertest-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := s.Save(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadFile is Load from a file; a missing file leaves the world empty and
// is not an error.
func (s *Server) LoadFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return s.Load(f)
}
