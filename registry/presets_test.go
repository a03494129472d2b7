package registry_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/secret"
)

// TestPresets checks each preset's server and user conventions, and that the
// Login Kamal gets is right, by running Ensure against a simulator that
// answers under the vendor's name (registrytest's Transport routes every
// request to it; nothing leaves the machine).
func TestPresets(t *testing.T) {
	const token = "tok-9f8e7d6c5b4a"
	b64key := secret.New("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0=")
	for _, tc := range []struct {
		name       string
		spec       registry.Spec
		server     string // Login.Server
		user       string // Login.Username
		image      string // Login.Image
		pushPath   string // the upload the check starts
		bearer     bool
		opaque     bool // the vendor's tokens don't list what they grant
		realm      string
		service    string
		insecureOK bool
	}{
		{name: "docker hub", spec: registry.DockerHub("alice", secret.New(token), "alice/shop"),
			server: "docker.io", user: "alice", image: "alice/shop", pushPath: "/v2/alice/shop/blobs/uploads/",
			bearer: true, realm: "https://auth.docker.io/token", service: "registry.docker.io"},
		{name: "docker hub with prefix", spec: registry.DockerHub("alice", secret.New(token), "docker.io/alice/shop"),
			server: "docker.io", user: "alice", image: "alice/shop", pushPath: "/v2/alice/shop/blobs/uploads/",
			bearer: true, realm: "https://auth.docker.io/token", service: "registry.docker.io"},
		{name: "docker hub via index alias", spec: registry.DockerHub("alice", secret.New(token), "index.docker.io/alice/shop"),
			server: "docker.io", user: "alice", image: "alice/shop", pushPath: "/v2/alice/shop/blobs/uploads/",
			bearer: true, realm: "https://auth.docker.io/token", service: "registry.docker.io"},
		{name: "ghcr", spec: registry.GHCR("octo", secret.New(token), "ghcr.io/octo/shop"),
			server: "ghcr.io", user: "octo", image: "octo/shop", pushPath: "/v2/octo/shop/blobs/uploads/",
			bearer: true, opaque: true, realm: "https://ghcr.io/token", service: "ghcr.io"},
		{name: "quay robot", spec: registry.Quay("acme+deployer", secret.New(token), "acme/shop"),
			server: "quay.io", user: "acme+deployer", image: "acme/shop", pushPath: "/v2/acme/shop/blobs/uploads/",
			bearer: true, realm: "https://quay.io/v2/auth", service: "quay.io"},
		{name: "ecr public", spec: registry.ECRPublic(secret.New(token), "public.ecr.aws/a1b2c3/shop"),
			server: "public.ecr.aws", user: "AWS", image: "a1b2c3/shop", pushPath: "/v2/a1b2c3/shop/blobs/uploads/",
			bearer: true, opaque: true, realm: "https://public.ecr.aws/token/", service: "public.ecr.aws"},
		{name: "artifact registry", spec: registry.GAR("europe-west3", b64key, "proj/apps/shop"),
			server: "europe-west3-docker.pkg.dev", user: "_json_key_base64", image: "proj/apps/shop",
			pushPath: "/v2/proj/apps/shop/blobs/uploads/",
			bearer:   true, opaque: true, realm: "https://europe-west3-docker.pkg.dev/v2/token", service: "europe-west3-docker.pkg.dev"},
		{name: "artifact registry json key", spec: registry.GAR("us-central1", secret.New(`{"type":"service_account"}`), "proj/apps/shop"),
			server: "us-central1-docker.pkg.dev", user: "_json_key", image: "proj/apps/shop",
			pushPath: "/v2/proj/apps/shop/blobs/uploads/"},
		{name: "gcr access token", spec: registry.GCR(secret.New("ya29.a0AfH6"), "gcr.io/proj/shop"),
			server: "gcr.io", user: "oauth2accesstoken", image: "proj/shop", pushPath: "/v2/proj/shop/blobs/uploads/"},
		{name: "gitlab deploy token", spec: registry.GitLab("gitlab+deploy-token-7", secret.New(token), "registry.gitlab.com/group/project"),
			server: "registry.gitlab.com", user: "gitlab+deploy-token-7", image: "group/project",
			pushPath: "/v2/group/project/blobs/uploads/",
			bearer:   true, realm: "https://gitlab.com/jwt/auth", service: "container_registry"},
		{name: "self-hosted distribution", spec: registry.Distribution("https://registry.example.com", "ops", secret.New(token), "shop"),
			server: "registry.example.com", user: "ops", image: "shop", pushPath: "/v2/shop/blobs/uploads/"},
		{name: "self-hosted with port", spec: registry.Distribution("registry.example.com:5000/", "ops", secret.New(token), "team/shop"),
			server: "registry.example.com:5000", user: "ops", image: "team/shop", pushPath: "/v2/team/shop/blobs/uploads/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []registrytest.Option{}
			if tc.bearer {
				opts = append(opts, registrytest.WithBearer(), registrytest.WithRealm(tc.realm), registrytest.WithService(tc.service))
			}
			if tc.opaque {
				opts = append(opts, registrytest.WithOpaqueTokens())
			}
			srv := registrytest.New(t, opts...)
			srv.AddUser(tc.spec.Username, tc.spec.Password.Reveal(), "push")
			require.NoError(t, tc.spec.Validate())

			login, op, err := registry.Ensure(context.Background(), tc.spec, registry.WithTransport(srv.Transport()))
			require.NoError(t, err)
			require.Equal(t, ensure.Unchanged, op)
			require.Equal(t, tc.server, login.Server)
			require.Equal(t, tc.user, login.Username)
			require.Equal(t, tc.image, login.Image)
			require.Equal(t, tc.server+"/"+tc.image, login.Repository())
			require.Equal(t, "KAMAL_REGISTRY_PASSWORD", login.PasswordSecret)
			require.False(t, login.Local())
			if tc.bearer && !tc.opaque {
				// The token lists what it grants: nothing is written.
				require.Zero(t, srv.Knobs().Count("POST", "*"), "the token's claims decide")
			} else {
				require.Equal(t, 1, srv.Knobs().Count("POST", tc.pushPath), "the push check targets the image's repository")
			}
			if tc.bearer {
				u, err := url.Parse(tc.realm)
				require.NoError(t, err)
				require.Equal(t, 1, srv.Knobs().Count("GET", u.Path), "one token exchange")
				var scopes []string
				for _, r := range srv.Knobs().Requests() {
					if r.Path == u.Path {
						q, err := url.ParseQuery(r.Query)
						require.NoError(t, err)
						scopes = append(scopes, q["scope"]...)
					}
				}
				require.Equal(t, []string{"repository:" + tc.image + ":push,pull"}, scopes, "the token is asked for the image's repository")
			}
			require.Zero(t, srv.OpenUploads())
		})
	}
}

