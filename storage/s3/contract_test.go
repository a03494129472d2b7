package s3_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/cors"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// target is an S3 server the contract table runs against: the simulator or
// a real one (versitygw in the integration layer).
type target struct {
	endpoint, region     string
	accessKey, secretKey string
	// otherAccessKey/otherSecretKey belong to another account; empty when
	// the target has none, and the foreign-bucket case is skipped.
	otherAccessKey, otherSecretKey string
	// noCORS, noPolicy: the server lacks the feature (a capability gap of
	// the real server, reported by the case that needs it).
	noCORS, noPolicy bool
}

// recorder counts the requests a provider sends, client-side, so request
// counts can be asserted against any server.
type recorder struct {
	mu   sync.Mutex
	reqs []string
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// mutatingSince returns the mutating requests sent after mark.
func (r *recorder) mutatingSince(mark int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.reqs[mark:] {
		if sim.IsMutating(strings.SplitN(s, " ", 2)[0]) {
			out = append(out, s)
		}
	}
	return out
}

func (r *recorder) since(mark int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs[mark:]...)
}

func (tg target) provider(t *testing.T, secretKey string) (*s3.Provider, *recorder) {
	t.Helper()
	// A transport of its own, whose idle connections are closed when the
	// test ends: see idleClosed.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	rec := &recorder{next: tr}
	p := s3.New(tg.endpoint, tg.region, secret.New(tg.accessKey), secret.New(secretKey),
		s3.WithTransport(rec), s3.WithPathStyle(), s3.WithMaxRetries(2))
	return p, rec
}

func (tg target) raw(t *testing.T, ak, sk string) *minio.Client {
	t.Helper()
	u, err := url.Parse(tg.endpoint)
	require.NoError(t, err)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: tg.region,
		Secure: u.Scheme == "https", BucketLookup: minio.BucketLookupPath, MaxRetries: 1})
	require.NoError(t, err)
	return c
}

func randomName(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func put(t *testing.T, c *minio.Client, bucket, key, body string) {
	t.Helper()
	_, err := c.PutObject(context.Background(), bucket, key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	require.NoError(t, err)
}

// cleanup removes a bucket the test made, whatever state it is in.
func (tg target) cleanup(t *testing.T, c *minio.Client, bucket string) {
	t.Cleanup(func() {
		ctx := context.Background()
		if ok, _ := c.BucketExists(ctx, bucket); !ok {
			return
		}
		for e := range c.RemoveObjects(ctx, bucket, c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}), minio.RemoveObjectsOptions{}) {
			t.Logf("cleanup %s: %v", bucket, e.Err)
		}
		if err := c.RemoveBucket(ctx, bucket); err != nil {
			t.Logf("cleanup %s: %v", bucket, err)
		}
	})
}

