package registrytest_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/sim"
)

func modes() []registrytest.AuthMode {
	return []registrytest.AuthMode{registrytest.Basic, registrytest.Bearer}
}

// A real client pushes and pulls a real image: the simulator is a registry,
// not a stub.
func TestPushAndPullWithGGCR(t *testing.T) {
	for _, m := range modes() {
		t.Run(m.String(), func(t *testing.T) {
			srv := registrytest.New(t, registrytest.WithAuth(m))
			srv.AddUser("alice", "pw-a", "push")
			srv.AddUser("reader", "pw-r", "pull")
			ref, err := name.ParseReference(srv.Host() + "/me/shop:v1")
			require.NoError(t, err)
			img, err := random.Image(256, 2)
			require.NoError(t, err)

			require.NoError(t, remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "pw-a"})))
			require.Zero(t, srv.OpenUploads(), "completed uploads are closed")

			got, err := remote.Image(ref, remote.WithAuth(&authn.Basic{Username: "reader", Password: "pw-r"}))
			require.NoError(t, err)
			want, _ := img.Digest()
			d, err := got.Digest()
			require.NoError(t, err)
			require.Equal(t, want, d)

			other, err := random.Image(128, 1)
			require.NoError(t, err)
			err = remote.Write(ref, other, remote.WithAuth(&authn.Basic{Username: "reader", Password: "pw-r"}))
			var terr *transport.Error
			require.True(t, errors.As(err, &terr), "%v", err)
			require.Equal(t, http.StatusForbidden, terr.StatusCode)
			require.Equal(t, transport.DeniedErrorCode, terr.Errors[0].Code)

			_, err = remote.Image(ref, remote.WithAuth(&authn.Basic{Username: "alice", Password: "wrong"}))
			require.True(t, errors.As(err, &terr), "%v", err)
			require.Equal(t, http.StatusUnauthorized, terr.StatusCode)
		})
	}
}

func do(t *testing.T, method, url string, auth func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return resp, string(b)
}

func basic(u, p string) func(*http.Request) { return func(r *http.Request) { r.SetBasicAuth(u, p) } }

func TestBasicChallengeLooksLikeDistribution(t *testing.T) {
	srv := registrytest.New(t)
	srv.AddUser("alice", "pw-a")
	resp, body := do(t, "GET", srv.URL()+"/v2/", nil)
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, `Basic realm="registrytest"`, resp.Header.Get("WWW-Authenticate"))
	require.Equal(t, "registry/2.0", resp.Header.Get("Docker-Distribution-Api-Version"))
	require.Contains(t, body, `"code":"UNAUTHORIZED"`)

	resp, body = do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", nil)
	require.Equal(t, 401, resp.StatusCode)
	require.Contains(t, body, `"Action":"push"`)

	resp, _ = do(t, "GET", srv.URL()+"/v2/", basic("alice", "pw-a"))
	require.Equal(t, 200, resp.StatusCode)
}

func TestUploadSessions(t *testing.T) {
	srv := registrytest.New(t)
	srv.AddUser("alice", "pw-a")
	resp, _ := do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", basic("alice", "pw-a"))
	require.Equal(t, 202, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/v2/me/shop/blobs/uploads/"), loc)
	require.Equal(t, path.Base(loc), resp.Header.Get("Docker-Upload-UUID"))
	require.Equal(t, 1, srv.OpenUploads())

	// Another repository's path doesn't reach this session.
	resp, _ = do(t, "DELETE", srv.URL()+strings.Replace(loc, "me/shop", "me/other", 1), basic("alice", "pw-a"))
	require.Equal(t, 404, resp.StatusCode)

	resp, _ = do(t, "DELETE", srv.URL()+loc, basic("alice", "pw-a"))
	require.Equal(t, 204, resp.StatusCode)
	require.Zero(t, srv.OpenUploads())

	resp, body := do(t, "DELETE", srv.URL()+loc, basic("alice", "pw-a"))
	require.Equal(t, 404, resp.StatusCode)
	require.Contains(t, body, `"code":"BLOB_UPLOAD_UNKNOWN"`)
}

func TestReadOnly(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithReadOnly())
	srv.AddUser("alice", "pw-a")
	resp, _ := do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", nil)
	require.Equal(t, 401, resp.StatusCode, "authentication comes first, as in Distribution")
	resp, body := do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", basic("alice", "pw-a"))
	require.Equal(t, 405, resp.StatusCode)
	require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
	require.Contains(t, body, "Method not allowed")
	require.Zero(t, srv.OpenUploads())
}

