// Package sshx runs commands on remote hosts over SSH for the rest of
// assemble: the builder ingredient, the server providers' "is it up yet"
// waits, and anything else that has to touch a host.
//
// The host key is always checked: pin it (Config.HostKey) or pass a callback
// (Config.HostKeyCallback, e.g. KnownHosts or an explicit TrustOnFirstUse).
// A key that does not match fails Dial with a *HostKeyError, before any
// command runs. Commands return their exit status as an *ExitError whose
// stderr is truncated and scrubbed of the secrets the caller named; output is
// never logged. A Pool keeps one connection per host and reuses it.
package sshx
