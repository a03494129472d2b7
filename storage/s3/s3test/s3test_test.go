package s3test_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assemblekit/assemble/sim"
	"github.com/assemblekit/assemble/storage/s3/s3test"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/cors"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"
)

func client(t *testing.T, srv *s3test.Server, ak, sk string) *minio.Client {
	t.Helper()
	u, err := url.Parse(srv.URL())
	require.NoError(t, err)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Region: "us-east-1", MaxRetries: 1})
	require.NoError(t, err)
	return c
}

func TestObjectsRoundTrip(t *testing.T) {
	srv := s3test.New(t)
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	ctx := context.Background()
	require.NoError(t, c.MakeBucket(ctx, "photos", minio.MakeBucketOptions{}))

	// Over plain HTTP minio-go streams with aws-chunked signed chunks.
	body := bytes.Repeat([]byte("x"), 70_000)
	_, err := c.PutObject(ctx, "photos", "a/b c.jpg", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{ContentType: "image/jpeg"})
	require.NoError(t, err)
	got, ok := srv.Object("photos", "a/b c.jpg")
	require.True(t, ok)
	require.Equal(t, body, got)

	obj, err := c.GetObject(ctx, "photos", "a/b c.jpg", minio.GetObjectOptions{})
	require.NoError(t, err)
	read, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, body, read)

	st, err := c.StatObject(ctx, "photos", "a/b c.jpg", minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "image/jpeg", st.ContentType)
	require.EqualValues(t, len(body), st.Size)

	_, err = c.StatObject(ctx, "photos", "missing", minio.StatObjectOptions{})
	require.Equal(t, "NoSuchKey", minio.ToErrorResponse(err).Code)
}

func TestMultipartUpload(t *testing.T) {
	srv := s3test.New(t)
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	ctx := context.Background()
	require.NoError(t, c.MakeBucket(ctx, "big", minio.MakeBucketOptions{}))
	body := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16)
	_, err := c.PutObject(ctx, "big", "blob", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{PartSize: 5 << 20})
	require.NoError(t, err)
	got, ok := srv.Object("big", "blob")
	require.True(t, ok)
	require.Equal(t, len(body), len(got))
	require.True(t, bytes.Equal(body, got))
	require.Equal(t, 3, srv.Knobs().Count("PUT", "/big/blob"), "three parts")
	require.Equal(t, 2, srv.Knobs().Count("POST", "/big/blob"), "initiate and complete")
}

func TestListPagination(t *testing.T) {
	srv := s3test.New(t)
	srv.SeedBucket("list")
	for _, k := range []string{"a/1", "a/2", "b/1", "c", "d", "e"} {
		require.NoError(t, srv.PutObject("list", k, []byte(k)))
	}
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	var got []string
	for o := range c.ListObjects(context.Background(), "list", minio.ListObjectsOptions{MaxKeys: 2}) {
		require.NoError(t, o.Err)
		got = append(got, o.Key)
	}
	require.Equal(t, []string{"a/", "b/", "c", "d", "e"}, got)
	got = nil
	for o := range c.ListObjects(context.Background(), "list", minio.ListObjectsOptions{Recursive: true, MaxKeys: 4}) {
		require.NoError(t, o.Err)
		got = append(got, o.Key)
	}
	require.Equal(t, []string{"a/1", "a/2", "b/1", "c", "d", "e"}, got)
}

func TestAuthErrors(t *testing.T) {
	srv := s3test.New(t)
	ctx := context.Background()
	_, err := client(t, srv, srv.AccessKey(), "wrong-secret").ListBuckets(ctx)
	require.Equal(t, "SignatureDoesNotMatch", minio.ToErrorResponse(err).Code)
	require.Equal(t, http.StatusForbidden, minio.ToErrorResponse(err).StatusCode)
	_, err = client(t, srv, "NOSUCHKEY", "x").ListBuckets(ctx)
	require.Equal(t, "InvalidAccessKeyId", minio.ToErrorResponse(err).Code)

	// Unsigned requests get AccessDenied, as XML.
	resp, err := http.Get(srv.URL() + "/")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 403, resp.StatusCode)
	require.Contains(t, string(b), "<Code>AccessDenied</Code>")
}

func TestRegionEnforced(t *testing.T) {
	srv := s3test.New(t, s3test.WithRegion("fsn1"))
	_, err := client(t, srv, srv.AccessKey(), srv.SecretKey()).ListBuckets(context.Background())
	require.Equal(t, "AuthorizationHeaderMalformed", minio.ToErrorResponse(err).Code)
}

