package registry

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTokenActions(t *testing.T) {
	jwt := func(payload string) string {
		enc := base64.RawURLEncoding
		return enc.EncodeToString([]byte(`{"alg":"ES256","typ":"JWT"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".c2ln"
	}
	for _, tc := range []struct {
		name    string
		token   string
		actions []string
		ok      bool
	}{
		{"push and pull", jwt(`{"access":[{"type":"repository","name":"me/shop","actions":["pull","push"]}]}`), []string{"pull", "push"}, true},
		{"other repositories don't count", jwt(`{"access":[{"type":"repository","name":"me/other","actions":["push"]},{"type":"repository","name":"me/shop","actions":["pull"]}]}`), []string{"pull"}, true},
		{"registry-wide entries don't count", jwt(`{"access":[{"type":"registry","name":"catalog","actions":["*"]}]}`), nil, true},
		{"empty access: nothing granted", jwt(`{"access":[]}`), nil, true},
		{"wildcard", jwt(`{"access":[{"type":"repository","name":"me/shop","actions":["*"]}]}`), []string{"*"}, true},
		{"padded segment", base64.RawURLEncoding.EncodeToString([]byte("{}")) + "." + base64.URLEncoding.EncodeToString([]byte(`{"access":[{"type":"repository","name":"me/shop","actions":["push"]}]}`)) + ".x", []string{"push"}, true},
		{"no access claim", jwt(`{"sub":"me"}`), nil, false},
		{"null access claim", jwt(`{"access":null}`), nil, false},
		{"opaque", base64.StdEncoding.EncodeToString([]byte("v1:abcdef")), nil, false},
		{"not base64", "a.%%%.c", nil, false},
		{"not json", jwt(`push`), nil, false},
		{"two segments", "a.b", nil, false},
		{"empty", "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			actions, ok := tokenActions(tc.token, "me/shop")
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.actions, actions)
		})
	}
	require.True(t, grants([]string{"pull", "push"}, "push"))
	require.True(t, grants([]string{"*"}, "push"))
	require.False(t, grants([]string{"pull"}, "push"))
	require.False(t, grants(nil, "push"))
}
