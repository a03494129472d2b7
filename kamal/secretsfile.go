package kamal

import (
	"strings"
)

// secretsHeader introduces the lines assemble adds to a secrets file.
const secretsHeader = "# Written by assemble: fetched from your password manager at deploy time."

// lineKey returns the variable a dotenv line sets ("" for comments and
// blank lines).
func lineKey(line string) string {
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, "#") {
		return ""
	}
	t = strings.TrimPrefix(t, "export ")
	k, _, ok := strings.Cut(t, "=")
	if !ok {
		return ""
	}
	return strings.TrimSpace(k)
}

// mergeSecrets sets each of lines (NAME=… lines) in an existing secrets
// file: a line setting the same variable is replaced where it stands, others
// are appended in order. Every other line is kept as it was.
func mergeSecrets(existing string, lines []string) string {
	want := map[string]string{}
	var order []string
	for _, l := range lines {
		k := lineKey(l)
		if k == "" {
			continue
		}
		if _, dup := want[k]; !dup {
			order = append(order, k)
		}
		want[k] = l
	}
	var out []string
	done := map[string]bool{}
	if existing != "" {
		for _, l := range strings.Split(strings.TrimRight(existing, "\n"), "\n") {
			k := lineKey(l)
			if nl, ok := want[k]; ok && k != "" {
				if !done[k] {
					out = append(out, nl)
					done[k] = true
				}
				continue // a later duplicate of ours: dropped, ours wins
			}
			out = append(out, l)
		}
	}
	var add []string
	for _, k := range order {
		if !done[k] {
			add = append(add, want[k])
		}
	}
	if len(add) > 0 {
		hasHeader := false
		for _, l := range out {
			if l == secretsHeader {
				hasHeader = true
			}
		}
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "" {
			out = append(out, "")
		}
		if !hasHeader {
			out = append(out, secretsHeader)
		}
		out = append(out, add...)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}
