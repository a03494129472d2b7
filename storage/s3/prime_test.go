package s3_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
	"github.com/assemblekit/assemble/storage/s3/s3test"
)

// sandboxSpec is the bucket the sandbox's recipe makes.
var sandboxSpec = storage.BucketSpec{Name: "shop-uploads", Owner: "shop", PublicPrefixes: []string{"public/"}}

// idleClosed returns an option giving the provider a transport of its own
// whose idle connections are closed when the test ends, before the
// simulator started earlier shuts down (cleanups run last in, first out).
// Parallel reads may dial a connection that ends up unused; http.Server's
// Shutdown waits for such a connection (StateNew) until its grace runs out,
// and s3test's Close gives it 2 s.
func idleClosed(t *testing.T) s3.Option {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return s3.WithTransport(tr)
}

// converged returns a simulator holding spec's bucket, made by an earlier
// run, and a function that makes a fresh provider (a new process) for it.
func converged(t *testing.T, spec storage.BucketSpec) (*s3test.Server, func(...s3.Option) *s3.Provider) {
	t.Helper()
	srv := s3test.New(t, s3test.WithRegion("fsn1"))
	fresh := func(opts ...s3.Option) *s3.Provider {
		return s3.Hetzner("fsn1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()),
			append([]s3.Option{s3.WithEndpoint(srv.URL()), idleClosed(t)}, opts...)...)
	}
	_, op, err := fresh().Ensure(context.Background(), spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	srv.Knobs().ResetLog()
	return srv, fresh
}

func TestObserveIsOneRound(t *testing.T) {
	const latency = 50 * time.Millisecond
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		spec  storage.BucketSpec
		reads int
	}{
		// ListBuckets, marker, first objects, CORS, policy.
		{"sandbox", sandboxSpec, 5},
		{"versioning", storage.BucketSpec{Name: "shop-uploads", Owner: "shop", Versioning: true}, 6},
		{"object lock", storage.BucketSpec{Name: "shop-uploads", Owner: "shop", Versioning: true, ObjectLock: true}, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, fresh := converged(t, c.spec)
			srv.Knobs().SetLatency(latency)
			_, op, err := fresh().Ensure(ctx, c.spec)
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
			rs := srv.Knobs().Requests()
			require.Len(t, rs, c.reads, "%v", rs)
			require.Empty(t, sim.MutatingOf(rs))
			require.Equal(t, 1, sim.Rounds(rs, latency), "the reads go out together: %v", rs)
		})
	}

	t.Run("absent bucket", func(t *testing.T) {
		srv := s3test.New(t, s3test.WithRegion("fsn1"))
		p := s3.Hetzner("fsn1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()), s3.WithEndpoint(srv.URL()), idleClosed(t))
		srv.Knobs().SetLatency(latency)
		changes, err := p.Plan(ctx, sandboxSpec)
		require.NoError(t, err)
		require.Equal(t, ensure.Created, changes[0].Op)
		rs := srv.Knobs().Requests()
		require.Len(t, rs, 5, "%v", rs)
		require.Equal(t, 1, sim.Rounds(rs, latency), "%v", rs)
	})
}

