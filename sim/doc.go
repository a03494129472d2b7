// Package sim holds what every assemble simulator shares: a request log with
// counts, per-request latency, and fault injection by method and path.
//
// A simulator (hetznertest, cloudflaretest, s3test, registrytest, robottest)
// wraps its vendor handler with a Knobs and exposes it, so tests of any
// vendor speak the same language:
//
//	k := srv.Knobs()
//	k.Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "POST", Path: "/v1/servers"})
//	... run Ensure ...
//	if n := k.Mutating(); n != 0 { t.Fatalf("%d mutating requests", n) }
//
// Faults come in the kinds a real network and a real vendor produce: an error
// before anything was committed, a commit whose response is lost, a 429 with
// Retry-After, and a response slower than the client's timeout.
package sim
