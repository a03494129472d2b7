package secret

import "strings"

// Scrub replaces every occurrence of each non-empty secret in s with
// "[REDACTED]". Use it on text that came from elsewhere — a CLI's stderr, an
// HTTP error body — before it goes into an error or a log line.
func Scrub(s string, secrets ...Value) string {
	for _, v := range secrets {
		// Very short secrets would redact common substrings; they are still
		// secrets, so scrub them too.
		if v.v != "" {
			s = strings.ReplaceAll(s, v.v, Redacted)
		}
	}
	return s
}
