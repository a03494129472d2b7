package s3_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
	"github.com/assemblekit/assemble/storage/s3/s3test"
)

func simTarget(t *testing.T, srv *s3test.Server) target {
	srv.AddCredentials("OTHERACCOUNTKEY", "other-account-secret", "")
	return target{endpoint: srv.URL(), region: "us-east-1", accessKey: srv.AccessKey(), secretKey: srv.SecretKey(),
		otherAccessKey: "OTHERACCOUNTKEY", otherSecretKey: "other-account-secret"}
}

func TestContractSimulator(t *testing.T) {
	srv := s3test.New(t, s3test.WithRegion("us-east-1"))
	tg := simTarget(t, srv)
	runContract(t, tg)
	runRawContract(t, tg)
}

func hetznerOnSim(t *testing.T, opts ...s3.Option) (*s3test.Server, *s3.Provider) {
	srv := s3test.New(t, s3test.WithRegion("fsn1"))
	p := s3.Hetzner("fsn1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()),
		append([]s3.Option{s3.WithEndpoint(srv.URL()), s3.WithMaxRetries(3), idleClosed(t)}, opts...)...)
	return srv, p
}

func TestEnsureIdempotentByServerLog(t *testing.T) {
	srv, p := hetznerOnSim(t)
	ctx := context.Background()
	spec := storage.BucketSpec{Name: "shop-uploads", Owner: "shop", PublicPrefixes: []string{"public/"},
		CORSOrigins: []string{"https://shop.example.com"}, Versioning: true}
	b, op, err := p.Ensure(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "fsn1", b.Region)
	bi, ok := srv.Bucket("shop-uploads")
	require.True(t, ok)
	require.Equal(t, "fsn1", bi.Region)
	require.Equal(t, "Enabled", bi.Versioning)
	require.Equal(t, []string{"https://shop.example.com"}, bi.CORSOrigins)
	require.Contains(t, bi.Policy, "arn:aws:s3:::shop-uploads/public/*")
	require.Equal(t, []string{s3.MarkerKey}, bi.Keys)
	// create, marker, versioning, CORS, policy.
	require.Equal(t, 5, srv.Knobs().Mutating(), "%v", srv.Knobs().Requests())

	for range 3 {
		m := srv.Knobs().Mark()
		_, op, err = p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		since := srv.Knobs().Since(m)
		require.Empty(t, sim.MutatingOf(since), "%v", since)
		require.LessOrEqual(t, len(since), 7, "reads on a converged bucket: %v", since)
	}
}

func TestCreateResponseLostIsNotRepeated(t *testing.T) {
	srv, p := hetznerOnSim(t)
	srv.Knobs().Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "PUT", Path: "/crash-bucket/"})
	_, op, err := p.Ensure(context.Background(), storage.BucketSpec{Name: "crash-bucket", Owner: "shop"})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Zero(t, srv.Knobs().PendingFaults(), "the fault never fired")
	require.Len(t, srv.Buckets(), 1)
	// minio-go retried the create; the retry's BucketAlreadyOwnedByYou is ours.
	require.Equal(t, 2, srv.Knobs().Count("PUT", "/crash-bucket/"), "%v", srv.Knobs().Requests())
	bi, _ := srv.Bucket("crash-bucket")
	require.Equal(t, []string{s3.MarkerKey}, bi.Keys)
}

func TestRunCutBeforeMarkerIsFinished(t *testing.T) {
	srv, p := hetznerOnSim(t, s3.WithMaxRetries(-1))
	ctx := context.Background()
	// The marker write fails: the run stops with an empty, unmarked bucket.
	srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "PUT", Path: "/half-done/" + s3.MarkerKey, Status: 500})
	spec := storage.BucketSpec{Name: "half-done", Owner: "shop", CORSOrigins: []string{"https://a.example"}}
	_, _, err := p.Ensure(ctx, spec)
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.Zero(t, srv.Knobs().PendingFaults())
	bi, _ := srv.Bucket("half-done")
	require.Empty(t, bi.Keys)
	// The next run adopts the empty bucket, marks it and finishes.
	_, op, err := p.Ensure(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	bi, _ = srv.Bucket("half-done")
	require.Equal(t, []string{s3.MarkerKey}, bi.Keys)
	require.Equal(t, []string{"https://a.example"}, bi.CORSOrigins)
	require.Len(t, srv.Buckets(), 1)
}

func TestIllegalNamesSendNothing(t *testing.T) {
	srv, p := hetznerOnSim(t)
	names := []string{"", "ab", strings.Repeat("x", 64), "Shop", "shop_uploads", "-shop", "shop-", "sh..op",
		"10.0.0.1", "xn--shop", "shop-s3alias", "shop--ol-s3", "sthree-shop", "shop.-x", "shop uploads"}
	ctx := context.Background()
	for _, n := range names {
		spec := storage.BucketSpec{Name: n, Owner: "shop"}
		_, _, err := p.Ensure(ctx, spec)
		var ie *ensure.InvalidError
		require.True(t, errors.As(err, &ie), "%q: %v", n, err)
		require.Equal(t, "bucket.name", ie.Field)
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		_, err = p.Plan(ctx, spec)
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		_, err = p.Destroy(ctx, spec)
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	}
	require.Empty(t, srv.Knobs().Requests(), "validation must not send requests")
}

