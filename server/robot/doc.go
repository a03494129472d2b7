// Package robot provides dedicated servers on Hetzner Robot
// (robot-ws.your-server.de) as a server.Provider, and a small client for
// the Robot webservice.
//
// Ensure works on a server you already rent — chosen with WithServerNumber
// or by its Robot name (Spec.Name) — or orders one, but only when WithOrder
// asks for it explicitly. It uploads the SSH key (found by its MD5
// fingerprint), sets the server's stateless firewall to the spec's inbound
// rules plus the rules replies to outbound traffic need, waits while Robot
// applies it, and then waits until SSH answers with an accepted host key.
// Destroy never cancels a server: it removes the firewall rules and the key
// this recipe set.
//
// # Ownership
//
// Robot has no labels, so what is ours is marked by name:
//
//   - an SSH key this package uploads is named "<SSHKeyName> (assemble:<owner>)";
//     a key already in Robot under another name is used and never deleted;
//   - firewall rules it sets are named "assemble:<owner> <what>"; rules with
//     other names are kept, after ours;
//   - an order carries the comment "assemble:<owner>/<name>", so a run cut off
//     while Hetzner prepares the server finds its order instead of placing a
//     second one, and the server is then given the spec's name.
//
// # The firewall is stateless
//
// Robot's firewall filters every inbound packet on its own: allowing only
// TCP 22, 80 and 443 in would also drop the answers to the server's own
// connections, and apt, DNS and docker pull would hang. Ensure therefore
// adds three rules of its own: TCP with the ACK flag to the ephemeral ports
// 32768-65535 (replies to outbound TCP; a new connection's first packet has
// no ACK), UDP to 32768-65535 (DNS and NTP answers) and ICMP (path-MTU
// discovery and ping). IPv6 filtering is switched on, so an IPv6-only server
// is protected as well.
//
// # Host keys
//
// Robot cannot install a host key chosen in advance, so the key the server
// presents on first contact is checked by the caller: WithPinnedHostKey for a
// key known from before (Server.HostKey of an earlier run), or
// WithHostKeyCallback to be shown the key and accept or refuse it. For a
// server this package ordered, Robot reports the host key fingerprints in the
// order transaction, and a matching key is accepted without either option.
// A key is never trusted silently.
package robot
