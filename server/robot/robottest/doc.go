// Package robottest is an in-process, stateful simulator of the Hetzner Robot
// webservice (robot-ws.your-server.de), for tests and the sandbox.
//
// It speaks the parts of the API that assemble uses: dedicated servers
// (GET /server, /server/{number}), SSH keys (/key, /key/{md5-fingerprint}),
// the stateless firewall (GET/POST/DELETE /firewall/{number}, with the
// "in process" phase while a change is applied), and server orders
// (/order/server/product, /order/server/transaction, including test=true).
// It behaves like the vendor where tests care: HTTP Basic auth with three
// failed logins blocking the client address, per-endpoint rate limits
// answered with 403 RATE_LIMIT_EXCEEDED, form-encoded requests, and the
// {"error":{"status","code","message"}} envelope with Robot's error codes.
//
// Latency, fault injection and the request log come from sim.Knobs, reached
// through Robot.Knobs.
//
// Server addresses it hands out are documentation addresses (203.0.113.0/24,
// 2001:db8::/32) unless WithAddresses says otherwise; never dial them — map
// them to loopback with a dialer, or give loopback addresses to AddServer.
package robottest
