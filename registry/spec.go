package registry

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// DockerHubServer is the name Kamal and Docker use for Docker Hub, and the server a
// Spec with an empty Server means (Kamal's default).
const DockerHubServer = "docker.io"

// Spec is a registry login and the image repository it must be able to push
// to.
type Spec struct {
	// Server is the registry's host[:port] as Kamal's registry.server takes
	// it: "ghcr.io", "docker.io", "127.0.0.1:5000". Empty means Docker Hub,
	// as in Kamal.
	Server string
	// Username is the registry user (a robot account, a deploy token's name,
	// "_json_key", "AWS"…). Empty only for Kamal's local registry.
	Username string
	// Password is the password or access token. Empty only for Kamal's local
	// registry.
	Password secret.Value
	// Image is the app's image repository, with or without the server in
	// front: "me/shop" or "ghcr.io/me/shop". No tag: Kamal tags images with
	// the version it deploys.
	Image string
	// Insecure allows plain HTTP. Only loopback hosts may use it; registries
	// on 127.0.0.1 and localhost may fall back to HTTP without it, as Docker
	// allows.
	Insecure bool
}

// target is a Spec checked and normalised.
type target struct {
	server    string // as Kamal gets it: "docker.io", "ghcr.io", "127.0.0.1:5000"
	image     string // repository path without the server: "me/shop"
	local     bool   // Kamal's local registry: no credentials, nothing to reach
	dockerHub bool
}

func (t target) repository() string { return t.server + "/" + t.image }

// Validate checks everything that can be checked without the network: the
// server's form, credentials present and well-formed, the image a legal
// repository name on the configured server. Its errors unwrap to
// ensure.ErrInvalidSpec; several problems come joined.
func (s Spec) Validate() error {
	_, err := s.resolve()
	return err
}

var dockerHubAliases = map[string]bool{
	"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true,
	"registry.hub.docker.com": true, "hub.docker.com": true,
}

// normalizeServer lower-cases a host[:port] and folds Docker Hub's aliases.
func normalizeServer(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if dockerHubAliases[s] {
		return DockerHubServer
	}
	return s
}

func (s Spec) resolve() (target, error) {
	var errs []error
	t := target{}

	server := strings.TrimSpace(s.Server)
	serverDefaulted := server == ""
	if serverDefaulted {
		server = DockerHubServer
	}
	if err := checkServer(server); err != nil {
		errs = append(errs, err)
	}
	t.server = normalizeServer(server)
	t.dockerHub = t.server == DockerHubServer
	host := hostOf(t.server)

	noCreds := s.Username == "" && s.Password.IsZero()
	t.local = isLocalhost(t.server) && noCreds
	if t.local {
		if _, port, err := net.SplitHostPort(t.server); err != nil || !validPort(port) {
			errs = append(errs, ensure.Invalid("registry.server", s.Server,
				"Kamal's local registry needs a port", "use localhost:5555"))
		}
	}

	if s.Insecure && !isLoopback(host) {
		errs = append(errs, ensure.Invalid("registry.insecure", "true",
			"plain HTTP is allowed only for loopback registries",
			"serve "+t.server+" over TLS, or run the registry on 127.0.0.1"))
	}

	if !t.local {
		errs = append(errs, s.checkCredentials(host)...)
	}

	img, err := parseImage(s.Image, t, serverDefaulted, s.Username)
	if err != nil {
		errs = append(errs, err)
	}
	t.image = img
	if len(errs) > 0 {
		return target{}, errors.Join(errs...)
	}
	return t, nil
}