func TestInvalidSpecForVendorSendsNothing(t *testing.T) {
	srv := s3test.New(t)
	ctx := context.Background()
	cases := []struct {
		p     *s3.Provider
		spec  storage.BucketSpec
		field string
	}{
		{s3.Hetzner("ash", secret.New("a"), secret.New("b"), s3.WithEndpoint(srv.URL())), storage.BucketSpec{Name: "ok-name", Owner: "x"}, "storage.location"},
		{s3.R2(strings.Repeat("a", 32), secret.New("a"), secret.New("b"), s3.WithEndpoint(srv.URL())), storage.BucketSpec{Name: "ok-name", Owner: "x", PublicPrefixes: []string{"p/"}}, "bucket.public_prefixes"},
		{s3.R2("not-hex", secret.New("a"), secret.New("b"), s3.WithEndpoint(srv.URL())), storage.BucketSpec{Name: "ok-name", Owner: "x"}, "storage.account_id"},
		{s3.Hetzner("fsn1", secret.New("a"), secret.New("b"), s3.WithEndpoint(srv.URL())), storage.BucketSpec{Name: "ok-name", Owner: "x", Region: "nbg1"}, "bucket.region"},
		{s3.Hetzner("fsn1", secret.New(""), secret.New("b"), s3.WithEndpoint(srv.URL())), storage.BucketSpec{Name: "ok-name", Owner: "x"}, "storage.access_key"},
		{s3.MinIO("http://minio.internal:9000", secret.New("a"), secret.New("b")), storage.BucketSpec{Name: "ok-name", Owner: "x"}, "storage.endpoint"},
		{s3.New("ftp://127.0.0.1", "us-east-1", secret.New("a"), secret.New("b")), storage.BucketSpec{Name: "ok-name", Owner: "x"}, "storage.endpoint"},
	}
	for i, c := range cases {
		_, _, err := c.p.Ensure(ctx, c.spec)
		var ie *ensure.InvalidError
		require.True(t, errors.As(err, &ie), "case %d: %v", i, err)
		require.Equal(t, c.field, ie.Field, "case %d", i)
	}
	require.Empty(t, srv.Knobs().Requests())
}

func TestWrongSecretNeverLeaks(t *testing.T) {
	srv := s3test.New(t)
	const wrong = "N0t-The-Right-Secret-4f9a8b7c6d5e"
	p := s3.New(srv.URL(), "us-east-1", secret.New(srv.AccessKey()), secret.New(wrong), idleClosed(t))
	_, _, err := p.Ensure(context.Background(), storage.BucketSpec{Name: "shop-uploads", Owner: "shop"})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.NotContains(t, err.Error(), wrong)
	var e *s3.Error
	require.True(t, errors.As(err, &e))
	require.Equal(t, "SignatureDoesNotMatch", e.Code)
	require.Equal(t, 403, e.Status)
	require.Equal(t, 0, srv.Knobs().Mutating())
	require.Empty(t, srv.Buckets())

	_, _, err = s3.New(srv.URL(), "us-east-1", secret.New("UNKNOWNKEY"), secret.New(wrong), idleClosed(t)).
		Ensure(context.Background(), storage.BucketSpec{Name: "shop-uploads", Owner: "shop"})
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.True(t, s3.IsCode(err, "InvalidAccessKeyId"))
}

func TestForeignBucketSeeded(t *testing.T) {
	srv, p := hetznerOnSim(t)
	srv.SeedForeignBucket("taken-name")
	_, _, err := p.Ensure(context.Background(), storage.BucketSpec{Name: "taken-name", Owner: "shop"})
	require.ErrorIs(t, err, ensure.ErrConflict)
	require.True(t, isConflict(err))
	require.True(t, s3.IsCode(err, "BucketAlreadyExists"), "%v", err)
	require.Equal(t, 0, srv.Knobs().Mutating())
}

func TestObjectLockOnlyAtCreation(t *testing.T) {
	srv, p := hetznerOnSim(t)
	ctx := context.Background()
	_, op, err := p.Ensure(ctx, storage.BucketSpec{Name: "locked", Owner: "shop", ObjectLock: true})
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	bi, _ := srv.Bucket("locked")
	require.True(t, bi.ObjectLock)
	_, op, err = p.Ensure(ctx, storage.BucketSpec{Name: "locked", Owner: "shop", ObjectLock: true})
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)

	_, _, err = p.Ensure(ctx, storage.BucketSpec{Name: "plain", Owner: "shop"})
	require.NoError(t, err)
	m := srv.Knobs().Mark()
	plan, err := p.Plan(ctx, storage.BucketSpec{Name: "plain", Owner: "shop", ObjectLock: true})
	require.ErrorIs(t, err, ensure.ErrReplaceRequired)
	require.Nil(t, plan)
	_, _, err = p.Ensure(ctx, storage.BucketSpec{Name: "plain", Owner: "shop", ObjectLock: true})
	require.ErrorIs(t, err, ensure.ErrReplaceRequired)
	require.Empty(t, sim.MutatingOf(srv.Knobs().Since(m)))
}