func TestValidateThenEnsureReadsOnce(t *testing.T) {
	const latency = 50 * time.Millisecond
	srv, fresh := converged(t, sandboxSpec)
	ctx := context.Background()
	srv.Knobs().SetLatency(latency)

	// Without Validate: Ensure reads.
	_, op, err := fresh().Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	alone := len(srv.Knobs().Requests())
	require.Equal(t, 5, alone)

	// A fresh process: Validate reads once, Ensure takes it.
	srv.Knobs().ResetLog()
	p := fresh()
	require.NoError(t, p.Validate(ctx, sandboxSpec))
	validated := srv.Knobs().Requests()
	require.Len(t, validated, 5, "%v", validated)
	require.Empty(t, sim.MutatingOf(validated))
	require.Equal(t, 1, sim.Rounds(validated, latency), "%v", validated)

	m := srv.Knobs().Mark()
	b, op, err := p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, "shop-uploads", b.Name)
	require.Empty(t, srv.Knobs().Since(m), "Ensure takes what Validate read")
	require.Less(t, len(srv.Knobs().Since(m)), alone)
	require.Len(t, srv.Knobs().Requests(), 5, "one round of reads in all")

	// Used once: the next Ensure reads again.
	m = srv.Knobs().Mark()
	_, op, err = p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Len(t, srv.Knobs().Since(m), 5)

	// Plan reads for itself (no preflight comes before a plan, so a primed
	// read would be a failed preflight's leftover) and leaves the primed
	// read to the Ensure it was made for.
	require.NoError(t, p.Validate(ctx, sandboxSpec))
	m = srv.Knobs().Mark()
	changes, err := p.Plan(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Len(t, srv.Knobs().Since(m), 5)
	m = srv.Knobs().Mark()
	_, _, err = p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Empty(t, srv.Knobs().Since(m))
	for _, c := range changes {
		require.Equal(t, ensure.Unchanged, c.Op, "%v", changes)
	}
}

func TestPrimedReadIsNotUsedWhenStale(t *testing.T) {
	srv, fresh := converged(t, sandboxSpec)
	ctx := context.Background()
	p := fresh()
	now := time.Unix(1_000_000, 0)
	var mu sync.Mutex
	s3.SetPrimeClock(p, time.Second, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })

	require.NoError(t, p.Validate(ctx, sandboxSpec))
	mu.Lock()
	now = now.Add(time.Second + time.Millisecond)
	mu.Unlock()
	m := srv.Knobs().Mark()
	_, op, err := p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Len(t, srv.Knobs().Since(m), 5, "a stale preflight read is read again")

	// Still fresh at exactly the TTL.
	require.NoError(t, p.Validate(ctx, sandboxSpec))
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	m = srv.Knobs().Mark()
	_, _, err = p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Empty(t, srv.Knobs().Since(m))
}

func TestPrimedReadIsOnlyForTheSameSpec(t *testing.T) {
	srv, fresh := converged(t, sandboxSpec)
	ctx := context.Background()
	p := fresh()

	// Another bucket.
	require.NoError(t, p.Validate(ctx, sandboxSpec))
	other := storage.BucketSpec{Name: "shop-other", Owner: "shop"}
	m := srv.Knobs().Mark()
	_, op, err := p.Ensure(ctx, other)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op, "the other bucket is read, found absent and made")
	require.NotEmpty(t, srv.Knobs().Since(m))

	// The same bucket, but the spec needs a read Validate did not make.
	versioned := sandboxSpec
	versioned.Versioning = true
	m = srv.Knobs().Mark()
	_, op, err = p.Ensure(ctx, versioned)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op, "versioning was read, found off and turned on")
	require.Contains(t, requestStrings(srv.Knobs().Since(m)), "GET /shop-uploads/?versioning=")
	bi, _ := srv.Bucket("shop-uploads")
	require.Equal(t, "Enabled", bi.Versioning)

	// Another provider (another process, or other keys) has nothing primed.
	require.NoError(t, p.Validate(ctx, sandboxSpec))
	m = srv.Knobs().Mark()
	_, _, err = fresh().Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Len(t, srv.Knobs().Since(m), 5)
}

func TestDestroyForgetsThePrimedRead(t *testing.T) {
	srv, fresh := converged(t, sandboxSpec)
	ctx := context.Background()
	p := fresh()
	require.NoError(t, p.Validate(ctx, sandboxSpec))
	_, err := p.Destroy(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Empty(t, srv.Buckets())
	_, op, err := p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op, "Ensure must not trust a read from before the Destroy")
	require.Len(t, srv.Buckets(), 1)
}

