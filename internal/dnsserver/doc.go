// Package dnsserver is the authoritative DNS listener the DNS simulators
// share (dns/cloudflare/cloudflaretest, server/hetzner/hetznertest): one
// miekg/dns server on a loopback UDP and TCP port that answers from a zone
// snapshot its owner hands it for every query, with the AA bit, SOA in the
// authority section of negative answers, NXDOMAIN versus NODATA, and REFUSED
// for names outside every zone. What a zone holds, and when a change becomes
// visible to which nameserver, stays with the simulator.
package dnsserver
