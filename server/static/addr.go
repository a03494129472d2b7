package static

import (
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// DefaultPort is the SSH port used when the address names none.
const DefaultPort = 22

var (
	hostLabelRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	userRE      = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
)

// target is a validated address: host (a literal IP or a DNS name), port,
// and host:port to dial.
type target struct {
	host string
	ip   netip.Addr // valid when host is a literal IP
	port int
	addr string
}

// parseAddr accepts "host", "host:port", "[v6]:port" and a bare IPv6
// address; the port defaults to DefaultPort.
func parseAddr(s string) (target, error) {
	const field = "static.addr"
	in := strings.TrimSpace(s)
	if in == "" {
		return target{}, ensure.Invalid(field, s, "is empty", `pass the host's address to static.New, e.g. "203.0.113.7" or "host.example.com:2222"`)
	}
	if strings.Contains(in, "://") || strings.Contains(in, "@") {
		return target{}, ensure.Invalid(field, s, "is not host or host:port", "pass only host[:port]; set the login user with WithUser")
	}
	host, port := in, strconv.Itoa(DefaultPort)
	bare := in
	if strings.HasPrefix(in, "[") && strings.HasSuffix(in, "]") {
		bare = in[1 : len(in)-1]
	}
	if ip, err := netip.ParseAddr(bare); err == nil && ip.Is6() {
		host = ip.String() // a bare IPv6 address: its colons are not a port
	} else if h, p, err := net.SplitHostPort(in); err == nil {
		host, port = h, p
	} else if strings.Contains(in, ":") {
		return target{}, ensure.Invalid(field, s, "is not host or host:port", `write IPv6 addresses with a port as "[2001:db8::1]:22"`)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return target{}, ensure.Invalid(field, s, "port "+strconv.Quote(port)+" is not a number from 1 to 65535", "use host:port with a valid port, or leave the port out for 22")
	}
	t := target{host: host, port: n, addr: net.JoinHostPort(host, strconv.Itoa(n))}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return target{}, ensure.Invalid(field, s, "has an IPv6 zone", "use a global address; a link-local address can't be put in DNS or Kamal's config")
		}
		t.ip = ip.Unmap()
		return t, nil
	}
	if !validHostname(host) {
		return target{}, ensure.Invalid(field, s, "host "+strconv.Quote(host)+" is neither an IP address nor a DNS name", "use the host's IP address or its DNS name")
	}
	return t, nil
}

func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if !hostLabelRE.MatchString(l) {
			return false
		}
	}
	// An all-numeric last label is a malformed IP address ("10.0.0"), not a name.
	_, err := strconv.Atoi(labels[len(labels)-1])
	return err != nil
}
