package registrytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"
)

// Claims is the claim set of a token the simulator issues, in the form
// Distribution's token specification gives it (docs/spec/auth/jwt.md):
// who, for which service, until when, and the access granted.
type Claims struct {
	Issuer    string        `json:"iss"`
	Subject   string        `json:"sub"`
	Audience  string        `json:"aud"`
	ExpiresAt int64         `json:"exp"`
	NotBefore int64         `json:"nbf"`
	IssuedAt  int64         `json:"iat"`
	ID        string        `json:"jti"`
	Access    []ClaimAccess `json:"access"`
}

// ClaimAccess is one entry of a token's "access" claim: the actions granted
// on one resource.
type ClaimAccess struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// tokenIssuer is the issuer name tokens carry.
const tokenIssuer = "registrytest-token-issuer"

// signer signs tokens: a JWT signed with ES256, as Distribution's token
// servers (Docker Hub's, Harbor's, GitLab's) sign theirs.
type signer struct {
	key *ecdsa.PrivateKey
	kid string
}

func newSigner() (*signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := key.PublicKey.ECDH()
	if err != nil {
		return nil, err
	}
	// Distribution's key IDs are a base32 of a hash of the public key, in
	// groups of four.
	sum := sha256.Sum256(der.Bytes())
	raw := base32.StdEncoding.EncodeToString(sum[:30])
	var groups []string
	for i := 0; i+4 <= len(raw); i += 4 {
		groups = append(groups, raw[i:i+4])
	}
	return &signer{key: key, kid: strings.Join(groups, ":")}, nil
}

// issue returns a signed JWT granting g for service.
func (s *signer) issue(g *grant, service string, now time.Time) (string, error) {
	c := Claims{
		Issuer: tokenIssuer, Subject: g.user, Audience: service,
		ExpiresAt: now.Add(5 * time.Minute).Unix(), NotBefore: now.Unix(), IssuedAt: now.Unix(),
		ID: randomHex(16), Access: []ClaimAccess{},
	}
	repos := make([]string, 0, len(g.access))
	for r := range g.access {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	for _, r := range repos {
		var acts []string
		for a := range g.access[r] {
			acts = append(acts, a)
		}
		sort.Strings(acts)
		c.Access = append(c.Access, ClaimAccess{Type: "repository", Name: r, Actions: acts})
	}
	header, err := json.Marshal(map[string]string{"typ": "JWT", "alg": "ES256", "kid": s.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	r, sg, err := ecdsa.Sign(rand.Reader, s.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sg.FillBytes(sig[32:])
	return signing + "." + enc.EncodeToString(sig), nil
}

// VerifyToken checks that token is one this server signed (ES256 over its
// header and claims) and returns its claims. It does not check expiry or
// whether the token is still honoured. Tests use it to look inside the
// tokens a client was given.
func (s *Server) VerifyToken(token string) (*Claims, error) {
	if s.signer == nil {
		return nil, fmt.Errorf("registrytest: this server issues opaque tokens")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("registrytest: token is not a JWT")
	}
	enc := base64.RawURLEncoding
	sig, err := enc.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, fmt.Errorf("registrytest: token signature is malformed")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, sg := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&s.signer.key.PublicKey, sum[:], r, sg) {
		return nil, fmt.Errorf("registrytest: token signature does not verify")
	}
	payload, err := enc.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("registrytest: token claims: %w", err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("registrytest: token claims: %w", err)
	}
	return &c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// IssuesJWT reports whether the token endpoint issues JWTs whose "access"
// claim lists what they grant: Bearer mode without WithOpaqueTokens.
func (s *Server) IssuesJWT() bool { return s.cfg.mode == Bearer && s.signer != nil }
