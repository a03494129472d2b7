package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
)

const alicePW = "alice-pw-7f3a9c"

func newSim(t *testing.T, opts ...registrytest.Option) *registrytest.Server {
	srv := registrytest.New(t, opts...)
	srv.AddUser("alice", alicePW, "push")
	return srv
}

func aliceSpec(srv *registrytest.Server, image string) registry.Spec {
	return registry.Spec{Server: srv.Host(), Username: "alice", Password: secret.New(alicePW), Image: image}
}

func fast() registry.Option { return registry.WithRetry(3, time.Millisecond) }

func TestEnsureWritesNothing(t *testing.T) {
	probe := []string{"POST /v2/me/shop/blobs/uploads/", "DELETE /v2/me/shop/blobs/uploads/"}
	for _, tc := range []struct {
		name string
		sim  []registrytest.Option
		opts []registry.Option
		want []string // the mutating requests of one Ensure
	}{
		// Basic auth and opaque tokens say nothing about push: an upload is
		// started and cancelled.
		{name: "basic", want: probe},
		{name: "bearer-opaque", sim: []registrytest.Option{registrytest.WithBearer(), registrytest.WithOpaqueTokens()}, want: probe},
		// A token that lists what it grants decides: nothing is written.
		{name: "bearer-jwt", sim: []registrytest.Option{registrytest.WithBearer()}},
		{name: "bearer-jwt-upload-check", sim: []registrytest.Option{registrytest.WithBearer()},
			opts: []registry.Option{registry.WithUploadCheck()}, want: probe},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newSim(t, tc.sim...)
			for range 2 {
				mark := srv.Knobs().Mark()
				_, op, err := registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), tc.opts...)
				require.NoError(t, err)
				require.Equal(t, ensure.Unchanged, op)
				var muts []string
				for _, r := range sim.MutatingOf(srv.Knobs().Since(mark)) {
					muts = append(muts, r.Method+" "+strings.TrimRightFunc(r.Path, func(c rune) bool { return c >= '0' && c <= '9' }))
				}
				require.Equal(t, tc.want, muts)
				require.Zero(t, srv.OpenUploads(), "nothing left behind")
			}
		})
	}
}

// The token's claims are read for the image's repository only, and a token
// granting less than push is a refusal found with reads alone.
func TestEnsureDecidesFromTokenClaims(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithBearer())
	srv.AddUser("ci", "ci-pw-4e5f", "me/shop:push", "me/other:pull")
	spec := registry.Spec{Server: srv.Host(), Username: "ci", Password: secret.New("ci-pw-4e5f"), Image: "me/shop"}

	ch, err := registry.Plan(context.Background(), spec)
	require.NoError(t, err)
	require.Equal(t, `"ci" may push: the registry's token grants it`, ch[0].Detail)

	spec.Image = "me/other"
	for _, run := range []func() error{
		func() error { _, _, err := registry.Ensure(context.Background(), spec); return err },
		func() error { _, err := registry.Plan(context.Background(), spec); return err },
	} {
		err := run()
		require.ErrorIs(t, err, ensure.ErrForbidden)
		var ce *registry.CheckError
		require.ErrorAs(t, err, &ce)
		require.Contains(t, ce.Message, "grants pull on me/other, not push")
		require.Contains(t, err.Error(), `"ci" may not push to `+srv.Host()+"/me/other")
	}
	require.Zero(t, srv.Knobs().Count("POST", "*"), "no upload was needed to know")

	// The tokens it read are the simulator's, signed, and say what they
	// grant: the client decided from real claims.
	tok := issueToken(t, srv, "ci", "ci-pw-4e5f", "repository:me/other:push,pull")
	c, err := srv.VerifyToken(tok)
	require.NoError(t, err)
	require.Equal(t, []registrytest.ClaimAccess{{Type: "repository", Name: "me/other", Actions: []string{"pull"}}}, c.Access)
}

