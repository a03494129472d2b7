package robottest

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"time"

	"golang.org/x/crypto/ssh"
)

// state is everything the simulated account holds; Save and Load write and
// read it as JSON.
type state struct {
	Servers      map[int]*serverState         `json:"servers"`
	Keys         map[string]*keyState         `json:"keys"`
	Transactions map[string]*transactionState `json:"transactions"`
	Products     []Product                    `json:"products"`
	NextServer   int                          `json:"next_server"`
	NextTxn      int                          `json:"next_transaction"`
}

type serverState struct {
	Server
	HostKeySeed []byte         `json:"host_key_seed"`
	Authorized  []string       `json:"authorized_keys"` // authorized_keys lines
	Firewall    *firewallState `json:"firewall"`
}

type keyState struct {
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	Type        string    `json:"type"`
	Size        int       `json:"size"`
	Data        string    `json:"data"`
	CreatedAt   time.Time `json:"created_at"`
}

type transactionState struct {
	ID          string    `json:"id"`
	Date        time.Time `json:"date"`
	ReadyAt     time.Time `json:"ready_at"`
	Status      string    `json:"status"`
	ProductID   string    `json:"product_id"`
	Location    string    `json:"location"`
	Dist        string    `json:"dist"`
	Lang        string    `json:"lang"`
	Comment     string    `json:"comment"`
	Addons      []string  `json:"addons"`
	Keys        []string  `json:"authorized_keys"` // fingerprints
	ServerNum   int       `json:"server_number"`
	Test        bool      `json:"-"`
	HostKeySeed []byte    `json:"host_key_seed"`
}

// Server is a dedicated server in the simulated account.
type Server struct {
	// Number is Robot's server number; AddServer assigns one when zero.
	Number int `json:"number"`
	// Name is the server name set in Robot (may be empty).
	Name string `json:"name"`
	// IPv4 is the main IPv4 address; the zero Addr for an IPv6-only server.
	IPv4 netip.Addr `json:"ipv4"`
	// IPv6 is the server's /64.
	IPv6 netip.Prefix `json:"ipv6"`
	// Product is the product name, such as "AX41-NVMe".
	Product string `json:"product"`
	// DC is the data center, such as "FSN1-DC14".
	DC string `json:"dc"`
	// Status is "ready" or "in process".
	Status string `json:"status"`
	// Cancelled marks a cancelled server.
	Cancelled bool `json:"cancelled"`
}

func newState() *state {
	return &state{
		Servers:      map[int]*serverState{},
		Keys:         map[string]*keyState{},
		Transactions: map[string]*transactionState{},
		Products:     DefaultProducts(),
		NextServer:   100001,
		NextTxn:      1,
	}
}

// AddServer seeds a server into the account and returns it as stored (with
// its number and addresses filled in). Its firewall starts disabled and
// empty, and it gets a fresh ed25519 host key (see HostKey).
func (r *Robot) AddServer(s Server) Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addServerLocked(s, true).Server
}

func (r *Robot) addServerLocked(s Server, withV4 bool) *serverState {
	if s.Number == 0 {
		s.Number = r.st.NextServer
	}
	if s.Number >= r.st.NextServer {
		r.st.NextServer = s.Number + 1
	}
	if !s.IPv4.IsValid() && !s.IPv6.IsValid() {
		v4, v6 := r.addresses(s.Number)
		if withV4 {
			s.IPv4 = v4
		}
		s.IPv6 = v6
	}
	if s.Product == "" {
		s.Product = "AX41-NVMe"
	}
	if s.DC == "" {
		s.DC = "FSN1-DC14"
	}
	if s.Status == "" {
		s.Status = "ready"
	}
	ss := &serverState{Server: s, HostKeySeed: newHostKey().Seed(), Firewall: newFirewall()}
	r.st.Servers[s.Number] = ss
	return ss
}

// Servers returns the servers in the account, by number.
func (r *Robot) Servers() []Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Server, 0, len(r.st.Servers))
	for _, s := range r.st.Servers {
		out = append(out, s.Server)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// HostKey returns the SSH host key of a server, so a harness can run an SSH
// server that presents it; nil for an unknown server.
func (r *Robot) HostKey(number int) ssh.Signer {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Servers[number]
	if s == nil {
		return nil
	}
	sg, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(s.HostKeySeed))
	if err != nil {
		return nil
	}
	return sg
}

// AuthorizedKeys returns the authorized_keys lines installed on a server by
// its order.
func (r *Robot) AuthorizedKeys(number int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.st.Servers[number]; s != nil {
		return append([]string(nil), s.Authorized...)
	}
	return nil
}

// Save writes the simulated account (servers, keys, firewalls, orders, host
// keys) to path as JSON.
func (r *Robot) Save(path string) error {
	r.mu.Lock()
	b, err := json.MarshalIndent(r.st, "", "  ")
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("save robot simulator: %w", err)
	}
	return os.WriteFile(path, b, 0o600)
}

// Load replaces the simulated account with one written by Save.
func (r *Robot) Load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("load robot simulator: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(b, st); err != nil {
		return fmt.Errorf("load robot simulator %s: %w", path, err)
	}
	r.mu.Lock()
	r.st = st
	r.mu.Unlock()
	return nil
}