// Every refusal only the vendor knows is found by Validate, with the error
// Ensure returns, and nothing is written.
func TestValidateRefusesWhatOnlyTheVendorKnows(t *testing.T) {
	ctx := context.Background()
	type setup func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec)
	hetzner := func(t *testing.T, srv *s3test.Server, ak, sk string) *s3.Provider {
		return s3.Hetzner("fsn1", secret.New(ak), secret.New(sk), s3.WithEndpoint(srv.URL()), idleClosed(t))
	}
	raw := func(t *testing.T, srv *s3test.Server) *minio.Client {
		c, err := minio.New(strings.TrimPrefix(srv.URL(), "http://"), &minio.Options{
			Creds: credentials.NewStaticV4(srv.AccessKey(), srv.SecretKey(), ""), Region: "fsn1", BucketLookup: minio.BucketLookupPath})
		require.NoError(t, err)
		return c
	}
	cases := []struct {
		name     string
		setup    setup
		kind     error
		code     string
		contains []string
	}{
		{"garbage keys", func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec) {
			return hetzner(t, srv, "AKIDGARBAGE", "garbage-secret"), sandboxSpec
		}, ensure.ErrUnauthorized, "InvalidAccessKeyId", []string{"Access Key", "check the access key and secret key"}},
		{"wrong secret", func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec) {
			return hetzner(t, srv, srv.AccessKey(), "garbage-secret"), sandboxSpec
		}, ensure.ErrUnauthorized, "SignatureDoesNotMatch", []string{"check the access key and secret key"}},
		{"name taken by another account", func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec) {
			srv.SeedForeignBucket("shop-uploads")
			return hetzner(t, srv, srv.AccessKey(), srv.SecretKey()), sandboxSpec
		}, ensure.ErrConflict, "BucketAlreadyExists", []string{"choose another bucket name"}},
		{"marked by another owner", func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec) {
			p := hetzner(t, srv, srv.AccessKey(), srv.SecretKey())
			spec := sandboxSpec
			spec.Owner = "blog"
			_, _, err := p.Ensure(ctx, spec)
			require.NoError(t, err)
			return hetzner(t, srv, srv.AccessKey(), srv.SecretKey()), sandboxSpec
		}, ensure.ErrConflict, "", []string{`owned by "blog"`}},
		{"unmarked with objects", func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec) {
			c := raw(t, srv)
			require.NoError(t, c.MakeBucket(ctx, "shop-uploads", minio.MakeBucketOptions{Region: "fsn1"}))
			put(t, c, "shop-uploads", "data.txt", "x")
			return hetzner(t, srv, srv.AccessKey(), srv.SecretKey()), sandboxSpec
		}, ensure.ErrConflict, "", []string{"Adopt"}},
		{"object lock on an existing bucket", func(t *testing.T, srv *s3test.Server) (*s3.Provider, storage.BucketSpec) {
			p := hetzner(t, srv, srv.AccessKey(), srv.SecretKey())
			_, _, err := p.Ensure(ctx, sandboxSpec)
			require.NoError(t, err)
			spec := sandboxSpec
			spec.ObjectLock = true
			return hetzner(t, srv, srv.AccessKey(), srv.SecretKey()), spec
		}, ensure.ErrReplaceRequired, "", []string{"only be turned on when the bucket is created"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := s3test.New(t, s3test.WithRegion("fsn1"))
			p, spec := c.setup(t, srv)
			m := srv.Knobs().Mark()
			err := p.Validate(ctx, spec)
			require.ErrorIs(t, err, c.kind)
			for _, s := range c.contains {
				require.Contains(t, err.Error(), s)
			}
			if c.code != "" {
				require.True(t, s3.IsCode(err, c.code), "%v", err)
			}
			since := srv.Knobs().Since(m)
			require.NotEmpty(t, since, "the vendor was asked")
			require.Empty(t, sim.MutatingOf(since), "%v", since)

			// Ensure, on its own, refuses the same way.
			_, _, eerr := p.Ensure(ctx, spec)
			require.ErrorIs(t, eerr, c.kind)
			var ve, ee *s3.Error
			if errors.As(err, &ve) {
				require.True(t, errors.As(eerr, &ee))
				require.Equal(t, ve.Code, ee.Code)
				require.Equal(t, ve.Fix, ee.Fix)
			}
			require.Empty(t, sim.MutatingOf(srv.Knobs().Since(m)))
		})
	}
}