// runContract is the table that runs unchanged against the simulator and a
// real S3 server. A difference between the two is a simulator bug.
func runContract(t *testing.T, tg target) {
	ctx := context.Background()

	t.Run("create then unchanged with no mutating request", func(t *testing.T) {
		p, rec := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-idem")
		tg.cleanup(t, raw, name)
		spec := storage.BucketSpec{Name: name, Owner: "shop"}

		plan, err := p.Plan(ctx, spec)
		require.NoError(t, err)
		require.Empty(t, rec.mutatingSince(0), "Plan mutated")
		require.Equal(t, ensure.Created, plan[0].Op)
		ok, err := raw.BucketExists(ctx, name)
		require.NoError(t, err)
		require.False(t, ok, "Plan created the bucket")

		b, op, err := p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Created, op)
		require.Equal(t, name, b.Name)
		require.Equal(t, tg.region, b.Region)
		ok, err = raw.BucketExists(ctx, name)
		require.NoError(t, err)
		require.True(t, ok)
		obj, err := raw.GetObject(ctx, name, s3.MarkerKey, minio.GetObjectOptions{})
		require.NoError(t, err)
		data, err := io.ReadAll(obj)
		require.NoError(t, err)
		require.JSONEq(t, `{"managed_by":"assemble","owner":"shop"}`, string(data))

		m := rec.mark()
		_, op, err = p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		require.Empty(t, rec.mutatingSince(m), "second Ensure mutated")
		require.NotEmpty(t, rec.since(m), "second Ensure must still look")
		plan, err = p.Plan(ctx, spec)
		require.NoError(t, err)
		require.Empty(t, plan.Mutating())
	})

	t.Run("validate reads once and primes ensure", func(t *testing.T) {
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-prime")
		tg.cleanup(t, raw, name)
		spec := storage.BucketSpec{Name: name, Owner: "shop"}
		if !tg.noPolicy {
			spec.PublicPrefixes = []string{"public/"}
		}
		p, _ := tg.provider(t, tg.secretKey)
		_, _, err := p.Ensure(ctx, spec)
		require.NoError(t, err)

		// A fresh process: Validate reads, Ensure reads nothing.
		p, rec := tg.provider(t, tg.secretKey)
		require.NoError(t, p.Validate(ctx, spec))
		require.NotEmpty(t, rec.since(0))
		require.Empty(t, rec.mutatingSince(0), "Validate mutated")
		m := rec.mark()
		_, op, err := p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		require.Empty(t, rec.since(m), "Ensure read again what Validate read")

		// Keys the server rejects are refused by Validate.
		bad, rec := tg.provider(t, "wrong-secret-Zq8XvT3kLpA9sD2fG5hJ")
		err = bad.Validate(ctx, spec)
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
		require.Contains(t, err.Error(), "check the access key and secret key")
		require.Empty(t, rec.mutatingSince(0))
	})

	t.Run("cors and policy drift is put back", func(t *testing.T) {
		if tg.noCORS || tg.noPolicy {
			t.Skip("target lacks CORS or bucket policies")
		}
		p, rec := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-drift")
		tg.cleanup(t, raw, name)
		spec := storage.BucketSpec{Name: name, Owner: "shop", PublicPrefixes: []string{"public/", "avatars/"},
			CORSOrigins: []string{"https://shop.example.com", "http://127.0.0.1:3000"}}
		_, op, err := p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Created, op)

		// The same policy written differently (order, string vs list, no
		// Sid) is not drift.
		same := `{"Statement":[{"Resource":["arn:aws:s3:::` + name + `/public/*","arn:aws:s3:::` + name + `/avatars/*"],"Action":"s3:GetObject","Principal":"*","Effect":"Allow"}],"Version":"2012-10-17"}`
		require.NoError(t, raw.SetBucketPolicy(ctx, name, same))
		m := rec.mark()
		_, op, err = p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op, "a reordered but equal policy is not drift")
		require.Empty(t, rec.mutatingSince(m))

		// Drift: someone widens the policy and changes CORS.
		wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + name + `/*"}]}`
		require.NoError(t, raw.SetBucketPolicy(ctx, name, wide))
		require.NoError(t, raw.SetBucketCors(ctx, name, cors.NewConfig([]cors.Rule{{AllowedOrigin: []string{"https://evil.example"}, AllowedMethod: []string{"PUT"}}})))

		plan, err := p.Plan(ctx, spec)
		require.NoError(t, err)
		kinds := map[string]ensure.Op{}
		for _, c := range plan.Mutating() {
			kinds[c.Kind] = c.Op
		}
		require.Equal(t, map[string]ensure.Op{"bucket cors": ensure.Updated, "bucket policy": ensure.Updated}, kinds)

		m = rec.mark()
		_, op, err = p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Updated, op)
		require.Len(t, rec.mutatingSince(m), 2, "exactly one CORS put and one policy put: %v", rec.mutatingSince(m))

		c, err := raw.GetBucketCors(ctx, name)
		require.NoError(t, err)
		require.NotNil(t, c)
		require.ElementsMatch(t, spec.CORSOrigins, c.CORSRules[0].AllowedOrigin)
		pol, err := raw.GetBucketPolicy(ctx, name)
		require.NoError(t, err)
		require.NotContains(t, pol, name+`/*"`)
		require.Contains(t, pol, name+"/public/*")

		m = rec.mark()
		_, op, err = p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		require.Empty(t, rec.mutatingSince(m))

		// Dropping the prefixes and origins from the spec removes both.
		_, op, err = p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.NoError(t, err)
		require.Equal(t, ensure.Updated, op)
		c, err = raw.GetBucketCors(ctx, name)
		require.NoError(t, err)
		require.Nil(t, c)
		pol, err = raw.GetBucketPolicy(ctx, name)
		require.NoError(t, err)
		require.Empty(t, pol)
	})

	t.Run("anonymous read of public prefix only", func(t *testing.T) {
		if tg.noPolicy {
			t.Skip("target lacks bucket policies")
		}
		p, _ := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-public")
		tg.cleanup(t, raw, name)
		b, _, err := p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop", PublicPrefixes: []string{"public/"}})
		require.NoError(t, err)
		put(t, raw, name, "public/logo.txt", "public bytes")
		put(t, raw, name, "private/ledger.txt", "private bytes")

		get := func(key string) (int, string) {
			resp, err := http.Get(b.PublicURL + "/" + key)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		st, body := get("public/logo.txt")
		require.Equal(t, http.StatusOK, st)
		require.Equal(t, "public bytes", body)
		st, body = get("private/ledger.txt")
		require.Equal(t, http.StatusForbidden, st)
		require.NotContains(t, body, "private bytes")
		st, _ = get(s3.MarkerKey)
		require.Equal(t, http.StatusForbidden, st, "the owner marker is private")
		// AWS would say 403 (no s3:ListBucket); versitygw, like Ceph RGW
		// behind Hetzner, says NoSuchKey.
		st, body = get("public/missing.txt")
		require.Equal(t, http.StatusNotFound, st, body)
		require.Contains(t, body, "NoSuchKey")
		st, _ = get("private/missing.txt")
		require.Equal(t, http.StatusForbidden, st)
	})

	t.Run("cors preflight follows the origins", func(t *testing.T) {
		if tg.noCORS {
			t.Skip("target lacks CORS")
		}
		p, _ := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-cors")
		tg.cleanup(t, raw, name)
		_, _, err := p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop", CORSOrigins: []string{"https://shop.example.com"}})
		require.NoError(t, err)
		preflight := func(origin string) *http.Response {
			req, _ := http.NewRequest(http.MethodOptions, tg.endpoint+"/"+name+"/uploads/a.jpg", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "PUT")
			req.Header.Set("Access-Control-Request-Headers", "content-type")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			return resp
		}
		resp := preflight("https://shop.example.com")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "https://shop.example.com", resp.Header.Get("Access-Control-Allow-Origin"))
		require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "PUT")
		resp = preflight("https://evil.example")
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("wrong secret is unauthorized and leaks nothing", func(t *testing.T) {
		const wrong = "wrong-secret-Zq8XvT3kLpA9sD2fG5hJ"
		p, rec := tg.provider(t, wrong)
		name := randomName(t, "ct-auth")
		_, _, err := p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.Error(t, err)
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
		require.True(t, s3.IsCode(err, "SignatureDoesNotMatch"), "%v", err)
		require.NotContains(t, err.Error(), wrong)
		require.NotContains(t, err.Error(), tg.secretKey)
		require.Empty(t, rec.mutatingSince(0))
		_, err = p.Plan(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
	})

	t.Run("foreign bucket is a conflict", func(t *testing.T) {
		if tg.otherAccessKey == "" {
			t.Skip("target has no second account")
		}
		other := tg.raw(t, tg.otherAccessKey, tg.otherSecretKey)
		name := randomName(t, "ct-foreign")
		require.NoError(t, other.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: tg.region}))
		tg.cleanup(t, other, name)
		put(t, other, name, "their-data.txt", "theirs")
		// Depending on the server the name is invisible to us (S3, Hetzner
		// across projects: BucketAlreadyExists) or visible but unmarked
		// (an admin key, Hetzner within one project): a conflict either way.
		p, rec := tg.provider(t, tg.secretKey)
		_, _, err := p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.ErrorIs(t, err, ensure.ErrConflict)
		require.Empty(t, rec.mutatingSince(0), "no write into someone else's bucket")
		ch, err := p.Destroy(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.NoError(t, err)
		require.Empty(t, ch.Mutating())
		ok, err := other.BucketExists(ctx, name)
		require.NoError(t, err)
		require.True(t, ok)
	})

	t.Run("bucket of another recipe is left alone", func(t *testing.T) {
		p, rec := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-other")
		tg.cleanup(t, raw, name)
		_, _, err := p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "blog"})
		require.NoError(t, err)
		m := rec.mark()
		_, _, err = p.Ensure(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.ErrorIs(t, err, ensure.ErrConflict)
		require.Contains(t, err.Error(), `"blog"`)
		ch, err := p.Destroy(ctx, storage.BucketSpec{Name: name, Owner: "shop"})
		require.NoError(t, err)
		require.Empty(t, ch.Mutating())
		require.Empty(t, rec.mutatingSince(m))
		ok, err := raw.BucketExists(ctx, name)
		require.NoError(t, err)
		require.True(t, ok)

		// An unmarked bucket with objects in it is not adopted unless asked.
		name2 := randomName(t, "ct-unmarked")
		require.NoError(t, raw.MakeBucket(ctx, name2, minio.MakeBucketOptions{Region: tg.region}))
		tg.cleanup(t, raw, name2)
		put(t, raw, name2, "k", "v")
		_, _, err = p.Ensure(ctx, storage.BucketSpec{Name: name2, Owner: "shop"})
		require.ErrorIs(t, err, ensure.ErrConflict)
		_, op, err := p.Ensure(ctx, storage.BucketSpec{Name: name2, Owner: "shop", Adopt: true})
		require.NoError(t, err)
		require.Equal(t, ensure.Updated, op)
	})

	t.Run("versioning and object lock", func(t *testing.T) {
		p, rec := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-versions")
		tg.cleanup(t, raw, name)
		spec := storage.BucketSpec{Name: name, Owner: "shop", Versioning: true}
		_, op, err := p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Created, op)
		v, err := raw.GetBucketVersioning(ctx, name)
		require.NoError(t, err)
		require.Equal(t, "Enabled", v.Status)
		m := rec.mark()
		_, op, err = p.Ensure(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		require.Empty(t, rec.mutatingSince(m))

		// Two versions of one key, then a delete marker: Destroy must see
		// them as data, and with EmptyOnDestroy remove every version.
		put(t, raw, name, "doc.txt", "v1")
		put(t, raw, name, "doc.txt", "v2")
		require.NoError(t, raw.RemoveObject(ctx, name, "doc.txt", minio.RemoveObjectOptions{}))
		_, err = p.Destroy(ctx, spec)
		require.ErrorIs(t, err, ensure.ErrPrecondition, "old versions are data")
		spec.EmptyOnDestroy = true
		ch, err := p.Destroy(ctx, spec)
		require.NoError(t, err)
		require.Equal(t, ensure.Deleted, ch[0].Op)
		ok, err := raw.BucketExists(ctx, name)
		require.NoError(t, err)
		require.False(t, ok)

		locked := randomName(t, "ct-locked")
		tg.cleanup(t, raw, locked)
		_, op, err = p.Ensure(ctx, storage.BucketSpec{Name: locked, Owner: "shop", ObjectLock: true})
		require.NoError(t, err)
		require.Equal(t, ensure.Created, op)
		enabled, _, _, _, err := raw.GetObjectLockConfig(ctx, locked)
		require.NoError(t, err)
		require.Equal(t, "Enabled", enabled)
		m = rec.mark()
		_, op, err = p.Ensure(ctx, storage.BucketSpec{Name: locked, Owner: "shop", ObjectLock: true})
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		require.Empty(t, rec.mutatingSince(m))
	})

	t.Run("destroy refuses a non-empty bucket", func(t *testing.T) {
		p, _ := tg.provider(t, tg.secretKey)
		raw := tg.raw(t, tg.accessKey, tg.secretKey)
		name := randomName(t, "ct-destroy")
		tg.cleanup(t, raw, name)
		spec := storage.BucketSpec{Name: name, Owner: "shop"}
		_, _, err := p.Ensure(ctx, spec)
		require.NoError(t, err)
		put(t, raw, name, "uploads/1.jpg", "jpeg")
		put(t, raw, name, "uploads/2.jpg", "jpeg")

		_, err = p.Destroy(ctx, spec)
		require.ErrorIs(t, err, ensure.ErrPrecondition)
		require.Contains(t, err.Error(), "EmptyOnDestroy")
		ok, err := raw.BucketExists(ctx, name)
		require.NoError(t, err)
		require.True(t, ok, "a refused Destroy deleted the bucket")
		_, err = raw.StatObject(ctx, name, "uploads/1.jpg", minio.StatObjectOptions{})
		require.NoError(t, err, "a refused Destroy deleted an object")

		spec.EmptyOnDestroy = true
		ch, err := p.Destroy(ctx, spec)
		require.NoError(t, err)
		require.Len(t, ch, 1)
		require.Equal(t, ensure.Deleted, ch[0].Op)
		require.Contains(t, ch[0].Detail, "2 objects")
		ok, err = raw.BucketExists(ctx, name)
		require.NoError(t, err)
		require.False(t, ok)

		ch, err = p.Destroy(ctx, spec)
		require.NoError(t, err)
		require.Empty(t, ch, "destroying an absent bucket changes nothing")
	})
}