func TestRateLimitedThenConverges(t *testing.T) {
	srv, p := hetznerOnSim(t)
	srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: "PUT", Path: "/busy-bucket/", RetryAfter: time.Second})
	_, op, err := p.Ensure(context.Background(), storage.BucketSpec{Name: "busy-bucket", Owner: "shop"})
	require.NoError(t, err)
	require.Zero(t, srv.Knobs().PendingFaults(), "the fault never fired")
	require.Equal(t, 2, srv.Knobs().Count("PUT", "/busy-bucket/"))
	require.Equal(t, ensure.Created, op)
	require.Len(t, srv.Buckets(), 1)
}

func TestCancelledContextStops(t *testing.T) {
	srv, p := hetznerOnSim(t)
	srv.Knobs().SetLatency(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := p.Ensure(ctx, storage.BucketSpec{Name: "slow-bucket", Owner: "shop"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 0, srv.Knobs().Mutating())
}

func TestBucketOutputAndEnv(t *testing.T) {
	p := s3.Hetzner("nbg1", secret.New("AK"), secret.New("SK"))
	b, err := p.Estimate(context.Background(), storage.BucketSpec{Name: "shop-uploads", Owner: "shop"})
	require.NoError(t, err)
	require.True(t, b.Known)
	require.Equal(t, "EUR", b.Currency)
	require.NotEmpty(t, b.Source)
	require.Equal(t, "https://nbg1.your-objectstorage.com", p.Endpoint())
	require.Equal(t, "nbg1", p.Region())

	srv, hp := hetznerOnSim(t)
	bucket, _, err := hp.Ensure(context.Background(), storage.BucketSpec{Name: "out-bucket", Owner: "shop"})
	require.NoError(t, err)
	env := bucket.Env()
	require.Equal(t, srv.URL(), env.Clear[storage.EnvEndpoint])
	require.Equal(t, "true", env.Clear[storage.EnvForcePathStyle])
	require.Equal(t, srv.URL()+"/out-bucket", env.Clear[storage.EnvPublicURL])
	require.Equal(t, srv.SecretKey(), env.Secret[storage.EnvSecretAccessKey].Reveal())

	price, err := s3.MinIO("http://127.0.0.1:9000", secret.New("a"), secret.New("b")).Estimate(context.Background(), storage.BucketSpec{Name: "x-y-z", Owner: "o"})
	require.NoError(t, err)
	require.False(t, price.Known)
}

func TestLogsAndProgressHoldNoSecret(t *testing.T) {
	srv := s3test.New(t)
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := s3.New(srv.URL(), "us-east-1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()), s3.WithLogger(logger), idleClosed(t))
	var progress []string
	ctx := ensure.WithReporter(context.Background(), func(m string) { progress = append(progress, m) })
	b, _, err := p.Ensure(ctx, storage.BucketSpec{Name: "logged", Owner: "shop", CORSOrigins: []string{"https://a.example"}})
	require.NoError(t, err)
	require.NotEmpty(t, logs.String(), "Debug logging is on")
	require.Contains(t, progress, `created bucket "logged": region us-east-1`)
	for _, s := range append(progress, logs.String(), fmt.Sprintf("%v %+v %#v", b, b, b)) {
		require.NotContains(t, s, srv.SecretKey())
	}

	bad := s3.New(srv.URL(), "us-east-1", secret.New(srv.AccessKey()), secret.New("leaky-secret-value-123"), s3.WithLogger(logger), idleClosed(t))
	_, _, err = bad.Ensure(ctx, storage.BucketSpec{Name: "logged", Owner: "shop"})
	require.Error(t, err)
	var e *s3.Error
	require.True(t, errors.As(err, &e))
	logger.Error("ensure failed", "err", e)
	require.NotContains(t, logs.String(), "leaky-secret-value-123")
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestConcurrentEnsures(t *testing.T) {
	srv := s3test.New(t)
	p := s3.New(srv.URL(), "us-east-1", secret.New(srv.AccessKey()), secret.New(srv.SecretKey()), idleClosed(t))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spec := storage.BucketSpec{Name: fmt.Sprintf("par-%d", i%4), Owner: "shop", CORSOrigins: []string{"https://a.example"}}
			_, _, err := p.Ensure(context.Background(), spec)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, srv.Buckets(), 4)
	for _, b := range srv.Buckets() {
		require.Equal(t, []string{s3.MarkerKey}, b.Keys)
	}
}