func TestValidateOfflineFirst(t *testing.T) {
	srv := s3test.New(t)
	p := s3.Hetzner("mars1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()), s3.WithEndpoint(srv.URL()))
	err := p.Validate(context.Background(), sandboxSpec)
	var ie *ensure.InvalidError
	require.True(t, errors.As(err, &ie), "%v", err)
	require.Equal(t, "storage.location", ie.Field)
	require.Empty(t, srv.Knobs().Requests(), "an offline refusal sends nothing")
}

// A key scoped to its bucket may not list buckets: the bucket's own reads
// decide, in the same round.
func TestListForbiddenStillOneRound(t *testing.T) {
	srv, fresh := converged(t, sandboxSpec)
	ctx := context.Background()
	srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "GET", Path: "/", Status: 403, Times: 2})
	p := fresh(s3.WithMaxRetries(-1))
	_, op, err := p.Ensure(ctx, sandboxSpec)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	_, op, err = p.Ensure(ctx, storage.BucketSpec{Name: "scoped-new", Owner: "shop"})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Zero(t, srv.Knobs().PendingFaults())
}

// A bucket made by someone else (the same account) while the round of reads
// was in flight: the answers disagree, so observe reads again and adopts the
// empty bucket instead of making it.
func TestBucketMadeDuringTheReadsIsReadAgain(t *testing.T) {
	srv := s3test.New(t, s3test.WithRegion("fsn1"))
	ctx := context.Background()
	const name = "racy-bucket"
	other, err := minio.New(strings.TrimPrefix(srv.URL(), "http://"), &minio.Options{
		Creds: credentials.NewStaticV4(srv.AccessKey(), srv.SecretKey(), ""), Region: "fsn1", BucketLookup: minio.BucketLookupPath})
	require.NoError(t, err)
	answered := func(method, path string) bool {
		for _, r := range srv.Knobs().Requests() {
			if r.Method == method && r.Path == path && r.Status != 0 {
				return true
			}
		}
		return false
	}
	var (
		once    sync.Once
		makeErr error
	)
	srv.Knobs().SetLatencyFunc(func(r *http.Request) time.Duration {
		if r.Method != "GET" || r.URL.RawQuery != "cors=" {
			return 0
		}
		once.Do(func() {
			// Hold the CORS read until ListBuckets and the marker read said
			// "absent", then make the bucket.
			for i := 0; i < 400 && !(answered("GET", "/") && answered("GET", "/"+name+"/"+s3.MarkerKey)); i++ {
				time.Sleep(5 * time.Millisecond)
			}
			makeErr = other.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "fsn1"})
		})
		return 0
	})
	p := s3.Hetzner("fsn1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()), s3.WithEndpoint(srv.URL()), idleClosed(t))
	_, op, err := p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
	require.NoError(t, err)
	require.NoError(t, makeErr)
	require.Equal(t, ensure.Updated, op, "the empty bucket was adopted and marked, not made")
	require.Equal(t, 2, srv.Knobs().Count("GET", "/"), "two rounds: %v", srv.Knobs().Requests())
	require.Equal(t, 1, srv.Knobs().Count("PUT", "/"+name+"/"), "only the other client made it")
	bi, _ := srv.Bucket(name)
	require.Equal(t, []string{s3.MarkerKey}, bi.Keys)
}

func requestStrings(rs []sim.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}