// runRawContract checks S3 behaviour the provider relies on, below the
// provider: error codes and statuses, listing, presigned URLs, multipart.
func runRawContract(t *testing.T, tg target) {
	ctx := context.Background()
	raw := tg.raw(t, tg.accessKey, tg.secretKey)
	name := randomName(t, "ct-raw")
	require.NoError(t, raw.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: tg.region}))
	tg.cleanup(t, raw, name)

	code := func(err error) string { return minio.ToErrorResponse(err).Code }
	t.Run("error codes", func(t *testing.T) {
		err := raw.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: tg.region})
		require.Equal(t, "BucketAlreadyOwnedByYou", code(err))
		require.Equal(t, http.StatusConflict, minio.ToErrorResponse(err).StatusCode)
		_, err = raw.StatObject(ctx, name, "missing", minio.StatObjectOptions{})
		require.Equal(t, "NoSuchKey", code(err))
		_, err = raw.ListBuckets(ctx)
		require.NoError(t, err)
		ok, err := raw.BucketExists(ctx, name+"-absent")
		require.NoError(t, err)
		require.False(t, ok)
		err = raw.SetBucketPolicy(ctx, name+"-absent", `{"Version":"2012-10-17","Statement":[]}`)
		require.Equal(t, "NoSuchBucket", code(err))
		pol, err := raw.GetBucketPolicy(ctx, name)
		require.NoError(t, err)
		require.Empty(t, pol)
		c, err := raw.GetBucketCors(ctx, name)
		require.NoError(t, err)
		require.Nil(t, c)
		// Not checked here: policy validation. AWS answers MalformedPolicy
		// to a policy without Action or Resource, or naming another bucket
		// (s3test does too, see its tests); versitygw v1.8.0 accepts both.
		// The provider only writes well-formed policies.
		put(t, raw, name, "k", "v")
		err = raw.RemoveBucket(ctx, name)
		require.Equal(t, "BucketNotEmpty", code(err))
		require.Equal(t, http.StatusConflict, minio.ToErrorResponse(err).StatusCode)
		_, err = tg.raw(t, tg.accessKey, "not-the-secret").ListBuckets(ctx)
		require.Equal(t, "SignatureDoesNotMatch", code(err))
		require.Equal(t, http.StatusForbidden, minio.ToErrorResponse(err).StatusCode)
		_, err = tg.raw(t, "NOSUCHACCESSKEY0001", "x").ListBuckets(ctx)
		require.Equal(t, "InvalidAccessKeyId", code(err))
		wrongRegion := tg
		wrongRegion.region = "eu-central-1"
		_, err = wrongRegion.raw(t, tg.accessKey, tg.secretKey).ListBuckets(ctx)
		require.Equal(t, "AuthorizationHeaderMalformed", code(err))
		require.Equal(t, http.StatusBadRequest, minio.ToErrorResponse(err).StatusCode)

		resp, err := http.Get(tg.endpoint + "/" + name + "/k")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Contains(t, string(body), "<Code>AccessDenied</Code>")
	})

	t.Run("listing with delimiter and pages", func(t *testing.T) {
		for _, k := range []string{"a/1", "a/2", "b/c/3", "d", "e f"} {
			put(t, raw, name, "list/"+k, k)
		}
		var got []string
		for o := range raw.ListObjects(ctx, name, minio.ListObjectsOptions{Prefix: "list/", MaxKeys: 2}) {
			require.NoError(t, o.Err)
			got = append(got, o.Key)
		}
		require.Equal(t, []string{"list/a/", "list/b/", "list/d", "list/e f"}, got)
		got = nil
		for o := range raw.ListObjects(ctx, name, minio.ListObjectsOptions{Prefix: "list/", Recursive: true, MaxKeys: 2}) {
			require.NoError(t, o.Err)
			got = append(got, o.Key)
		}
		require.Equal(t, []string{"list/a/1", "list/a/2", "list/b/c/3", "list/d", "list/e f"}, got)
	})

	t.Run("presigned get and put", func(t *testing.T) {
		up, err := raw.PresignedPutObject(ctx, name, "presigned/x.txt", time.Minute)
		require.NoError(t, err)
		req, _ := http.NewRequest(http.MethodPut, up.String(), strings.NewReader("via presigned put"))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		down, err := raw.PresignedGetObject(ctx, name, "presigned/x.txt", time.Minute, nil)
		require.NoError(t, err)
		resp, err = http.Get(down.String())
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "via presigned put", string(body))
		resp, err = http.Get(strings.Replace(down.String(), "x.txt", "y.txt", 1))
		require.NoError(t, err)
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Contains(t, string(body), "SignatureDoesNotMatch")
	})

	t.Run("multipart upload", func(t *testing.T) {
		data := strings.Repeat("0123456789", (11<<20)/10)
		_, err := raw.PutObject(ctx, name, "big/blob", strings.NewReader(data), int64(len(data)), minio.PutObjectOptions{PartSize: 5 << 20})
		require.NoError(t, err)
		st, err := raw.StatObject(ctx, name, "big/blob", minio.StatObjectOptions{})
		require.NoError(t, err)
		require.EqualValues(t, len(data), st.Size)
		require.True(t, strings.HasSuffix(st.ETag, "-3"), "multipart ETag %q", st.ETag)
		obj, err := raw.GetObject(ctx, name, "big/blob", minio.GetObjectOptions{})
		require.NoError(t, err)
		buf := make([]byte, 10)
		_, err = obj.ReadAt(buf, 5<<20)
		require.NoError(t, err)
		require.Equal(t, data[5<<20:5<<20+10], string(buf))
	})
}

// isConflict is errors.Is(err, ensure.ErrConflict), for readability.
func isConflict(err error) bool { return errors.Is(err, ensure.ErrConflict) }