type tokenBody struct {
	Token       string `json:"token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	Details     string `json:"details"`
}

func TestTokenFlow(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithBearer(), registrytest.WithService("registry.test"))
	srv.AddUser("alice", "pw-a", "me/shop:push")

	resp, _ := do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", nil)
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, `Bearer realm="`+srv.Realm()+`",service="registry.test",scope="repository:me/shop:pull,push"`,
		resp.Header.Get("WWW-Authenticate"))

	token := func(auth func(*http.Request), query string) (int, tokenBody) {
		resp, body := do(t, "GET", srv.Realm()+"?"+query, auth)
		var tb tokenBody
		require.NoError(t, json.Unmarshal([]byte(body), &tb), body)
		return resp.StatusCode, tb
	}
	status, tb := token(basic("alice", "wrong"), "service=registry.test&scope=repository:me/shop:pull,push")
	require.Equal(t, 401, status)
	require.Equal(t, "incorrect username or password", tb.Details)

	status, _ = token(basic("alice", "pw-a"), "service=other&scope=repository:me/shop:pull,push")
	require.Equal(t, 400, status)

	bearer := func(tok string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
	}
	// Granted on me/shop, not on me/other (asked for both in one request).
	status, tb = token(basic("alice", "pw-a"), "service=registry.test&scope=repository:me/shop:pull,push&scope=repository:me/other:pull,push")
	require.Equal(t, 200, status)
	require.Equal(t, tb.Token, tb.AccessToken)
	require.Equal(t, 300, tb.ExpiresIn)
	resp, _ = do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", bearer(tb.Token))
	require.Equal(t, 202, resp.StatusCode)
	resp, body := do(t, "POST", srv.URL()+"/v2/me/other/blobs/uploads/", bearer(tb.Token))
	require.Equal(t, 403, resp.StatusCode)
	require.Contains(t, body, `"code":"DENIED"`)
	// The token is a signed JWT saying exactly that.
	require.True(t, srv.IssuesJWT())
	c, err := srv.VerifyToken(tb.Token)
	require.NoError(t, err)
	require.Equal(t, "alice", c.Subject)
	require.Equal(t, "registry.test", c.Audience)
	require.Equal(t, int64(300), c.ExpiresAt-c.IssuedAt)
	require.Equal(t, []registrytest.ClaimAccess{{Type: "repository", Name: "me/shop", Actions: []string{"pull", "push"}}}, c.Access)
	parts := strings.Split(tb.Token, ".")
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	require.Contains(t, string(header), `"alg":"ES256"`)
	// A token whose claims were changed no longer verifies.
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice","access":[{"type":"repository","name":"me/other","actions":["push"]}]}`)) + "." + parts[2]
	_, err = srv.VerifyToken(forged)
	require.Error(t, err)

	// Anonymous tokens carry no access.
	status, tb = token(nil, "service=registry.test&scope=repository:me/shop:pull")
	require.Equal(t, 200, status)
	c, err = srv.VerifyToken(tb.Token)
	require.NoError(t, err)
	require.Empty(t, c.Subject)
	require.Empty(t, c.Access)
	resp, _ = do(t, "GET", srv.URL()+"/v2/me/shop/tags/list", bearer(tb.Token))
	require.Equal(t, 403, resp.StatusCode)

	// Removing the user revokes its tokens.
	_, tb = token(basic("alice", "pw-a"), "service=registry.test&scope=repository:me/shop:pull")
	srv.RemoveUser("alice")
	resp, _ = do(t, "GET", srv.URL()+"/v2/", bearer(tb.Token))
	require.Equal(t, 401, resp.StatusCode)
}

// Opaque tokens (as ghcr.io's) work the same and say nothing.
func TestOpaqueTokens(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithBearer(), registrytest.WithOpaqueTokens())
	srv.AddUser("alice", "pw-a", "me/shop:push")
	require.False(t, srv.IssuesJWT())
	req, err := http.NewRequest("GET", srv.Realm()+"?service=registrytest&scope=repository:me/shop:pull,push", nil)
	require.NoError(t, err)
	req.SetBasicAuth("alice", "pw-a")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var tb tokenBody
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tb))
	_ = resp.Body.Close()
	require.NotContains(t, tb.Token, ".")
	_, err = srv.VerifyToken(tb.Token)
	require.Error(t, err)
	resp2, _ := do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tb.Token) })
	require.Equal(t, 202, resp2.StatusCode)
}

func TestDenyUnauthorizedInsufficientScope(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithBearer(), registrytest.WithDenyUnauthorized())
	srv.AddUser("reader", "pw-r", "pull")
	resp, body := do(t, "GET", srv.Realm()+"?service=registrytest&scope=repository:me/shop:pull,push", basic("reader", "pw-r"))
	require.Equal(t, 200, resp.StatusCode)
	var tb tokenBody
	require.NoError(t, json.Unmarshal([]byte(body), &tb))
	resp, _ = do(t, "POST", srv.URL()+"/v2/me/shop/blobs/uploads/", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tb.Token) })
	require.Equal(t, 401, resp.StatusCode)
	require.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="insufficient_scope"`)
}

func TestInjectedFaultsUseRegistryEnvelope(t *testing.T) {
	srv := registrytest.New(t)
	srv.AddUser("alice", "pw-a")
	srv.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Path: "/v2/*"})
	resp, body := do(t, "GET", srv.URL()+"/v2/", basic("alice", "pw-a"))
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	require.JSONEq(t, `{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests","detail":null}]}`, body)
	require.Equal(t, 1, srv.Knobs().Count("GET", "/v2/"))
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.1.2.3:0", "nonsense"} {
		_, err := registrytest.Start(registrytest.WithAddr(addr))
		require.Error(t, err, addr)
	}
	srv, err := registrytest.Start(registrytest.WithAddr("127.0.0.2:0"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(srv.Host(), "127.0.0.2:"))
	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close(), "Close is idempotent")
}

func TestConcurrentUse(t *testing.T) {
	srv := registrytest.New(t, registrytest.WithBearer())
	srv.AddUser("alice", "pw-a")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref, _ := name.ParseReference(srv.Host() + "/me/app" + string(rune('a'+i)) + ":v1")
			img, _ := random.Image(64, 1)
			errs <- remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "pw-a"}))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Zero(t, srv.OpenUploads())
}
