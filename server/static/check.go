package static

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/sshx"
	"github.com/assemblekit/assemble/server"
)

// login is everything a check needs, validated before any I/O.
type login struct {
	t    target
	user string
}

func (l login) String() string { return l.user + "@" + l.t.addr }

// prepare validates the provider's settings and the spec, without I/O.
func (p *Provider) prepare(spec server.Spec) (login, error) {
	if p.addrErr != nil {
		return login{}, p.addrErr
	}
	user := p.cfg.user
	if user != "" && !userRE.MatchString(user) {
		return login{}, ensure.Invalid("static.user", user, "not a valid user name", `use "root" or a lowercase user name`)
	}
	switch {
	case spec.User != "" && !userRE.MatchString(spec.User):
		return login{}, ensure.Invalid("server.user", spec.User, "not a valid user name", `use "root" or a lowercase user name`)
	case spec.User != "" && user != "" && spec.User != user:
		return login{}, ensure.Invalid("server.user", spec.User, "differs from static.WithUser("+user+")", "set the login user in one place")
	case spec.User != "":
		user = spec.User
	case user == "":
		user = server.DefaultUser
	}
	if err := p.cfg.validateHostKeySource(); err != nil {
		return login{}, err
	}
	if len(p.cfg.signers) == 0 && p.cfg.agent == nil {
		return login{}, ensure.Invalid("static.signer", "", "no private key to log in with",
			"pass the private half of the login key with static.WithSigner, or an SSH agent with static.WithAgent")
	}
	if spec.SSHKey != nil && p.cfg.agent == nil && len(matching(p.cfg.signers, spec.SSHKey)) == 0 {
		return login{}, noSigner(spec.SSHKey)
	}
	return login{t: p.target, user: user}, nil
}

func noSigner(key ssh.PublicKey) error {
	return ensure.Invalid("server.ssh_key", ssh.FingerprintSHA256(key), "no signer for this key was given",
		"pass its private half with static.WithSigner or load it into the agent given with static.WithAgent")
}

func matching(signers []ssh.Signer, key ssh.PublicKey) []ssh.Signer {
	var out []ssh.Signer
	want := string(key.Marshal())
	for _, s := range signers {
		if string(s.PublicKey().Marshal()) == want {
			out = append(out, s)
		}
	}
	return out
}

// signers returns the keys to offer: all given, or only the spec's key.
func (p *Provider) signers(spec server.Spec) ([]ssh.Signer, error) {
	all := append([]ssh.Signer(nil), p.cfg.signers...)
	if p.cfg.agent != nil {
		as, err := p.cfg.agent.Signers()
		if err != nil {
			return nil, fmt.Errorf("list the SSH agent's keys: %w", err)
		}
		all = append(all, as...)
	}
	if spec.SSHKey == nil {
		if len(all) == 0 {
			return nil, ensure.Invalid("static.agent", "", "the SSH agent holds no keys", "add the login key to the agent (ssh-add)")
		}
		return all, nil
	}
	m := matching(all, spec.SSHKey)
	if len(m) == 0 {
		return nil, noSigner(spec.SSHKey)
	}
	return m, nil
}

func (p *Provider) dialer() server.DialFunc {
	if p.cfg.dial != nil {
		return p.cfg.dial
	}
	return (&net.Dialer{}).DialContext
}