func checkServer(server string) error {
	if i := strings.Index(server, "://"); i >= 0 {
		rest := strings.SplitN(server[i+3:], "/", 2)[0]
		return ensure.Invalid("registry.server", server, "a host, not a URL",
			fmt.Sprintf("use %q (registry.Distribution takes a URL)", rest))
	}
	if strings.ContainsAny(server, "/ \t@") {
		return ensure.Invalid("registry.server", server, "a host[:port] without a path",
			"give only the registry's host, e.g. ghcr.io or 127.0.0.1:5000")
	}
	if strings.Contains(server, ":") && !strings.HasSuffix(server, "]") {
		h, port, err := net.SplitHostPort(server)
		if err != nil || h == "" || !validPort(port) {
			return ensure.Invalid("registry.server", server, "the port is not a number from 1 to 65535",
				"use host:port, e.g. 127.0.0.1:5000")
		}
	}
	return nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

func hostOf(server string) string {
	if h, _, err := net.SplitHostPort(server); err == nil {
		return h
	}
	return strings.Trim(server, "[]")
}

func isLocalhost(server string) bool {
	h := hostOf(server)
	return h == "localhost"
}

// isLoopback reports whether host names this machine: localhost,
// *.localhost, 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var garHost = regexp.MustCompile(`^([a-z0-9-]+-docker\.pkg\.dev|([a-z]+\.)?gcr\.io)$`)

func (s Spec) checkCredentials(host string) []error {
	var errs []error
	if strings.TrimSpace(s.Username) == "" {
		errs = append(errs, ensure.Invalid("registry.username", "", "empty",
			"set the registry user ("+userHint(host)+")"))
	} else if s.Username != strings.TrimSpace(s.Username) {
		errs = append(errs, ensure.Invalid("registry.username", s.Username,
			"has spaces or a newline around it", "trim it"))
	}
	pw := s.Password.Reveal()
	switch {
	case pw == "":
		errs = append(errs, ensure.Invalid("registry.password", "", "empty",
			"set "+DefaultPasswordSecret+" to "+passwordHint(host)+
				"; an empty password reaches `docker login -p` and fails there"))
	case strings.TrimFunc(pw, unicode.IsSpace) != pw:
		errs = append(errs, ensure.Invalid("registry.password", "",
			"starts or ends with whitespace or a newline (a token read from a file?)",
			"trim the token before passing it"))
	}
	if garHost.MatchString(host) && s.Username != "" {
		switch s.Username {
		case "_json_key", "_json_key_base64", "oauth2accesstoken":
		default:
			errs = append(errs, ensure.Invalid("registry.username", s.Username,
				"Google registries take a service-account key or an access token",
				"use _json_key_base64 (base64 key), _json_key (JSON key) or oauth2accesstoken"))
		}
	}
	if host == "public.ecr.aws" && s.Username != "" && s.Username != "AWS" {
		errs = append(errs, ensure.Invalid("registry.username", s.Username,
			"public.ecr.aws takes the user AWS",
			"use AWS with the output of `aws ecr-public get-login-password --region us-east-1`"))
	}
	return errs
}

// component is one path component of a repository name (distribution's
// grammar).
var component = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)

// parseImage returns the repository path without the server, after checking
// that any registry the image names is the configured one.
func parseImage(image string, t target, serverDefaulted bool, user string) (string, error) {
	in := strings.TrimSpace(image)
	if in == "" {
		return "", ensure.Invalid("image", "", "empty", "name the app's image repository, e.g. me/shop")
	}
	if strings.Contains(in, "://") {
		return "", ensure.Invalid("image", image, "a repository name, not a URL", "drop the scheme")
	}
	parts := strings.Split(in, "/")
	if len(parts) > 1 && (strings.ContainsAny(parts[0], ".:") || parts[0] == "localhost") {
		reg := normalizeServer(parts[0])
		if reg != t.server {
			return "", &MismatchError{Image: image, ImageRegistry: reg, Server: t.server, ServerDefaulted: serverDefaulted}
		}
		parts = parts[1:]
	}
	last := parts[len(parts)-1]
	if strings.ContainsAny(last, ":@") {
		bare := strings.Join(append(parts[:len(parts)-1:len(parts)-1], strings.FieldsFunc(last, func(r rune) bool { return r == ':' || r == '@' })[0]), "/")
		return "", ensure.Invalid("image", image, "has a tag or digest",
			fmt.Sprintf("use %q; Kamal tags each image with the version it deploys", bare))
	}
	path := strings.Join(parts, "/")
	for _, p := range parts {
		if component.MatchString(p) {
			continue
		}
		if lower := strings.ToLower(path); lower != path && allComponents(lower) {
			return "", ensure.Invalid("image", image, "repository names are lower case", fmt.Sprintf("use %q", lower))
		}
		return "", ensure.Invalid("image", image, fmt.Sprintf("%q is not a legal repository name component", p),
			"use lower-case letters, digits and single separators (. _ -), e.g. me/shop")
	}
	if len(t.server)+1+len(path) > 255 {
		return "", ensure.Invalid("image", image, "longer than 255 characters", "shorten it")
	}
	if t.dockerHub && len(parts) == 1 {
		if user == "" || !component.MatchString(user) {
			user = "YOUR_USER"
		}
		return "", ensure.Invalid("image", image, "Docker Hub repositories are USER/NAME (a bare name is an official library image nobody may push to)",
			fmt.Sprintf("use %q", user+"/"+path))
	}
	return path, nil
}

func allComponents(path string) bool {
	for _, p := range strings.Split(path, "/") {
		if !component.MatchString(p) {
			return false
		}
	}
	return true
}
