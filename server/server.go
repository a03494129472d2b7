package server

import (
	"net"
	"net/netip"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/internal/knownhosts"
)

// Server is a server as it exists, with what Kamal and SSH need to reach it.
type Server struct {
	ID   string
	Name string
	// IPv4 is the primary public IPv4 address; invalid when the server has
	// none.
	IPv4 netip.Addr
	// IPv6 is the server's /64; invalid when it has none.
	IPv6 netip.Prefix
	// Arch is the CPU architecture as Docker names it: "amd64" or "arm64".
	Arch string
	// SSHAddr is host:port for SSH, e.g. "203.0.113.7:22".
	SSHAddr string
	// User is the login user.
	User string
	// HostKey is the host's public key, verified against the pinned
	// fingerprint.
	HostKey ssh.PublicKey
	// HostKeyFingerprint is the pinned key's "SHA256:…" fingerprint.
	HostKeyFingerprint string
	Type               string
	Location           string
	// Labels are the server's labels as the vendor reports them.
	Labels map[string]string
}

// Host returns the host part of SSHAddr.
func (s *Server) Host() string {
	h, _, err := net.SplitHostPort(s.SSHAddr)
	if err != nil {
		return s.SSHAddr
	}
	return h
}

// KnownHostsLine returns the line for ~/.ssh/known_hosts that lets system ssh
// (and Kamal's remote builder, which uses it) trust the server: the address in
// OpenSSH's form ("1.2.3.4" on port 22, "[1.2.3.4]:2222" otherwise), followed
// by the host key. It is empty when the host key is unknown.
func (s *Server) KnownHostsLine() string {
	if s.HostKey == nil {
		return ""
	}
	return knownhosts.Line(s.SSHAddr, s.HostKey)
}

// Arch converts a vendor architecture name ("x86", "arm", "x86_64",
// "aarch64") to Docker's ("amd64", "arm64"); unknown names pass through.
func Arch(vendor string) string {
	switch strings.ToLower(vendor) {
	case "x86", "x86_64", "amd64":
		return "amd64"
	case "arm", "arm64", "aarch64":
		return "arm64"
	}
	return vendor
}
