package kamal

import (
	"fmt"
	"net"
	"sort"
	"strconv"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secrets/file"
)

// App is what Kamal needs that the recipe doesn't know.
type App struct {
	// Destination writes config/deploy.<dest>.yml and .kamal/secrets.<dest>
	// (e.g. "staging"); empty writes the base files.
	Destination string
	// Image overrides the image repository (default: the registry login's).
	Image string
	// AppPort is the port the app listens on in its container (Kamal's
	// default is 80).
	AppPort int
	// NoSSL turns off kamal-proxy's Let's Encrypt certificate.
	NoSSL bool
	// Env adds clear environment variables.
	Env map[string]string
}

// passthroughFormat is the .kamal/secrets line for a secret when no password
// manager is in the recipe: Kamal reads the value from the deployer's
// environment, and it is never written down.
const passthroughFormat = "%s=$%s"

// ConfigFrom turns a recipe's Outputs into the Kamal configuration and what
// goes in .kamal/secrets.
func ConfigFrom(out *assemble.Outputs, app App) (Config, SecretsFile, error) {
	if out == nil {
		return Config{}, SecretsFile{}, fmt.Errorf("write kamal config: no outputs (run Ensure first)")
	}
	cfg := Config{Service: out.Recipe, Image: app.Image}
	if out.Registry != nil {
		if cfg.Image == "" {
			cfg.Image = out.Registry.Image
		}
		cfg.Registry = &Registry{Server: out.Registry.Server, Username: out.Registry.Username, PasswordSecret: out.Registry.PasswordSecret}
	}
	if out.Server != nil {
		cfg.Servers = map[string][]string{"web": {out.Server.Host()}}
		ssh := &SSH{User: out.Server.User}
		if _, port, err := net.SplitHostPort(out.Server.SSHAddr); err == nil {
			ssh.Port, _ = strconv.Atoi(port)
		}
		cfg.SSH = ssh
		cfg.Builder = &Builder{Arch: out.Server.Arch}
	}
	if out.Builder != nil {
		local := out.Builder.Local
		cfg.Builder = &Builder{Arch: out.Builder.Arch, Remote: out.Builder.Remote, Local: &local}
	}
	if out.Record != nil {
		cfg.Proxy = &Proxy{Host: out.Record.Name, SSL: !app.NoSSL, AppPort: app.AppPort}
	} else if app.AppPort > 0 {
		cfg.Proxy = &Proxy{AppPort: app.AppPort}
	}

	// Environment: the bucket's, the app's own secrets, and what the caller
	// adds.
	cfg.Env.Clear = map[string]string{}
	secretNames := map[string]bool{}
	if out.Bucket != nil {
		env := out.Bucket.Env()
		for k, v := range env.Clear {
			cfg.Env.Clear[k] = v
		}
		for k := range env.Secret {
			secretNames[k] = true
		}
	}
	if out.Secrets != nil {
		for _, n := range out.Secrets.App {
			secretNames[n] = true
		}
	}
	for k, v := range app.Env {
		cfg.Env.Clear[k] = v
	}
	for n := range secretNames {
		cfg.Env.Secret = append(cfg.Env.Secret, n)
	}
	sort.Strings(cfg.Env.Secret)

	sec := SecretsFile{Header: headerFetched}
	switch {
	case out.Secrets != nil:
		l, err := out.Secrets.Store.KamalLines(out.Secrets.Refs)
		if err != nil {
			return Config{}, SecretsFile{}, fmt.Errorf("render .kamal/secrets: %w", err)
		}
		sec.Lines = l
		if _, raw := out.Secrets.Store.(*file.Store); raw {
			sec.Header, sec.Raw = headerRaw, true
		}
	default:
		sec.Header = headerEnvironment
		// No password manager: let Kamal read each secret from the
		// deployer's environment, as `kamal init` does.
		names := append([]string(nil), cfg.Env.Secret...)
		if cfg.Registry != nil && cfg.Registry.PasswordSecret != "" {
			names = append([]string{cfg.Registry.PasswordSecret}, names...)
		}
		for _, n := range names {
			sec.Lines = append(sec.Lines, fmt.Sprintf(passthroughFormat, n, n))
		}
	}
	return cfg, sec, nil
}

// Write renders out into the Kamal files under dir (the app's root) —
// config/deploy.yml and .kamal/secrets, or the destination's — merging into
// what is there, validating against Kamal's rules first, and reports whether
// anything changed.
func Write(dir string, out *assemble.Outputs, app App) (ensure.Op, error) {
	cfg, sec, err := ConfigFrom(out, app)
	if err != nil {
		return "", err
	}
	if app.Destination != "" {
		// A destination file overlays the base file: service, image and
		// registry normally live in the base.
		if base, err := readIfExists(joinRel(dir, "config/deploy.yml")); err == nil && base != nil {
			cfg.Service, cfg.Image, cfg.Registry = "", "", nil
		}
	}
	return WriteFiles(dir, app.Destination, cfg, sec)
}
