// Package hetzner is the dns.Provider for Hetzner DNS, which lives in the
// Hetzner Cloud API as zones and RRsets (hcloud-go's ZoneClient).
//
// Ensure finds the zone by the longest suffix of the record name (every
// candidate looked up at once; the first read also proves the token),
// requires it to be a primary zone, and only then changes anything.
// Validate, which the Recipe runs for every step before anything changes,
// makes that look-up itself, so a refused token or an unknown zone stops
// the run before any step has changed anything; the zone it found is taken
// by the Ensure that follows for the same record instead of being
// looked up again, once and only while fresh (internal/prime). The RRsets
// are always read by Ensure itself.
//
// Ownership. Hetzner groups records into RRsets (one name and type, several
// values), so the provider marks ownership at two levels:
//
//   - each record (value) it makes carries the comment OwnerComment(owner);
//     records without it are round-robin neighbours and are never changed
//     or removed, whoever else they belong to;
//   - an RRset it creates carries the label OwnerLabel=owner (the key
//     server.OwnerLabel uses), so a recipe's RRsets can be found by label
//     selector, and the RRset's TTL (shared by all its records) is set only
//     on an RRset labelled ours.
//
// Ensure, on the RRset at the spec's name and type:
//
//   - no RRset: create it with our record and label — Created;
//   - our record(s) present, or the RRset labelled ours: add our address if
//     no record has it (add_records), remove our records with other
//     addresses (remove_records), set the TTL when the RRset is labelled
//     ours, label it if it has no owner — the neighbours stay exactly as
//     they were (a neighbour that already has our address is used as it
//     is);
//   - no record of ours but an unowned record with our address: used as it
//     is — Unchanged — and never deleted by Destroy;
//   - only unowned records with other addresses: a *ConflictError
//     (ensure.ErrConflict), nothing changed — unless spec.Adopt, which takes
//     over the first record not marked by another recipe (its value becomes
//     ours, the others stay) and labels the RRset if it has no owner;
//   - a CNAME at the name: a *ConflictError.
//
// Destroy removes only records with our comment (Hetzner deletes an RRset
// left empty) and takes our label off an RRset whose neighbours remain.
//
// Crash safety: mutating calls go out on a client without hcloud-go's
// retries; after any failure the provider looks again and decides again, so
// a create whose answer was lost is found, not repeated (a 409
// uniqueness_error means the same). 429 answers are waited out as
// Retry-After (or RateLimit-Reset) says before anything else sees them.
//
// By default Ensure returns only once every nameserver in the zone's
// authoritative_nameservers.assigned serves the address (dns.Verify);
// WithVerify points that check at other addresses (a simulator's
// NameserverAddrs), WithoutVerify turns it off.
package hetzner
