package kamal

import (
	"strings"
)

// The headers that introduce the lines assemble adds to a secrets file, by
// where the values come from.
const (
	headerFetched     = "# Written by assemble: fetched from your password manager at deploy time."
	headerEnvironment = "# Written by assemble: read from the deployer's environment at deploy time."
	headerRaw         = "# Written by assemble: the values themselves. This file is listed in .gitignore and .dockerignore; keep it out of git and images."
)

// SecretsFile is what assemble puts in .kamal/secrets.
type SecretsFile struct {
	// Lines are dotenv lines, NAME=…, one per secret (and the fetch lines
	// they extract from).
	Lines []string
	// Header is the comment put above lines assemble adds.
	Header string
	// Raw is true when Lines hold the secret values themselves; the file
	// is then listed in .gitignore and .dockerignore.
	Raw bool
}

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
func mergeSecrets(existing, header string, lines []string) string {
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
		hasHeader := header == ""
		for _, l := range out {
			if l == header {
				hasHeader = true
			}
		}
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1]) != "" {
			out = append(out, "")
		}
		if !hasHeader {
			out = append(out, header)
		}
		out = append(out, add...)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}
