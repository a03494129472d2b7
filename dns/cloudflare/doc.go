// Package cloudflare is the dns.Provider for Cloudflare, built on
// cloudflare-go v7 with only its zones and DNS-record services and explicit
// options, so no CLOUDFLARE_* environment variable is ever read behind the
// caller's back.
//
// Ensure finds the zone by the longest suffix of the record name, checks
// that the token verifies and the zone is active before any mutating call,
// and then touches only records whose comment carries the recipe's mark
// (OwnerComment). Validate, which the Recipe runs for every step before
// anything changes, makes the token check and the zone look-up itself, in
// one round, so a refused token or a missing zone stops the run before any
// step has changed anything; the zone it found is taken by the Ensure (or
// Plan) that follows for the same record instead of being looked up again,
// once and only while fresh (internal/prime). The records are always read
// by Ensure itself. Creates are never retried blindly: the SDK's retries are
// off for them, and after any failure the provider looks again before it
// creates again (Cloudflare's 81057/81058 mean "it's there: look again").
// Updates are PATCHes of the fields that differ. When two runs raced and
// both created the record, the extra is deleted deterministically: the
// oldest record (then the lowest ID) is kept.
//
// By default Ensure returns only once every authoritative nameserver of the
// zone serves the address (dns.Verify); WithVerify points that check at
// other addresses, WithoutVerify turns it off.
package cloudflare
