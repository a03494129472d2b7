// Package cloudflaretest is an in-process simulator of the parts of the
// Cloudflare API v4 that assemble uses — token verification, zones and DNS
// records — together with an authoritative DNS server that serves exactly
// what the simulator stores.
//
// The HTTP side speaks Cloudflare's {success, errors, messages, result,
// result_info} envelope with the vendor's error codes (81057/81058 for
// duplicate records, 81053/81054 for CNAME clashes, 81044 for a missing
// record, 7003 for an unknown zone, 9109 for a refused token, 971 for the
// 1200-requests-per-5-minutes limit), expands relative record names to FQDNs
// as Cloudflare does, and pages lists with an empty page past the end. Its
// responses are checked against Cloudflare's published OpenAPI description in
// this package's contract test.
//
// The DNS side answers on loopback UDP and TCP with the AA bit set. Each
// nameserver name a zone lists gets its own listener, so tests can make one
// nameserver lag behind the others (SetNameserverDelay) and see dns.Verify
// name it. Proxied records are answered with proxy addresses from the
// documentation ranges (203.0.113.0/24, 2001:db8::/32), as Cloudflare answers
// with its own edge addresses; nothing ever dials them.
//
// Like every simulator in assemble, it exposes sim.Knobs for latency, fault
// injection and a request log.
package cloudflaretest