func TestPresetLocal(t *testing.T) {
	srv := registrytest.New(t)
	spec := registry.Local("shop")
	require.Equal(t, "localhost:5555", spec.Server)
	require.Empty(t, spec.Username)
	require.True(t, spec.Password.IsZero())

	login, op, err := registry.Ensure(context.Background(), spec, registry.WithTransport(srv.Transport()))
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Equal(t, registry.Login{Server: "localhost:5555", Image: "shop"}, *login)
	require.True(t, login.Local())
	require.Equal(t, "localhost:5555/shop", login.Repository())
	require.Empty(t, srv.Knobs().Requests(), "Kamal's local registry is not reachable from here: nothing to check")

	ch, err := registry.Plan(context.Background(), spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Changes{{Kind: registry.Kind, Name: "localhost:5555/shop", Op: ensure.Unchanged,
		Detail: "Kamal's local registry: no credentials to check"}}, ch)

	for _, bad := range []string{"localhost", "localhost:0", "localhost:abc"} {
		_, _, err := registry.Ensure(context.Background(), registry.Spec{Server: bad, Image: "shop"})
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie, bad)
		require.Equal(t, "registry.server", ie.Field)
	}
}

func TestDistributionPresetInsecure(t *testing.T) {
	s := registry.Distribution("http://127.0.0.2:5000", "ops", secret.New("pw"), "shop")
	require.Equal(t, "127.0.0.2:5000", s.Server)
	require.True(t, s.Insecure)
	require.NoError(t, s.Validate())

	s = registry.Distribution("http://registry.example.com", "ops", secret.New("pw"), "shop")
	require.True(t, s.Insecure)
	var ie *ensure.InvalidError
	require.ErrorAs(t, s.Validate(), &ie)
	require.Equal(t, "registry.insecure", ie.Field)
}
