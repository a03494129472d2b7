package registry_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
)

func TestValidate(t *testing.T) {
	pw := secret.New("tok-123456")
	for _, tc := range []struct {
		name  string
		spec  registry.Spec
		field string // "" when valid
	}{
		{"ghcr", registry.GHCR("me", pw, "me/shop"), ""},
		{"empty server is docker hub", registry.Spec{Username: "me", Password: pw, Image: "me/shop"}, ""},
		{"loopback insecure", registry.Spec{Server: "127.0.0.3:5000", Username: "u", Password: pw, Image: "shop", Insecure: true}, ""},
		{"ipv6 loopback", registry.Spec{Server: "[::1]:5000", Username: "u", Password: pw, Image: "shop", Insecure: true}, ""},
		{"empty password", registry.GHCR("me", secret.Value{}, "me/shop"), "registry.password"},
		{"password with newline", registry.GHCR("me", secret.New("tok\n"), "me/shop"), "registry.password"},
		{"empty username", registry.GHCR("", pw, "me/shop"), "registry.username"},
		{"username with space", registry.GHCR("me ", pw, "me/shop"), "registry.username"},
		{"server is a URL", registry.Spec{Server: "https://ghcr.io", Username: "me", Password: pw, Image: "me/shop"}, "registry.server"},
		{"server with path", registry.Spec{Server: "ghcr.io/me", Username: "me", Password: pw, Image: "me/shop"}, "registry.server"},
		{"server bad port", registry.Spec{Server: "reg.example.com:99999", Username: "me", Password: pw, Image: "me/shop"}, "registry.server"},
		{"insecure remote", registry.Spec{Server: "reg.example.com", Username: "me", Password: pw, Image: "shop", Insecure: true}, "registry.insecure"},
		{"empty image", registry.GHCR("me", pw, ""), "image"},
		{"image with tag", registry.GHCR("me", pw, "me/shop:latest"), "image"},
		{"image with digest", registry.GHCR("me", pw, "me/shop@sha256:abc"), "image"},
		{"image upper case", registry.GHCR("me", pw, "Me/Shop"), "image"},
		{"image bad chars", registry.GHCR("me", pw, "me/sh op"), "image"},
		{"image double dash ok", registry.GHCR("me", pw, "me/my--shop"), ""},
		{"image leading dot", registry.GHCR("me", pw, "me/.shop"), "image"},
		{"docker hub without namespace", registry.DockerHub("me", pw, "shop"), "image"},
		{"gar wrong user", registry.Spec{Server: "europe-west3-docker.pkg.dev", Username: "me", Password: pw, Image: "p/r/shop"}, "registry.username"},
		{"ecr public wrong user", registry.Spec{Server: "public.ecr.aws", Username: "me", Password: pw, Image: "a/shop"}, "registry.username"},
		{"localhost with user but no password", registry.Spec{Server: "localhost:5000", Username: "me", Image: "shop"}, "registry.password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.spec.Validate()
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ensure.ErrInvalidSpec)
			var ie *ensure.InvalidError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.field, ie.Field)
			require.NotEmpty(t, ie.Fix, "every invalid field says how to fix it")
			require.NotContains(t, err.Error(), "tok-123456")
		})
	}
}

func TestDockerHubNamespaceFix(t *testing.T) {
	var ie *ensure.InvalidError
	require.ErrorAs(t, registry.DockerHub("me", secret.New("x"), "shop").Validate(), &ie)
	require.Equal(t, `use "me/shop"`, ie.Fix)
}

func TestValidateJoinsProblems(t *testing.T) {
	err := registry.Spec{Server: "ghcr.io", Image: "Me/Shop:1"}.Validate()
	var fields []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ie *ensure.InvalidError
		require.True(t, errors.As(e, &ie))
		fields = append(fields, ie.Field)
	}
	require.Equal(t, []string{"registry.username", "registry.password", "image"}, fields)
}

func TestImageOnAnotherRegistry(t *testing.T) {
	pw := secret.New("tok-123456")
	// The classic: an image on ghcr.io, registry.server left unset, so
	// Kamal logs in to Docker Hub.
	err := registry.Spec{Username: "me", Password: pw, Image: "ghcr.io/me/shop"}.Validate()
	var me *registry.MismatchError
	require.ErrorAs(t, err, &me)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Equal(t, registry.MismatchError{Image: "ghcr.io/me/shop", ImageRegistry: "ghcr.io", Server: "docker.io", ServerDefaulted: true}, *me)
	require.Contains(t, err.Error(), "Docker Hub")
	require.Contains(t, err.Error(), "set registry.server: ghcr.io and image: me/shop")

	err = registry.GHCR("me", pw, "quay.io/me/shop").Validate()
	require.ErrorAs(t, err, &me)
	require.Equal(t, "quay.io", me.ImageRegistry)
	require.Equal(t, "ghcr.io", me.Server)
	require.False(t, me.ServerDefaulted)
	require.Contains(t, err.Error(), `image "quay.io/me/shop" is on quay.io but registry.server is ghcr.io`)

	// Docker Hub's aliases are the same registry.
	require.NoError(t, registry.DockerHub("me", pw, "index.docker.io/me/shop").Validate())
	require.NoError(t, registry.Spec{Server: "registry-1.docker.io", Username: "me", Password: pw, Image: "docker.io/me/shop"}.Validate())
}

func TestSpecNeverPrintsPassword(t *testing.T) {
	s := registry.GHCR("me", secret.New("ghp_supersecret"), "me/shop")
	j, err := json.Marshal(s)
	require.NoError(t, err)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", s, s, s), string(j)} {
		require.NotContains(t, out, "ghp_supersecret")
	}
}
