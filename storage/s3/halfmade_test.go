package s3_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// A run cut between creating the bucket and writing its marker leaves a
// bare, unmarked bucket that the next Ensure would adopt; Destroy removes it
// too instead of leaving it behind. An unmarked bucket with anything in or
// on it is still left alone. Found by the e2e destroy-after-cancel test.
func TestDestroyRemovesTheBareBucketOfACutRun(t *testing.T) {
	srv, p := hetznerOnSim(t, s3.WithMaxRetries(-1))
	ctx := context.Background()
	srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "PUT", Path: "/half-done/" + s3.MarkerKey, Status: 500})
	spec := storage.BucketSpec{Name: "half-done", Owner: "shop", PublicPrefixes: []string{"public/"}}
	_, _, err := p.Ensure(ctx, spec)
	require.Error(t, err)
	bi, ok := srv.Bucket("half-done")
	require.True(t, ok)
	require.Empty(t, bi.Keys)

	removed, err := p.Destroy(ctx, spec)
	require.NoError(t, err)
	require.Len(t, removed.Mutating(), 1)
	require.Equal(t, ensure.Deleted, removed[0].Op)
	require.Empty(t, srv.Buckets())

	// Unmarked but not bare: someone's data, a policy, CORS — left alone.
	srv.SeedBucket("with-data")
	require.NoError(t, srv.PutObject("with-data", "k", []byte("v")))
	srv.SeedBucket("with-policy")
	require.NoError(t, srv.SetPolicy("with-policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::with-policy/*"}]}`))
	srv.SeedBucket("with-cors")
	require.NoError(t, srv.SetCORSOrigins("with-cors", "https://a.example"))
	for _, name := range []string{"with-data", "with-policy", "with-cors"} {
		m := srv.Knobs().Mark()
		removed, err := p.Destroy(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.NoError(t, err, name)
		require.Empty(t, removed.Mutating(), name)
		require.Empty(t, sim.MutatingOf(srv.Knobs().Since(m)), name)
		_, ok := srv.Bucket(name)
		require.True(t, ok, name)
	}
}
