package kamal

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/assemblekit/assemble/ensure"
)

// The keys Kamal 2 accepts, from the example files in Kamal's
// lib/kamal/configuration/docs (each section is validated against its
// example; a key not in it is an unknown key).
var (
	rootKeys = keySet("service", "image", "labels", "volumes", "registry", "servers", "env",
		"asset_path", "hooks_path", "hooks_output", "secrets_path", "error_pages_path",
		"require_destination", "primary_role", "allow_empty_roles", "retain_containers",
		"minimum_version", "readiness_delay", "deploy_timeout", "drain_timeout", "run_directory",
		"ssh", "builder", "accessories", "proxy", "sshkit", "boot", "logging", "output", "aliases")
	registryKeys = keySet("server", "username", "password")
	builderKeys  = keySet("driver", "arch", "remote", "local", "cache", "context", "dockerfile",
		"target", "args", "secrets", "ssh", "provenance", "sbom")
	proxyKeys = keySet("host", "hosts", "app_port", "ssl", "certificate_pem", "private_key_pem",
		"ssl_redirect", "forward_headers", "response_timeout", "healthcheck", "buffering", "logging",
		"path_prefix", "strip_path_prefix")
	sshKeys = keySet("user", "port", "proxy", "proxy_command", "log_level", "keys_only", "keys",
		"key_data", "config")
	envKeys = keySet("clear", "secret", "tags")
)

// kamalService is the rule Kamal applies to `service`.
var kamalService = regexp.MustCompile(`(?i)^[a-z0-9_-]+$`)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// ValidationError lists every way a deploy.yml breaks Kamal's rules. It
// unwraps to ensure.ErrInvalidSpec.
type ValidationError struct {
	// Problems are Kamal-style messages: "registry/password: should be a
	// string or an array with one string (for secret lookup)".
	Problems []string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return "deploy.yml breaks Kamal's rules: " + strings.Join(e.Problems, "; ")
}

// Unwrap returns ensure.ErrInvalidSpec.
func (e *ValidationError) Unwrap() error { return ensure.ErrInvalidSpec }

// Validate checks a deploy.yml (a base file, not a destination overlay)
// against the rules Kamal 2 enforces when it loads a configuration.
func Validate(doc []byte) error { return validate(doc, false) }

// ValidateOverlay checks a destination file (config/deploy.<dest>.yml),
// which Kamal merges over the base file, so required keys may be absent.
func ValidateOverlay(doc []byte) error { return validate(doc, true) }

func validate(doc []byte, overlay bool) error {
	var raw map[string]any
	if err := yaml.Unmarshal(doc, &raw); err != nil {
		return &ValidationError{Problems: []string{"not YAML: " + err.Error()}}
	}
	v := &validator{}
	v.root(raw, overlay)
	if len(v.problems) > 0 {
		return &ValidationError{Problems: v.problems}
	}
	return nil
}

type validator struct{ problems []string }

func (v *validator) errorf(context, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if context != "" {
		msg = context + ": " + msg
	}
	v.problems = append(v.problems, msg)
}