func issueToken(t *testing.T, srv *registrytest.Server, user, pw, scope string) string {
	t.Helper()
	req, err := http.NewRequest("GET", srv.Realm()+"?service=registrytest&scope="+scope, nil)
	require.NoError(t, err)
	req.SetBasicAuth(user, pw)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var body struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body.Token
}

func TestEnsureUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	c := &capture{}
	spec := registry.Spec{Server: addr, Username: "alice", Password: secret.New(alicePW), Image: "me/shop"}
	_, _, err = registry.Ensure(context.Background(), spec, c.opts()...)
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	var ce *registry.CheckError
	require.ErrorAs(t, err, &ce)
	require.Zero(t, ce.Status)
	require.False(t, ce.Temporary(), "nothing listens: retrying won't help")
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr, "the network error stays reachable")
	require.Contains(t, err.Error(), addr)
	require.Contains(t, err.Error(), "unreachable")
	require.NotContains(t, err.Error()+c.String(), alicePW)

	_, err = registry.Plan(context.Background(), spec)
	require.ErrorIs(t, err, ensure.ErrUnavailable)
}

func TestEnsureRetriesTransientFailures(t *testing.T) {
	for _, f := range []sim.Fault{
		{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/v2/me/shop/blobs/uploads/", Status: 503},
		{Kind: sim.RateLimit, Method: "POST", Path: "/v2/me/shop/blobs/uploads/"},
		{Kind: sim.DropAfterCommit, Method: "POST", Path: "/v2/me/shop/blobs/uploads/"},
		{Kind: sim.FailBeforeCommit, Method: "GET", Path: "/v2/", Status: 502},
	} {
		t.Run(string(f.Kind)+" "+f.Method, func(t *testing.T) {
			// Opaque tokens: the upload check runs, so its faults fire.
			srv := newSim(t, registrytest.WithBearer(), registrytest.WithOpaqueTokens())
			srv.Knobs().Inject(f)
			var reports []string
			var mu sync.Mutex
			ctx := ensure.WithReporter(context.Background(), func(m string) {
				mu.Lock()
				reports = append(reports, m)
				mu.Unlock()
			})
			_, _, err := registry.Ensure(ctx, aliceSpec(srv, "me/shop"), fast())
			require.NoError(t, err)
			require.Zero(t, srv.Knobs().PendingFaults())
			require.Len(t, reports, 1, "one retry reported")
			require.Contains(t, reports[0], "retrying")
			require.NotContains(t, reports[0], alicePW)
			if f.Method == "POST" {
				require.Equal(t, 2, srv.Knobs().Count("POST", "/v2/*"))
			}
			if f.Kind == sim.DropAfterCommit {
				// The first upload's answer was lost, so it can't be
				// cancelled; the registry's upload purger removes it.
				require.Equal(t, 1, srv.OpenUploads())
			} else {
				require.Zero(t, srv.OpenUploads())
			}
		})
	}
}

func TestEnsureGivesUpAfterAttempts(t *testing.T) {
	srv := newSim(t)
	srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: "POST", Path: "/v2/*", Times: 10})
	_, _, err := registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), registry.WithRetry(3, time.Millisecond))
	require.ErrorIs(t, err, ensure.ErrRateLimited)
	var ce *registry.CheckError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, 429, ce.Status)
	require.Equal(t, "TOOMANYREQUESTS", ce.Code)
	require.Equal(t, 3, srv.Knobs().Count("POST", "/v2/*"))

	srv.Knobs().ClearFaults()
	srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/v2/*", Status: 503, Times: 10})
	_, _, err = registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), registry.WithRetry(2, time.Millisecond))
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "UNAVAILABLE", ce.Code)
}

func TestEnsureNeverRetriesRefusals(t *testing.T) {
	srv := newSim(t, registrytest.WithBearer())
	srv.AddUser("reader", "reader-pw", "pull")
	_, _, err := registry.Ensure(context.Background(), registry.Spec{Server: srv.Host(), Username: "alice", Password: secret.New("nope"), Image: "me/shop"}, fast())
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Equal(t, 1, srv.Knobs().Count("GET", "/token"))
	require.Zero(t, srv.Knobs().Count("POST", "*"), "refused at the token endpoint: no push attempted")

	srv.Knobs().ResetLog()
	_, _, err = registry.Ensure(context.Background(), registry.Spec{Server: srv.Host(), Username: "reader", Password: secret.New("reader-pw"), Image: "me/shop"}, fast())
	require.ErrorIs(t, err, ensure.ErrForbidden)
	require.Equal(t, 1, srv.Knobs().Count("GET", "/token"), "refused by the token's claims, once")
	require.Zero(t, srv.Knobs().Count("POST", "*"))

	// With an upload check the registry's refusal of the upload is final too.
	srv.Knobs().ResetLog()
	_, _, err = registry.Ensure(context.Background(), registry.Spec{Server: srv.Host(), Username: "reader", Password: secret.New("reader-pw"), Image: "me/shop"}, fast(), registry.WithUploadCheck())
	require.ErrorIs(t, err, ensure.ErrForbidden)
	require.Equal(t, 1, srv.Knobs().Count("POST", "*"))
}

func TestEnsurePerRepositoryScopes(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithBearer())
	srv.AddUser("ci", "ci-pw", "me/shop:push", "me/other:pull")
	spec := registry.Spec{Server: srv.Host(), Username: "ci", Password: secret.New("ci-pw"), Image: "me/shop"}
	_, _, err := registry.Ensure(context.Background(), spec)
	require.NoError(t, err)
	spec.Image = "me/other"
	_, _, err = registry.Ensure(context.Background(), spec)
	require.ErrorIs(t, err, ensure.ErrForbidden)
	require.Contains(t, err.Error(), srv.Host()+"/me/other")
}

func TestEnsureMapsRegistryErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{
		{404, ensure.ErrNotFound},
		{403, ensure.ErrForbidden},
		{500, ensure.ErrUnavailable},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			srv := newSim(t)
			srv.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/v2/*", Status: tc.status, Times: 5})
			_, _, err := registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), registry.WithRetry(1, 0))
			require.ErrorIs(t, err, tc.want)
			var ce *registry.CheckError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.status, ce.Status)
			require.NotEmpty(t, ce.Fix)
		})
	}
}

func TestEnsureContext(t *testing.T) {
	srv := newSim(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := registry.Ensure(ctx, aliceSpec(srv, "me/shop"))
	require.ErrorIs(t, err, context.Canceled)
	var ce *registry.CheckError
	require.False(t, errors.As(err, &ce))

	srv.Knobs().SetLatency(2 * time.Second)
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err = registry.Ensure(ctx, aliceSpec(srv, "me/shop"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, ensure.ErrTimeout)

	// The per-attempt limit, not the caller's.
	_, _, err = registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), registry.WithTimeout(50*time.Millisecond), registry.WithRetry(1, 0))
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.ErrorIs(t, err, ensure.ErrUnavailable)
}

func TestEnsureHTTPClientOption(t *testing.T) {
	srv := newSim(t)
	var n int
	var mu sync.Mutex
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		n++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})
	_, _, err := registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), registry.WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.GreaterOrEqual(t, n, 3, "ping, upload and cancel went through the given transport")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newSimAt(t *testing.T, addr string) *registrytest.Server {
	srv := registrytest.New(t, registrytest.WithAddr(addr))
	srv.AddUser("alice", alicePW, "push")
	return srv
}

func TestEnsureRefusesForeignRealm(t *testing.T) {
	// A challenge whose token endpoint is another (loopback) host: the
	// client refuses to send credentials there.
	srv := registrytest.New(t, registrytest.WithBearer(), registrytest.WithRealm("http://127.0.0.3:1/token"))
	srv.AddUser("alice", alicePW, "push")
	_, _, err := registry.Ensure(context.Background(), aliceSpec(srv, "me/shop"), fast())
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	var ce *registry.CheckError
	require.ErrorAs(t, err, &ce)
	require.False(t, ce.Temporary())
	require.Contains(t, err.Error(), "token challenge")
	require.Equal(t, 1, srv.Knobs().Count("GET", "/v2/"), "one version check, no retries")
}
