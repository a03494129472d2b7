package registry

import "github.com/assemblekit/assemble/secret"

// Login is what Kamal's configuration gets from a checked registry.
type Login struct {
	// Server is registry.server ("ghcr.io", "docker.io", "localhost:5555").
	Server string
	// Username is registry.username; empty for Kamal's local registry.
	Username string
	// Image is Kamal's image: the repository without the server, because
	// Kamal pushes to registry.server + "/" + image.
	Image string
	// PasswordSecret is the secret name registry.password lists
	// (DefaultPasswordSecret); empty for Kamal's local registry.
	PasswordSecret string
	// Password is the value that secret must hold (for .kamal/secrets or the
	// password manager).
	Password secret.Value
}

// Repository returns the full repository Kamal pushes to:
// Server + "/" + Image.
func (l Login) Repository() string {
	if l.Server == "" {
		return l.Image
	}
	return l.Server + "/" + l.Image
}

// Local reports whether this is Kamal's local registry, which needs no
// credentials.
func (l Login) Local() bool { return l.PasswordSecret == "" }

func newLogin(spec Spec, t target, o options) *Login {
	l := &Login{Server: t.server, Image: t.image}
	if !t.local {
		l.Username = spec.Username
		l.PasswordSecret = o.passwordSecret
		l.Password = spec.Password
	}
	return l
}