func (v *validator) unknown(context string, m map[string]any, allowed map[string]bool, extensions bool) {
	var bad []string
	for k := range m {
		if !allowed[k] && !(extensions && strings.HasPrefix(k, "x-")) {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	if len(bad) == 1 {
		v.errorf(context, "unknown key: %s", bad[0])
	} else if len(bad) > 1 {
		v.errorf(context, "unknown keys: %s", strings.Join(bad, ", "))
	}
}

func (v *validator) root(raw map[string]any, overlay bool) {
	v.unknown("", raw, rootKeys, true)
	if s, ok := raw["service"]; ok || !overlay {
		str, isStr := s.(string)
		switch {
		case !ok || s == nil:
			v.errorf("", "Missing required configuration for service")
		case !isStr:
			v.errorf("service", "should be a string")
		case !kamalService.MatchString(str):
			v.errorf("", "Service name can only include alphanumeric characters, hyphens, and underscores")
		}
	}
	if img, ok := raw["image"]; ok || !overlay {
		if _, isStr := img.(string); !isStr || img == "" {
			v.errorf("", "Missing required configuration for image")
		}
	}
	reg, hasReg := raw["registry"]
	if hasReg {
		v.registry(reg)
	} else if !overlay {
		v.errorf("", "Missing required configuration for registry")
	}
	servers, hasServers := raw["servers"]
	if hasServers {
		v.servers(servers, raw)
	} else if _, acc := raw["accessories"]; !acc && !overlay {
		v.errorf("", "No servers or accessories specified")
	}
	if b, ok := raw["builder"]; ok {
		v.builder(b)
	}
	if p, ok := raw["proxy"]; ok {
		v.proxy(p, servers)
	}
	if s, ok := raw["ssh"]; ok {
		v.ssh(s)
	}
	if e, ok := raw["env"]; ok {
		v.env(e)
	}
}

func (v *validator) registry(reg any) {
	m, ok := reg.(map[string]any)
	if !ok {
		v.errorf("registry", "should be a hash")
		return
	}
	v.unknown("registry", m, registryKeys, false)
	server, _ := m["server"].(string)
	local := strings.HasPrefix(server, "localhost:") || server == "localhost"
	for _, key := range []string{"username", "password"} {
		if local {
			continue
		}
		val, present := m[key]
		if !present || val == nil || val == "" {
			v.errorf("registry/"+key, "is required")
			continue
		}
		switch x := val.(type) {
		case string:
		case []any:
			if len(x) != 1 {
				v.errorf("registry/"+key, "should be a string or an array with one string (for secret lookup)")
			} else if _, ok := x[0].(string); !ok {
				v.errorf("registry/"+key, "should be a string or an array with one string (for secret lookup)")
			}
		default:
			v.errorf("registry/"+key, "should be a string or an array with one string (for secret lookup)")
		}
	}
}

// hosts returns the host list of a role value: a list, or a map with hosts.
func roleHosts(role any) ([]any, bool) {
	switch r := role.(type) {
	case []any:
		return r, true
	case map[string]any:
		h, ok := r["hosts"].([]any)
		return h, ok
	}
	return nil, false
}

func (v *validator) servers(servers any, raw map[string]any) {
	primary := "web"
	if p, ok := raw["primary_role"].(string); ok {
		primary = p
	}
	switch s := servers.(type) {
	case []any:
		if len(s) == 0 && primary == "web" {
			v.errorf("", "No servers specified for the web role")
		}
		v.hostList("servers", s)
	case map[string]any:
		for role, val := range s {
			hosts, ok := roleHosts(val)
			if !ok {
				v.errorf("servers/"+role, "should be an array or a hash with hosts")
				continue
			}
			v.hostList("servers/"+role, hosts)
		}
		if hosts, _ := roleHosts(s[primary]); len(hosts) == 0 {
			v.errorf("", "The primary role %q has no hosts", primary)
		}
	default:
		v.errorf("servers", "should be an array or a hash")
	}
}

func (v *validator) hostList(context string, hosts []any) {
	for i, h := range hosts {
		switch x := h.(type) {
		case string:
			if x == "" {
				v.errorf(fmt.Sprintf("%s/%d", context, i), "should be a host")
			}
		case map[string]any:
			if len(x) != 1 {
				v.errorf(fmt.Sprintf("%s/%d", context, i), "multiple hosts found")
			}
		default:
			v.errorf(fmt.Sprintf("%s/%d", context, i), "should be a string or a hash")
		}
	}
}

func (v *validator) builder(b any) {
	m, ok := b.(map[string]any)
	if !ok {
		v.errorf("builder", "should be a hash")
		return
	}
	v.unknown("builder", m, builderKeys, false)
	switch a := m["arch"].(type) {
	case string:
		if a == "" {
			v.errorf("builder", "Builder arch not set")
		}
	case []any:
		if len(a) == 0 {
			v.errorf("builder", "Builder arch not set")
		}
		for i, x := range a {
			if _, ok := x.(string); !ok {
				v.errorf(fmt.Sprintf("builder/arch/%d", i), "should be a string")
			}
		}
	case nil:
		v.errorf("builder", "Builder arch not set")
	default:
		v.errorf("builder/arch", "should be an array or a string")
	}
	if local, ok := m["local"].(bool); ok && !local {
		if r, _ := m["remote"].(string); r == "" {
			v.errorf("builder", "Cannot disable local builds, no remote is set")
		}
	}
	if r, ok := m["remote"]; ok {
		if s, isStr := r.(string); !isStr || !strings.HasPrefix(s, "ssh://") && !strings.HasPrefix(s, "tcp://") {
			v.errorf("builder/remote", "should be ssh://user@host[:port]")
		}
	}
}

func (v *validator) proxy(p any, servers any) {
	if _, ok := p.(bool); ok {
		return
	}
	m, ok := p.(map[string]any)
	if !ok {
		v.errorf("proxy", "should be a hash or a boolean")
		return
	}
	v.unknown("proxy", m, proxyKeys, false)
	_, hasHost := m["host"]
	_, hasHosts := m["hosts"]
	if hasHost && hasHosts {
		v.errorf("proxy", "Specify one of 'host' or 'hosts', not both")
	}
	if ssl, ok := m["ssl"]; ok {
		switch s := ssl.(type) {
		case bool:
			if s && !hasHost && !hasHosts {
				v.errorf("proxy", "Must set a host to enable automatic SSL")
			}
			if s {
				var web []any
				switch x := servers.(type) {
				case []any:
					web = x
				case map[string]any:
					web, _ = roleHosts(x["web"])
				}
				if len(web) > 1 {
					v.errorf("proxy", "SSL is only supported on a single server, found %d servers", len(web))
				}
			}
		case map[string]any:
		default:
			v.errorf("proxy/ssl", "should be a boolean or a hash")
		}
	}
}

func (v *validator) ssh(s any) {
	m, ok := s.(map[string]any)
	if !ok {
		v.errorf("ssh", "should be a hash")
		return
	}
	v.unknown("ssh", m, sshKeys, false)
}

func (v *validator) env(e any) {
	m, ok := e.(map[string]any)
	if !ok {
		v.errorf("env", "should be a hash")
		return
	}
	_, c := m["clear"]
	_, s := m["secret"]
	_, t := m["tags"]
	if !c && !s && !t {
		return // flat form: every key a clear variable
	}
	v.unknown("env", m, envKeys, false)
	if sec, ok := m["secret"]; ok {
		list, isList := sec.([]any)
		if !isList {
			v.errorf("env/secret", "should be an array")
		}
		for i, x := range list {
			if _, ok := x.(string); !ok {
				v.errorf(fmt.Sprintf("env/secret/%d", i), "should be a string")
			}
		}
	}
}
