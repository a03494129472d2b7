package kamal

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

const header = "Written by assemble from what it found or made. Edit freely: assemble\nkeeps your keys and comments and sets only the ones it owns."

// Render merges cfg into existing (the current deploy.yml, or nil) and
// returns the new document. The user's keys, order and comments are kept.
func Render(cfg Config, existing []byte) ([]byte, error) {
	doc, root, err := parseDoc(existing)
	if err != nil {
		return nil, err
	}
	if cfg.Service != "" {
		setScalar(root, "service", cfg.Service)
	}
	if cfg.Image != "" {
		setScalar(root, "image", cfg.Image)
	}
	if len(cfg.Servers) > 0 {
		mergeServers(root, cfg.Servers)
	}
	if p := cfg.Proxy; p != nil {
		m := childMap(root, "proxy")
		if p.Host != "" {
			deleteKey(m, "hosts")
			setScalar(m, "host", p.Host)
		}
		if p.SSL {
			setBool(m, "ssl", true)
		} else {
			deleteKey(m, "ssl")
		}
		if p.AppPort > 0 {
			setInt(m, "app_port", p.AppPort)
		}
	}
	if r := cfg.Registry; r != nil {
		m := childMap(root, "registry")
		if r.Server != "" {
			setScalar(m, "server", r.Server)
		} else {
			deleteKey(m, "server")
		}
		if r.Username != "" {
			setScalar(m, "username", r.Username)
		} else {
			deleteKey(m, "username")
		}
		if r.PasswordSecret != "" {
			setNode(m, "password", flowList(r.PasswordSecret))
		} else {
			deleteKey(m, "password")
		}
	}
	if b := cfg.Builder; b != nil {
		m := childMap(root, "builder")
		if b.Arch != "" {
			setScalar(m, "arch", b.Arch)
		}
		if b.Remote != "" {
			setScalar(m, "remote", b.Remote)
		}
		if b.Local != nil {
			setBool(m, "local", *b.Local)
		}
	}
	if s := cfg.SSH; s != nil {
		m := childMap(root, "ssh")
		if s.User != "" {
			setScalar(m, "user", s.User)
		}
		if s.Port != 0 && s.Port != 22 {
			setInt(m, "port", s.Port)
		} else {
			deleteKey(m, "port")
		}
	}
	if len(cfg.Env.Clear) > 0 || len(cfg.Env.Secret) > 0 {
		mergeEnv(root, cfg.Env)
	}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("render deploy.yml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render deploy.yml: %w", err)
	}
	return buf.Bytes(), nil
}

func parseDoc(existing []byte) (*yaml.Node, *yaml.Node, error) {
	var doc yaml.Node
	if len(bytes.TrimSpace(existing)) > 0 {
		if err := yaml.Unmarshal(existing, &doc); err != nil {
			return nil, nil, fmt.Errorf("read existing deploy.yml: %w", err)
		}
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode}
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map", HeadComment: header}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("read existing deploy.yml: the document is a %s, not a mapping of keys", kindName(root.Kind))
	}
	return &doc, root, nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "single value"
	case yaml.AliasNode:
		return "alias"
	}
	return "node"
}

// find returns the index of key's key node in mapping m, or -1.
func find(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i
		}
	}
	return -1
}

func get(m *yaml.Node, key string) *yaml.Node {
	if i := find(m, key); i >= 0 {
		return m.Content[i+1]
	}
	return nil
}

// setNode sets key to v, keeping the key's position and comments when it
// exists and the old value's line comment when v is a scalar.
func setNode(m *yaml.Node, key string, v *yaml.Node) {
	if i := find(m, key); i >= 0 {
		old := m.Content[i+1]
		if v.LineComment == "" {
			v.LineComment = old.LineComment
		}
		v.HeadComment, v.FootComment = old.HeadComment, old.FootComment
		m.Content[i+1] = v
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func deleteKey(m *yaml.Node, key string) {
	if i := find(m, key); i >= 0 {
		m.Content = slices.Delete(m.Content, i, i+2)
	}
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func setScalar(m *yaml.Node, key, value string) {
	if old := get(m, key); old != nil && old.Kind == yaml.ScalarNode && old.Value == value {
		return
	}
	setNode(m, key, str(value))
}

func setBool(m *yaml.Node, key string, b bool) {
	setNode(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)})
}

func setInt(m *yaml.Node, key string, n int) {
	setNode(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)})
}

func blockList(items ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range items {
		n.Content = append(n.Content, str(it))
	}
	return n
}

func flowList(items ...string) *yaml.Node {
	n := blockList(items...)
	n.Style = yaml.FlowStyle
	return n
}

// childMap returns the mapping under key, creating it (or replacing a
// non-mapping value such as `proxy: true`) as needed.
func childMap(m *yaml.Node, key string) *yaml.Node {
	if v := get(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	setNode(m, key, n)
	return n
}

func sortedRoles(servers map[string][]string) []string {
	roles := make([]string, 0, len(servers))
	for r := range servers {
		roles = append(roles, r)
	}
	sort.Slice(roles, func(i, j int) bool {
		if (roles[i] == "web") != (roles[j] == "web") {
			return roles[i] == "web"
		}
		return roles[i] < roles[j]
	})
	return roles
}

// mergeServers sets the hosts of each role assemble knows, keeping other
// roles and each role's other settings. A plain list (the implicit web role)
// becomes a role map when a non-web role is added.
func mergeServers(root *yaml.Node, servers map[string][]string) {
	cur := get(root, "servers")
	if cur != nil && cur.Kind == yaml.SequenceNode {
		if len(servers) == 1 && servers["web"] != nil {
			setNode(root, "servers", blockList(servers["web"]...))
			return
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		setNode(m, "web", cur)
		setNode(root, "servers", m)
	}
	m := childMap(root, "servers")
	for _, role := range sortedRoles(servers) {
		hosts := servers[role]
		if r := get(m, role); r != nil && r.Kind == yaml.MappingNode {
			setNode(r, "hosts", blockList(hosts...))
			continue
		}
		setNode(m, role, blockList(hosts...))
	}
}

// mergeEnv sets clear values and adds secret names, converting a flat env
// map into the clear/secret form Kamal needs once secrets are present.
func mergeEnv(root *yaml.Node, env Env) {
	m := childMap(root, "env")
	if find(m, "clear") < 0 && find(m, "secret") < 0 && find(m, "tags") < 0 && len(m.Content) > 0 {
		// Flat form: every key is a clear variable.
		clear := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: m.Content}
		m.Content = nil
		setNode(m, "clear", clear)
	}
	if len(env.Clear) > 0 {
		c := childMap(m, "clear")
		keys := make([]string, 0, len(env.Clear))
		for k := range env.Clear {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			setScalar(c, k, env.Clear[k])
		}
	}
	if len(env.Secret) > 0 {
		s := get(m, "secret")
		if s == nil || s.Kind != yaml.SequenceNode {
			s = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			setNode(m, "secret", s)
		}
		have := map[string]bool{}
		for _, it := range s.Content {
			have[it.Value] = true
		}
		for _, name := range env.Secret {
			if !have[name] {
				s.Content = append(s.Content, str(name))
				have[name] = true
			}
		}
	}
}