// check logs in, reads the architecture and describes the host. It sends
// nothing that changes the host.
func (p *Provider) check(ctx context.Context, spec server.Spec) (*server.Server, error) {
	l, err := p.prepare(spec)
	if err != nil {
		return nil, err
	}
	signers, err := p.signers(spec)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, p.cfg.timeout,
		fmt.Errorf("no answer within %s: %w", p.cfg.timeout, ensure.ErrTimeout))
	defer cancel()
	start := time.Now()
	client, remote, err := p.connect(ctx, l, signers)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	out, err := client.Output(ctx, "uname -m")
	if err != nil {
		if ctx.Err() != nil {
			return nil, &UnreachableError{Addr: l.t.addr, Err: context.Cause(ctx)}
		}
		return nil, fmt.Errorf("read the architecture: %w", err)
	}
	raw := strings.TrimSpace(out)
	if raw == "" {
		return nil, fmt.Errorf("read the architecture: %q printed nothing", "uname -m")
	}
	arch := server.Arch(raw)
	key := client.HostKey()
	srv := &server.Server{
		Name:               spec.Name,
		Arch:               arch,
		SSHAddr:            l.t.addr,
		User:               l.user,
		HostKey:            key,
		HostKeyFingerprint: ssh.FingerprintSHA256(key),
	}
	if srv.Name == "" {
		srv.Name = l.t.host
	}
	ip := l.t.ip
	if !ip.IsValid() && p.cfg.dial == nil {
		// A DNS name: report the address it resolved to. Through a custom
		// dialer the connection's address says nothing about the host.
		ip = remote
	}
	switch {
	case ip.Is4():
		srv.IPv4 = ip
	case ip.Is6():
		srv.IPv6 = netip.PrefixFrom(ip, 128)
	}
	p.cfg.log.DebugContext(ctx, "static: host checked", "addr", l.t.addr, "user", l.user, "arch", arch,
		"host_key", srv.HostKeyFingerprint, "elapsed", time.Since(start))
	return srv, nil
}

// connect verifies the host key and logs in. It returns the client and the
// address the TCP connection reached.
func (p *Provider) connect(ctx context.Context, l login, signers []ssh.Signer) (*sshx.Client, netip.Addr, error) {
	keys, err := p.candidates(l.t)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	if len(keys) == 0 {
		k, err := p.firstUse(ctx, l.t)
		if err != nil {
			return nil, netip.Addr{}, err
		}
		keys = []ssh.PublicKey{k}
	}
	dial := p.dialer()
	for i, key := range keys {
		var remote netip.Addr
		connected := false
		c, err := sshx.Dial(ctx, sshx.Config{
			Addr:    l.t.addr,
			User:    l.user,
			HostKey: key,
			Signers: signers,
			Logger:  p.cfg.log,
			Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := dial(ctx, network, addr)
				if err == nil {
					connected = true
					if ap, perr := netip.ParseAddrPort(conn.RemoteAddr().String()); perr == nil {
						remote = ap.Addr().Unmap()
					}
				}
				return conn, err
			},
		})
		if err == nil {
			return c, remote, nil
		}
		var he *sshx.HostKeyError
		if errors.As(err, &he) {
			return nil, netip.Addr{}, &server.HostKeyMismatchError{Addr: l.t.addr, Want: he.Want, Got: he.Got}
		}
		if isHostKeyNegotiation(err) {
			if i < len(keys)-1 {
				continue // the host has no key of this type: try the next known one
			}
			// It has none of the known keys' types: see what it presents.
			got, perr := p.probe(ctx, l.t.addr)
			if perr != nil {
				return nil, netip.Addr{}, unreachable(ctx, l.t.addr, perr)
			}
			return nil, netip.Addr{}, &server.HostKeyMismatchError{Addr: l.t.addr,
				Want: ssh.FingerprintSHA256(keys[0]), Got: ssh.FingerprintSHA256(got)}
		}
		if connected && ctx.Err() == nil && strings.Contains(err.Error(), "unable to authenticate") {
			fps := make([]string, len(signers))
			for j, s := range signers {
				fps[j] = ssh.FingerprintSHA256(s.PublicKey())
			}
			return nil, netip.Addr{}, &LoginError{Addr: l.t.addr, User: l.user, Keys: fps, Err: err}
		}
		return nil, netip.Addr{}, unreachable(ctx, l.t.addr, err)
	}
	panic("unreachable: keys is never empty")
}

func isHostKeyNegotiation(err error) bool {
	var ne *ssh.AlgorithmNegotiationError
	if errors.As(err, &ne) {
		return ne.What == "host key"
	}
	return strings.Contains(err.Error(), "no common algorithm for host key")
}

// unreachable wraps a connection failure; when ctx ended, its cause (a
// timeout or a cancellation) is what the error says.
func unreachable(ctx context.Context, addr string, err error) error {
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		// The socket's deadline (set from ctx's) can fire a moment before
		// ctx's own timer: the deadline has passed, so Done is due now.
		<-ctx.Done()
	}
	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		if errors.Is(cause, context.Canceled) {
			return fmt.Errorf("reach %s over SSH: %w", addr, cause)
		}
		err = cause
	}
	return &UnreachableError{Addr: addr, Err: err}
}
