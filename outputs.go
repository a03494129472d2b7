package assemble

import (
	"maps"
	"sync"
	"time"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/sshkey"
	"github.com/assemblekit/assemble/storage"
)

// Outputs is what a run produced, one typed field per ingredient. A field is
// nil when the recipe has no such step or the step didn't finish.
type Outputs struct {
	// Recipe is the recipe's name (Kamal's service).
	Recipe string
	// SSHKey is the key the recipe logs in with.
	SSHKey *sshkey.Key
	// Server is the server, reachable over SSH with its pinned host key.
	Server *server.Server
	// Bucket is the app's bucket and the credentials to reach it.
	Bucket *storage.Bucket
	// Record is the A record pointing at the server, verified at the zone's
	// authoritative nameservers.
	Record *dns.Record
	// RecordAAAA is the AAAA record, when the recipe asks for one.
	RecordAAAA *dns.Record
	// Registry is the registry login, proven to push to the image
	// repository.
	Registry *registry.Login
	// Secrets says where the deployment's secrets are stored.
	Secrets *StoredSecrets
	// Builder is the remote Docker builder.
	Builder *builder.Builder

	mu    sync.Mutex
	steps []StepResult
	// addr is a copy of the server as it was when its address became
	// known (MilestoneServerAddress): what steps started on that
	// milestone read, while the server step still fills in Server.
	addr *server.Server
}

// StepResult is how one step of a run ended.
type StepResult struct {
	Step    string
	Op      ensure.Op
	Elapsed time.Duration
	// Changes is the step's plan (Plan) or what it removed (Destroy).
	Changes ensure.Changes
}

func newOutputs(name string) *Outputs { return &Outputs{Recipe: name} }

func (o *Outputs) record(r StepResult) {
	o.mu.Lock()
	o.steps = append(o.steps, r)
	o.mu.Unlock()
}

// setServerAddress keeps a copy of srv for the steps that start once the
// server's address is known, unless one is kept already; it reports
// whether it kept this one.
func (o *Outputs) setServerAddress(srv *server.Server) bool {
	if srv == nil {
		return false
	}
	cp := *srv
	cp.Labels = maps.Clone(srv.Labels)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.addr != nil {
		return false
	}
	o.addr = &cp
	return true
}

// serverAddress returns the copy setServerAddress kept, or nil.
func (o *Outputs) serverAddress() *server.Server {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.addr
}

// Steps returns the results of the steps that finished, in the order they
// finished.
func (o *Outputs) Steps() []StepResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]StepResult(nil), o.steps...)
}

// Op returns what the named step did, or "" if it didn't finish.
func (o *Outputs) Op(step string) ensure.Op {
	for _, s := range o.Steps() {
		if s.Step == step {
			return s.Op
		}
	}
	return ""
}
