// Package dns is the domain ingredient of assemble: an A (or AAAA) record
// that points a name at the server, and the proof that the zone's
// authoritative nameservers actually serve it.
//
// RecordSpec says what the record must be; a Provider (dns/cloudflare, for
// instance) makes it so with Ensure, and may also implement Planner and
// Destroyer. Records carry an ownership mark naming the recipe, so that a
// provider only ever changes or deletes its own records: round-robin
// neighbours and records that other people made are left alone, and an
// unowned record in the way is an ensure.ErrConflict unless the spec says to
// adopt it.
//
// Verify asks each authoritative nameserver directly — no recursion, the AA
// bit required — until all of them answer with the expected address. Let's
// Encrypt asks the same servers during `kamal setup`, so this is the check
// that matters; it also catches a record proxied by the DNS provider, which
// is answered with the provider's own addresses.
package dns