func TestPresigned(t *testing.T) {
	srv := s3test.New(t)
	srv.SeedBucket("pre")
	require.NoError(t, srv.PutObject("pre", "k", []byte("hello")))
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	u, err := c.PresignedGetObject(context.Background(), "pre", "k", time.Minute, nil)
	require.NoError(t, err)
	resp, err := http.Get(u.String())
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "hello", string(b))

	tampered := strings.Replace(u.String(), "/pre/k", "/pre/K", 1)
	resp, err = http.Get(tampered)
	require.NoError(t, err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 403, resp.StatusCode)
	require.Contains(t, string(b), "SignatureDoesNotMatch")

	put, err := c.PresignedPutObject(context.Background(), "pre", "up", time.Minute)
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodPut, put.String(), strings.NewReader("uploaded"))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	got, _ := srv.Object("pre", "up")
	require.Equal(t, "uploaded", string(got))
}

func TestPresignedExpired(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	srv := s3test.New(t, s3test.WithClock(func() time.Time { return clock() }))
	srv.SeedBucket("pre")
	require.NoError(t, srv.PutObject("pre", "k", []byte("hello")))
	u, err := client(t, srv, srv.AccessKey(), srv.SecretKey()).PresignedGetObject(context.Background(), "pre", "k", time.Minute, nil)
	require.NoError(t, err)
	now = now.Add(2 * time.Minute)
	resp, err := http.Get(u.String())
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 403, resp.StatusCode)
	require.Contains(t, string(b), "Request has expired")
}

func TestForeignBucketAndOwnership(t *testing.T) {
	srv := s3test.New(t)
	srv.SeedForeignBucket("taken")
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	ctx := context.Background()
	err := c.MakeBucket(ctx, "taken", minio.MakeBucketOptions{})
	require.Equal(t, "BucketAlreadyExists", minio.ToErrorResponse(err).Code)
	require.NoError(t, c.MakeBucket(ctx, "mine", minio.MakeBucketOptions{}))
	err = c.MakeBucket(ctx, "mine", minio.MakeBucketOptions{})
	require.Equal(t, "BucketAlreadyOwnedByYou", minio.ToErrorResponse(err).Code)
	_, err = c.BucketExists(ctx, "taken")
	require.Error(t, err, "HEAD on someone else's bucket is 403")
	bs, err := c.ListBuckets(ctx)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	require.Equal(t, "mine", bs[0].Name)

	srv.AddCredentials("OTHER", "other-secret", "")
	other := client(t, srv, "OTHER", "other-secret")
	err = other.MakeBucket(ctx, "mine", minio.MakeBucketOptions{})
	require.Equal(t, "BucketAlreadyExists", minio.ToErrorResponse(err).Code)
	_, err = other.GetBucketPolicy(ctx, "mine")
	require.Equal(t, "AccessDenied", minio.ToErrorResponse(err).Code)
}

