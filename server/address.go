package server

import (
	"context"
	"maps"
)

// AddressFunc receives a server as soon as its addresses are known, before
// it answers SSH (HostKey is nil then). It gets a copy of its own.
type AddressFunc func(Server)

type addressKey struct{}

// WithAddressHook returns a context that carries f to a Provider's Ensure:
// providers call it (through ReportAddress) as soon as the server's
// addresses are known — right after a create is accepted, or after the
// look-up that found an existing server — so that work which only needs
// the address (a DNS record) can start while the server boots. The Recipe
// uses it to start its DNS steps early.
func WithAddressHook(ctx context.Context, f AddressFunc) context.Context {
	return context.WithValue(ctx, addressKey{}, f)
}

// ReportAddress hands a copy of srv to the hook WithAddressHook put in ctx,
// if there is one and srv has an address. Providers call it once per
// Ensure (the Recipe ignores later calls); the hook returns quickly.
func ReportAddress(ctx context.Context, srv *Server) {
	f, _ := ctx.Value(addressKey{}).(AddressFunc)
	if f == nil || srv == nil || (!srv.IPv4.IsValid() && !srv.IPv6.IsValid()) {
		return
	}
	cp := *srv
	cp.Labels = maps.Clone(srv.Labels)
	f(cp)
}
