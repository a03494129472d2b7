// Package server is the server ingredient: what a server is (Spec, Server),
// the interfaces a server provider implements (Provider, Planner, Destroyer,
// Estimator), the firewall rules every server sits behind, the cloud-init
// user data that pins the host key before first boot, and the SSH wait that
// checks the host answers with that key.
//
// Providers live in sibling packages named after the vendor (server/hetzner).
// This package imports no vendor SDK.
//
// The host key is pinned without local state: the SDK generates an ed25519
// host key, hands its private half to the machine only through cloud-init user
// data, and keeps the SHA256 fingerprint of its public half on the server
// itself (a label, see HostKeyLabel). Every later run compares what the host
// presents with that fingerprint, so a run killed between "server created" and
// "SSH verified" is finished by the next one, and the private key is never
// needed again.
package server
