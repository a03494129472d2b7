package registrytest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Transport returns an http.RoundTripper that sends every request, whatever
// its scheme and host, to this simulator over plain HTTP, and hands the
// response back as if the original host had answered. With it a test (or a
// sandbox) can check a login for ghcr.io or docker.io against the simulator
// without leaving the machine: pass it to registry.WithTransport. Its dialer
// refuses any address but the simulator's.
func (s *Server) Transport() http.RoundTripper {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &route{s: s, base: &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr != s.host {
				return nil, fmt.Errorf("registrytest: refusing to dial %s (only %s)", addr, s.host)
			}
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}}
}

type route struct {
	s    *Server
	base *http.Transport
}

func (r *route) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(req.Context())
	out.URL.Scheme = "http"
	out.URL.Host = r.s.host
	out.Host = req.URL.Host
	resp, err := r.base.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	resp.Request = req
	return resp, nil
}
