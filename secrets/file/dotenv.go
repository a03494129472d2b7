package file

import (
	"regexp"
	"strings"
)

// entry is one NAME=value assignment found in a dotenv file, with the byte
// span it occupies (including its trailing newline).
type entry struct {
	name       string
	start, end int
	value      string
	// computed is true when Kamal would substitute a command or variable
	// into the value at deploy time.
	computed bool
}

var (
	assignRe  = regexp.MustCompile(`^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*`)
	computeRe = regexp.MustCompile(`(^|[^\\])\$(\(|\{|[A-Za-z_])`)
	plainRe   = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]*$`)
)

// parse finds the assignments in a dotenv file the way Kamal's dotenv does
// for the forms this package writes: unquoted, 'single' (literal, may span
// lines) and "double" quoted (escapes, may span lines).
func parse(data string) []entry {
	var out []entry
	pos := 0
	for pos < len(data) {
		lineEnd := strings.IndexByte(data[pos:], '\n')
		if lineEnd < 0 {
			lineEnd = len(data)
		} else {
			lineEnd += pos
		}
		m := assignRe.FindStringSubmatchIndex(data[pos:lineEnd])
		if m == nil {
			pos = next(lineEnd, len(data))
			continue
		}
		e := entry{name: data[pos+m[2] : pos+m[3]], start: pos}
		v := pos + m[1]
		end := lineEnd
		switch {
		case v < len(data) && (data[v] == '\'' || data[v] == '"'):
			q := data[v]
			i := v + 1
			for i < len(data) && data[i] != q {
				if data[i] == '\\' && i+1 < len(data) {
					i++
				}
				i++
			}
			raw := data[v+1 : min(i, len(data))]
			if q == '\'' {
				e.value = raw
			} else {
				e.computed = computeRe.MatchString(raw)
				e.value = unescapeDouble(raw)
			}
			if i < len(data) {
				if nl := strings.IndexByte(data[i:], '\n'); nl >= 0 {
					end = i + nl
				} else {
					end = len(data)
				}
			} else {
				end = len(data)
			}
		default:
			raw := data[v:lineEnd]
			if c := strings.Index(raw, " #"); c >= 0 {
				raw = raw[:c]
			}
			raw = strings.TrimSpace(raw)
			e.computed = computeRe.MatchString(raw)
			e.value = raw
		}
		e.end = next(end, len(data))
		out = append(out, e)
		pos = e.end
	}
	return out
}

func next(lineEnd, n int) int {
	if lineEnd < n {
		return lineEnd + 1
	}
	return n
}

func unescapeDouble(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// quote renders v for a dotenv line so that Kamal reads back exactly v:
// bare when plain, 'single-quoted' (literal, no substitution) when it holds
// no single quote, otherwise "double-quoted" with \ " $ and newlines escaped.
// ok is false for the few values no quoting carries through Kamal's dotenv.
func quote(v string) (string, bool) {
	if plainRe.MatchString(v) && v != "" {
		return v, true
	}
	if !strings.Contains(v, "'") && !strings.HasSuffix(v, `\`) {
		return "'" + v + "'", true
	}
	if strings.Contains(v, `\n`) || strings.Contains(v, `\r`) {
		return "", false
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(v) + `"`, true
}
