package registry

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
)

// tokenActions reads what a registry token grants on repo from the token
// itself. Distribution's token servers (Docker Hub's, GitLab's, Harbor's,
// quay.io's, Distribution's own token auth) issue JWTs whose "access" claim
// lists the actions granted for each requested scope — the claims the
// registry then enforces. ok is false for any other token (ghcr.io's are
// opaque): only trying an operation tells then.
//
// The signature is not checked: the claims are only read to learn what the
// registry will allow, never to grant anything, and a token that lies only
// makes the push fail later.
func tokenActions(token, repo string) (actions []string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	var claims struct {
		Access *[]struct {
			Type    string   `json:"type"`
			Name    string   `json:"name"`
			Actions []string `json:"actions"`
		} `json:"access"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Access == nil {
		return nil, false
	}
	for _, a := range *claims.Access {
		if a.Type == "repository" && a.Name == repo {
			actions = append(actions, a.Actions...)
		}
	}
	return actions, true
}

// grants reports whether actions include action, or every action ("*").
func grants(actions []string, action string) bool {
	return slices.Contains(actions, action) || slices.Contains(actions, "*")
}