func TestPolicyAndCORS(t *testing.T) {
	srv := s3test.New(t)
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	ctx := context.Background()
	require.NoError(t, c.MakeBucket(ctx, "web", minio.MakeBucketOptions{}))
	require.NoError(t, srv.PutObject("web", "public/a.png", []byte("A")))
	require.NoError(t, srv.PutObject("web", "private/b.png", []byte("B")))

	get := func(key string) int {
		resp, err := http.Get(srv.URL() + "/web/" + key)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, 403, get("public/a.png"))
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::web/public/*"]}]}`
	require.NoError(t, c.SetBucketPolicy(ctx, "web", pol))
	require.Equal(t, 200, get("public/a.png"))
	require.Equal(t, 403, get("private/b.png"))
	require.Equal(t, 404, get("public/missing.png"), "as versitygw and Ceph RGW: NoSuchKey once GetObject is granted")
	require.Equal(t, 403, get("private/missing.png"))
	got, err := c.GetBucketPolicy(ctx, "web")
	require.NoError(t, err)
	require.JSONEq(t, pol, got)

	err = c.SetBucketPolicy(ctx, "web", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`)
	require.Equal(t, "MalformedPolicy", minio.ToErrorResponse(err).Code)
	err = c.SetBucketPolicy(ctx, "web", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*"}]}`)
	require.Equal(t, "MalformedPolicy", minio.ToErrorResponse(err).Code)
	err = c.SetBucketPolicy(ctx, "absent-bucket", pol)
	require.Equal(t, "NoSuchBucket", minio.ToErrorResponse(err).Code, "existence is checked before the document")

	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL()+"/web/uploads/x", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PUT")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	require.Equal(t, 403, preflight("https://shop.example.com").StatusCode)
	require.NoError(t, c.SetBucketCors(ctx, "web", cors.NewConfig([]cors.Rule{{
		AllowedOrigin: []string{"https://shop.example.com"}, AllowedMethod: []string{"PUT", "GET"}, AllowedHeader: []string{"*"}, MaxAgeSeconds: 600}})))
	resp := preflight("https://shop.example.com")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "https://shop.example.com", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, 403, preflight("https://evil.example.com").StatusCode)
	cfg, err := c.GetBucketCors(ctx, "web")
	require.NoError(t, err)
	require.Equal(t, []string{"https://shop.example.com"}, cfg.CORSRules[0].AllowedOrigin)
	require.NoError(t, c.SetBucketCors(ctx, "web", nil))
	cfg, err = c.GetBucketCors(ctx, "web")
	require.NoError(t, err)
	require.Nil(t, cfg)
}

func TestDeleteBucketNotEmpty(t *testing.T) {
	srv := s3test.New(t)
	srv.SeedBucket("full")
	require.NoError(t, srv.PutObject("full", "k", []byte("v")))
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	err := c.RemoveBucket(context.Background(), "full")
	require.Equal(t, "BucketNotEmpty", minio.ToErrorResponse(err).Code)
	for e := range c.RemoveObjects(context.Background(), "full", c.ListObjects(context.Background(), "full", minio.ListObjectsOptions{Recursive: true}), minio.RemoveObjectsOptions{}) {
		require.NoError(t, e.Err)
	}
	require.NoError(t, c.RemoveBucket(context.Background(), "full"))
	require.Empty(t, srv.Buckets())
}

func TestInjectedFaultIsS3XML(t *testing.T) {
	srv := s3test.New(t)
	srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "GET", Path: "/", Status: 503, Times: 5})
	_, err := client(t, srv, srv.AccessKey(), srv.SecretKey()).ListBuckets(context.Background())
	require.Equal(t, "ServiceUnavailable", minio.ToErrorResponse(err).Code)
}

func TestSaveLoad(t *testing.T) {
	srv := s3test.New(t)
	srv.SeedBucket("keep")
	require.NoError(t, srv.PutObject("keep", "k", []byte("v")))
	require.NoError(t, srv.SetPolicy("keep", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::keep/*"}]}`))
	require.NoError(t, srv.SetCORSOrigins("keep", "https://a.example"))
	path := filepath.Join(t.TempDir(), "world.json")
	require.NoError(t, srv.SaveFile(path))

	srv2 := s3test.New(t)
	require.NoError(t, srv2.LoadFile(path))
	b, ok := srv2.Bucket("keep")
	require.True(t, ok)
	require.Equal(t, []string{"k"}, b.Keys)
	require.Equal(t, []string{"https://a.example"}, b.CORSOrigins)
	require.NotEmpty(t, b.Policy)
	// The new server's own credentials still work after Load.
	_, err := client(t, srv2, srv2.AccessKey(), srv2.SecretKey()).ListBuckets(context.Background())
	require.NoError(t, err)
	require.NoError(t, srv2.LoadFile(filepath.Join(t.TempDir(), "absent.json")))
}

func TestVersions(t *testing.T) {
	srv := s3test.New(t)
	c := client(t, srv, srv.AccessKey(), srv.SecretKey())
	ctx := context.Background()
	require.NoError(t, c.MakeBucket(ctx, "ver", minio.MakeBucketOptions{}))
	require.NoError(t, c.EnableVersioning(ctx, "ver"))
	i1, err := c.PutObject(ctx, "ver", "k", strings.NewReader("one"), 3, minio.PutObjectOptions{})
	require.NoError(t, err)
	_, err = c.PutObject(ctx, "ver", "k", strings.NewReader("two"), 3, minio.PutObjectOptions{})
	require.NoError(t, err)
	require.NoError(t, c.RemoveObject(ctx, "ver", "k", minio.RemoveObjectOptions{}))
	_, err = c.StatObject(ctx, "ver", "k", minio.StatObjectOptions{})
	require.Equal(t, "NoSuchKey", minio.ToErrorResponse(err).Code)

	var markers, versions int
	for o := range c.ListObjects(ctx, "ver", minio.ListObjectsOptions{WithVersions: true, Recursive: true}) {
		require.NoError(t, o.Err)
		if o.IsDeleteMarker {
			markers++
			require.True(t, o.IsLatest)
		} else {
			versions++
		}
	}
	require.Equal(t, 1, markers)
	require.Equal(t, 2, versions)

	obj, err := c.GetObject(ctx, "ver", "k", minio.GetObjectOptions{VersionID: i1.VersionID})
	require.NoError(t, err)
	b, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, "one", string(b))

	require.Equal(t, "BucketNotEmpty", minio.ToErrorResponse(c.RemoveBucket(ctx, "ver")).Code, "kept versions block the delete")
	bi, _ := srv.Bucket("ver")
	require.Empty(t, bi.Keys)
	require.Equal(t, 3, bi.Versions)
}
