package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/sim"
)

// A push check whose cancelling DELETE fails (503, 429, or a lost answer)
// tries the DELETE again instead of leaving the upload session open on the
// registry. Found by the e2e fault matrix.
func TestPushCheckCancelsDespiteAFailedDelete(t *testing.T) {
	for _, f := range []sim.Fault{
		{Kind: sim.FailBeforeCommit, Status: 503},
		{Kind: sim.RateLimit, RetryAfter: time.Second},
		{Kind: sim.DropAfterCommit},
	} {
		t.Run(string(f.Kind), func(t *testing.T) {
			srv := newSim(t, registrytest.WithBearer(), registrytest.WithOpaqueTokens())
			f.Method, f.Path, f.Times = "DELETE", "/v2/me/shop/blobs/uploads/*", 1
			srv.Knobs().Inject(f)
			_, op, err := registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), fast())
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
			require.Zero(t, srv.Knobs().PendingFaults(), "the fault never fired")
			require.Equal(t, 2, srv.Knobs().Count("DELETE", "/v2/me/shop/blobs/uploads/*"), "the DELETE is sent again")
			require.Zero(t, srv.OpenUploads(), "the upload session was left open")
		})
	}
}
