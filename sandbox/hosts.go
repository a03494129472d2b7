package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sshkey"
)

// boot attaches a simulated Ubuntu host to a server the Hetzner simulator
// boots: it presents the host key from the server's cloud-init user data,
// accepts the sandbox's SSH key, and has Docker when cloud-init installs it.
func (s *Sandbox) boot(ctx context.Context, b hetznertest.Boot) error {
	ud, err := server.ParseUserData(b.UserData)
	if err != nil {
		return err
	}
	if ud.HostKey == nil {
		return errors.New("the user data pins no host key")
	}
	arch := "amd64"
	if server.Arch(b.Arch) == "arm64" {
		arch = "arm64"
	}
	memory := int64(16 << 30)
	if gb, ok := hetznertest.TypeMemory(b.Type); ok {
		memory = int64(gb * (1 << 30)) // a host has what its type says
	}
	return s.attachHost(b.Name, b.IPv4, ud.HostKey, arch, memory, ud.Builder)
}

// attachHost starts a simulated Ubuntu host for the server at ip (dialled
// as ip:22 through Dial), with memory bytes of memory: it presents hostKey, accepts the sandbox's SSH
// key, has Docker when dockerAtBoot (or when an earlier run installed it),
// and gets back the files an earlier run left on it.
func (s *Sandbox) attachHost(name string, ip netip.Addr, hostKey ssh.Signer, arch string, memory int64, dockerAtBoot bool) error {
	key, err := sshkey.Load(s.SSHKey().Path, s.SSHKey().Passphrase)
	if err != nil {
		return fmt.Errorf("load the sandbox's ssh key: %w", err)
	}
	opts := []buildertest.Option{
		buildertest.ListenAddr(net.JoinHostPort(ip.String(), "0")),
		buildertest.HostKey(hostKey),
		buildertest.AuthorizedKeys(key.PublicKey()),
		buildertest.Arch(arch),
		buildertest.Memory(memory),
		buildertest.DiskFree(150e9),
	}
	saved, hasSaved := s.savedHost[ip.String()]
	switch {
	case hasSaved && saved.Docker:
	case dockerAtBoot:
		opts = append(opts, buildertest.DockerAtBoot())
	default:
		opts = append(opts, buildertest.WithoutDocker())
	}
	h, err := buildertest.Start(opts...)
	if err != nil {
		return err
	}
	if hasSaved {
		for p, content := range saved.Files {
			h.WriteFile(p, content, 0o644)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.hosts[ip.String()]; old != nil {
		old.Close()
	}
	if s.closed {
		h.Close()
		return errors.New("the sandbox is closed")
	}
	s.hosts[ip.String()] = h
	s.booted(ip.String(), h)
	s.logger.Debug("sandbox host attached", "server", name, "ip", ip.String(), "ssh", h.Addr())
	return nil
}

// Host returns the simulated host behind a server's IPv4 address.
func (s *Sandbox) Host(ip netip.Addr) *buildertest.Host {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hosts[ip.String()]
}

// Dial connects to a sandbox address: a server's SSH port reaches its
// simulated host; any other loopback address is dialled as it is; anything
// else is refused, so nothing can leave the machine.
func (s *Sandbox) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if host != "localhost" {
			return nil, fmt.Errorf("sandbox: refusing to dial %s: not a loopback address", addr)
		}
		ip = netip.MustParseAddr("127.0.0.1")
	}
	if !ip.IsLoopback() {
		return nil, fmt.Errorf("sandbox: refusing to dial %s: not a loopback address", addr)
	}
	if port == "22" {
		if h := s.Host(ip); h != nil {
			if err := s.refuseUntilUp(ip, addr); err != nil {
				return nil, err
			}
			addr = h.Addr()
		}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}
