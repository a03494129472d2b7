package registry

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// ProofTTL is how long a Proof stands in for Ensure's own check: long
// enough to span a recipe's preflight and its registry step, short enough
// never to outlive the run.
const ProofTTL = 30 * time.Second

// Proof records that reads alone proved a login may push: the registry's
// token listed push for the repository. Ensure given it (WithProof) for
// the same spec, while it is fresh, checks offline only.
type Proof struct {
	key string // the spec's server, image, user and a hash of its password
	at  time.Time
}

// Prove checks spec offline and its credentials with reads only — what
// Plan does — so that a recipe's preflight refuses a wrong password or a
// login without push before any step changes anything. It returns a Proof
// when those reads also proved push permission (the token listed push),
// and nil when only Ensure's upload check can tell (Basic auth, opaque
// tokens, WithUploadCheck, Kamal's local registry).
func Prove(ctx context.Context, spec Spec, opts ...Option) (*Proof, error) {
	o := newOptions(opts)
	t, err := spec.resolve()
	if err != nil {
		return nil, fmt.Errorf("check %s %q: %w", Kind, describe(spec), err)
	}
	if t.local {
		return nil, nil
	}
	pushKnown, err := checkLogin(ctx, spec, t, o)
	if err != nil {
		return nil, fmt.Errorf("check %s %q: %w", Kind, t.repository(), err)
	}
	if !pushKnown {
		return nil, nil
	}
	return &Proof{key: proofKey(spec, t), at: o.now()}, nil
}

// proves reports whether p proves spec's push permission now.
func (p *Proof) proves(spec Spec, t target, now time.Time) bool {
	if p == nil || p.key != proofKey(spec, t) {
		return false
	}
	age := now.Sub(p.at)
	return age >= 0 && age <= ProofTTL
}

// proofKey names the spec a Proof is for. The password enters through an
// HMAC under a key made afresh by each process, so a Proof that gets
// printed gives nothing away.
func proofKey(spec Spec, t target) string {
	m := hmac.New(sha256.New, proofSecret)
	m.Write([]byte(spec.Password.Reveal()))
	return t.server + "\x00" + t.image + "\x00" + spec.Username + "\x00" + hex.EncodeToString(m.Sum(nil))
}

var proofSecret = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

// String describes the Proof without its key.
func (p *Proof) String() string {
	if p == nil {
		return "registry.Proof(nil)"
	}
	return "registry.Proof(" + p.at.Format(time.RFC3339) + ")"
}

// WithProof gives Ensure what Prove found moments ago: when p proves the
// same spec's push permission and is no older than ProofTTL, Ensure checks
// the spec offline only and sends nothing. A nil, stale or foreign Proof is
// ignored.
func WithProof(p *Proof) Option { return func(o *options) { o.proof = p } }
