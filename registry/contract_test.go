package registry_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
)

// contractTarget is a registry the contract table runs against: the
// simulator in one of its modes, or a real Distribution registry.
type contractTarget struct {
	// Host is the registry's "127.0.0.1:port".
	Host string
	// User and Password may push to every repository.
	User, Password string
	// PullOnlyUser may only pull; empty when the registry can't express
	// per-user scopes (Distribution with htpasswd).
	PullOnlyUser, PullOnlyPassword string
	// ReadOnlyHost is a read-only registry with the same users; empty when
	// there is none.
	ReadOnlyHost string
	// OpenUploads counts upload sessions left open; nil when unknown.
	OpenUploads func() int
	// TokenClaims is true when the registry's tokens list what they grant
	// (JWTs with an "access" claim): the checks then decide push from the
	// token, Plan included, and write nothing.
	TokenClaims bool
}

// capture collects every log line and error string a case produced, for the
// secret-leak check.
type capture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func (c *capture) opts() []registry.Option {
	return []registry.Option{
		registry.WithLogger(slog.New(slog.NewJSONHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		registry.WithRetry(2, time.Millisecond),
		registry.WithTimeout(10 * time.Second),
	}
}

// runContract is the behaviour every registry must show. The same table runs
// against registrytest (TestContractSimulator) and a real CNCF Distribution
// registry (TestIntegrationDistribution).
func runContract(t *testing.T, tg contractTarget) {
	ctx := context.Background()
	spec := func(user, pw, image string) registry.Spec {
		return registry.Spec{Server: tg.Host, Username: user, Password: secret.New(pw), Image: image}
	}
	// Every case checks that no password it used shows up anywhere.
	noLeak := func(t *testing.T, c *capture, err error, pws ...string) {
		t.Helper()
		text := c.String()
		if err != nil {
			text += "\n" + err.Error()
		}
		for _, pw := range pws {
			if pw != "" {
				require.NotContains(t, text, pw, "secret leaked into an error or log line")
			}
		}
	}
	openBefore := 0
	if tg.OpenUploads != nil {
		openBefore = tg.OpenUploads()
	}

	t.Run("push permission", func(t *testing.T) {
		c := &capture{}
		login, op, err := registry.Ensure(ctx, spec(tg.User, tg.Password, tg.Host+"/contract/shop"), c.opts()...)
		require.NoError(t, err)
		require.Equal(t, ensure.Unchanged, op)
		require.Equal(t, tg.Host, login.Server)
		require.Equal(t, tg.User, login.Username)
		require.Equal(t, "contract/shop", login.Image, "Kamal's image is the repository without the server")
		require.Equal(t, tg.Host+"/contract/shop", login.Repository())
		require.Equal(t, registry.DefaultPasswordSecret, login.PasswordSecret)
		require.Equal(t, tg.Password, login.Password.Reveal())
		require.NotEmpty(t, c.String(), "the check logs at debug level")
		noLeak(t, c, nil, tg.Password)
		if tg.OpenUploads != nil {
			require.Equal(t, openBefore, tg.OpenUploads(), "the push check must cancel the upload it started")
		}
	})

	t.Run("twice is unchanged", func(t *testing.T) {
		for range 2 {
			_, op, err := registry.Ensure(ctx, spec(tg.User, tg.Password, "contract/again"))
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
		}
		if tg.OpenUploads != nil {
			require.Equal(t, openBefore, tg.OpenUploads())
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		c := &capture{}
		bad := tg.Password + "-wrong"
		_, _, err := registry.Ensure(ctx, spec(tg.User, bad, "contract/shop"), c.opts()...)
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
		var ce *registry.CheckError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, 401, ce.Status)
		require.Contains(t, err.Error(), tg.User)
		require.Contains(t, err.Error(), registry.DefaultPasswordSecret, "the error says what to fix")
		noLeak(t, c, err, bad, tg.Password)
	})

	t.Run("unknown user", func(t *testing.T) {
		c := &capture{}
		_, _, err := registry.Ensure(ctx, spec("nobody-"+tg.User, tg.Password, "contract/shop"), c.opts()...)
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
		noLeak(t, c, err, tg.Password)
	})

	t.Run("pull-only user", func(t *testing.T) {
		if tg.PullOnlyUser == "" {
			t.Skip("this registry has no per-user scopes (htpasswd grants every user push)")
		}
		c := &capture{}
		_, _, err := registry.Ensure(ctx, spec(tg.PullOnlyUser, tg.PullOnlyPassword, "contract/shop"), c.opts()...)
		require.ErrorIs(t, err, ensure.ErrForbidden)
		require.False(t, errors.Is(err, ensure.ErrUnauthorized))
		var ce *registry.CheckError
		require.ErrorAs(t, err, &ce)
		require.Contains(t, err.Error(), tg.PullOnlyUser)
		require.Contains(t, err.Error(), "may not push")
		noLeak(t, c, err, tg.PullOnlyPassword)

		ch, err := registry.Plan(ctx, spec(tg.PullOnlyUser, tg.PullOnlyPassword, "contract/shop"), c.opts()...)
		if tg.TokenClaims {
			// The token says it grants pull only: Plan knows as much as
			// Ensure, with reads only.
			require.ErrorIs(t, err, ensure.ErrForbidden)
			require.Contains(t, err.Error(), "grants pull")
			noLeak(t, c, err, tg.PullOnlyPassword)
			return
		}
		// Its credentials are fine for reading: Plan (reads only) passes.
		require.NoError(t, err)
		require.Len(t, ch, 1)
	})

	t.Run("read-only registry", func(t *testing.T) {
		if tg.ReadOnlyHost == "" {
			t.Skip("no read-only registry to check against")
		}
		c := &capture{}
		s := spec(tg.User, tg.Password, "contract/shop")
		s.Server = tg.ReadOnlyHost
		if tg.TokenClaims {
			// The documented trade-off: a token granting push decides, so a
			// registry refusing every push whatever its tokens say is only
			// caught by the upload check.
			_, _, err := registry.Ensure(ctx, s, c.opts()...)
			require.NoError(t, err)
		}
		_, _, err := registry.Ensure(ctx, s, append(c.opts(), registry.WithUploadCheck())...)
		require.ErrorIs(t, err, ensure.ErrForbidden)
		var ce *registry.CheckError
		require.ErrorAs(t, err, &ce)
		require.Equal(t, 405, ce.Status)
		noLeak(t, c, err, tg.Password)
	})

	t.Run("image on another registry", func(t *testing.T) {
		c := &capture{}
		_, _, err := registry.Ensure(ctx, spec(tg.User, tg.Password, "ghcr.io/contract/shop"), c.opts()...)
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		var me *registry.MismatchError
		require.ErrorAs(t, err, &me)
		require.Equal(t, "ghcr.io", me.ImageRegistry)
		require.Equal(t, tg.Host, me.Server)
		require.Contains(t, err.Error(), "ghcr.io")
		require.Contains(t, err.Error(), tg.Host)
		noLeak(t, c, err, tg.Password)
	})

	t.Run("empty password", func(t *testing.T) {
		_, _, err := registry.Ensure(ctx, spec(tg.User, "", "contract/shop"))
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, "registry.password", ie.Field)
	})

	t.Run("invalid repository name", func(t *testing.T) {
		_, _, err := registry.Ensure(ctx, spec(tg.User, tg.Password, "Contract/Shop"))
		require.ErrorIs(t, err, ensure.ErrInvalidSpec)
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie)
		require.Equal(t, "image", ie.Field)
		require.Contains(t, ie.Fix, "contract/shop")
	})

	t.Run("plan", func(t *testing.T) {
		c := &capture{}
		ch, err := registry.Plan(ctx, spec(tg.User, tg.Password, "contract/shop"), c.opts()...)
		require.NoError(t, err)
		require.Len(t, ch, 1)
		require.Equal(t, ensure.Unchanged, ch[0].Op)
		require.Equal(t, registry.Kind, ch[0].Kind)
		require.Equal(t, tg.Host+"/contract/shop", ch[0].Name)
		require.Empty(t, ch.Mutating())
		if tg.TokenClaims {
			require.Contains(t, ch[0].Detail, "may push")
		} else {
			require.Contains(t, ch[0].Detail, "Ensure proves push permission")
		}

		_, err = registry.Plan(ctx, spec(tg.User, tg.Password+"-wrong", "contract/shop"), c.opts()...)
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
		noLeak(t, c, err, tg.Password, tg.Password+"-wrong")
	})

	// Ensure's verdict is the registry's: a real push with the same
	// credentials succeeds where Ensure passed and fails where it refused.
	t.Run("verdict matches a real push", func(t *testing.T) {
		push := func(host, user, pw string) error {
			ref, err := name.ParseReference(host + "/contract/pushed:v1")
			require.NoError(t, err)
			img, err := random.Image(512, 1)
			require.NoError(t, err)
			return remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: user, Password: pw}))
		}
		require.NoError(t, push(tg.Host, tg.User, tg.Password))
		require.Error(t, push(tg.Host, tg.User, tg.Password+"-wrong"))
		if tg.PullOnlyUser != "" {
			require.Error(t, push(tg.Host, tg.PullOnlyUser, tg.PullOnlyPassword))
		}
		if tg.ReadOnlyHost != "" {
			require.Error(t, push(tg.ReadOnlyHost, tg.User, tg.Password))
		}
	})

	if strings.TrimSpace(tg.Host) == "" {
		t.Fatal("contract target has no host")
	}
}
