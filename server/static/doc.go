// Package static is a server.Provider for a host you already have: a
// machine reached over SSH at a fixed address, which assemble neither
// creates nor destroys.
//
// Ensure logs in over SSH, checks the host key before anything else, runs
// "uname -m" to learn the CPU architecture, and returns the host as a
// *server.Server. It always reports ensure.Unchanged: nothing is created.
// Plan runs the same read-only check; Destroy never touches the host.
//
//	p := static.New("203.0.113.7",
//		static.WithHostKeyLine("ssh-ed25519 AAAAC3Nza…"),
//		static.WithSigner(key.Signer()))
//	srv, op, err := p.Ensure(ctx, server.Spec{Name: "web"})
//
// # Host keys
//
// The host key is never trusted silently. Give it one of these ways:
//
//   - pinned: WithHostKey or WithHostKeyLine (an authorized_keys or
//     known_hosts line, e.g. a Server.HostKey of an earlier run, or a line
//     from ssh-keyscan that you checked);
//   - from OpenSSH known_hosts files: WithKnownHosts (hashed entries work);
//   - trust on first use, only when asked: WithTrustOnFirstUse shows the
//     key the host presents to a callback that must accept it. With
//     WithKnownHosts it is asked only for a host the files don't know; a
//     host they know with another key is refused, never offered to the
//     callback.
//
// A key that doesn't match fails with a *server.HostKeyMismatchError
// (ensure.ErrConflict) before authentication, so no command runs on a host
// that is not the one expected. A host key that can't be verified at all is
// a *HostKeyError (ensure.ErrPrecondition) carrying the presented key, so a
// caller can show it and pin it.
//
// When several host keys are known for the host, the key exchange asks for
// their algorithms in OpenSSH's order (ed25519 first), so a host with
// ed25519, ECDSA and RSA keys presents the one recorded.
//
// # Login
//
// Server.Spec.SSHKey is a public key; logging in needs its private half.
// Pass it with WithSigner, or let an SSH agent sign (WithAgent). When the
// spec names SSHKey (the Recipe fills it with its own key), only signers
// for that key are offered, so what Ensure proves is that the key later
// steps log in with is authorized on the host; with no matching signer,
// Ensure fails with ensure.ErrInvalidSpec before connecting.
//
// The rest of server.Spec (type, location, image, firewall, labels) does not
// apply to a host you already have and is ignored: in particular no firewall
// is set up; put the host behind one yourself.
package static
