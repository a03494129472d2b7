package cloudflare_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// A token Cloudflare refuses is named in the error with what a working one
// needs; before, the message was only "cloudflare answered 401: 1000
// Invalid API Token". Found by the e2e bad-input catalogue.
func TestRefusedTokenNamesFieldAndFix(t *testing.T) {
	srv := cloudflaretest.New(t)
	srv.AddZone("example.com")
	p := cloudflare.New(secret.New("not-a-valid-token"), cloudflare.WithBaseURL(srv.URL()), cloudflare.WithoutVerify())
	_, _, err := p.Ensure(context.Background(), dns.RecordSpec{Name: "shop.example.com", Content: "127.0.0.1", Owner: "shop"})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Contains(t, err.Error(), "cloudflare.token")
	require.Contains(t, err.Error(), "Zone:Read and DNS:Edit")
	require.NotContains(t, err.Error(), "not-a-valid-token")
	require.Zero(t, srv.Knobs().Mutating())
}
