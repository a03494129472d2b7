package secrets

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

var (
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// shellSafe are words that need no quoting in Kamal's shell-like split.
	shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)
)

// ValidateRefs checks what every rendering needs: a Kamal-legal variable
// name on each ref, no name twice.
func ValidateRefs(refs []Ref) error {
	seen := map[string]bool{}
	for i, r := range refs {
		if !envName.MatchString(r.Name) {
			return ensure.Invalid(fmt.Sprintf("refs[%d].name", i), r.Name,
				"not a valid environment variable name", "use letters, digits and underscores, not starting with a digit")
		}
		if seen[r.Name] {
			return ensure.Invalid(fmt.Sprintf("refs[%d].name", i), r.Name, "appears twice", "list each secret once")
		}
		seen[r.Name] = true
	}
	return nil
}

// ValidateWord checks that a location (vault, item, path, …) can appear in a
// `$(kamal secrets …)` line: Kamal expands $VARIABLES and ends the command at
// a parenthesis before it splits words, so those characters can't be quoted
// away.
func ValidateWord(field, value string) error {
	if value == "" {
		return ensure.Invalid(field, value, "is empty", "set it")
	}
	if strings.ContainsAny(value, "$`()\\'\"\n\r#") {
		return ensure.Invalid(field, value, "contains a character Kamal's .kamal/secrets parser can't carry ($ ` ( ) \\ ' \" # or a newline)", "rename it")
	}
	return nil
}

// Quote quotes a word for the shell-style split Kamal applies to a
// `$(kamal secrets …)` command; plain words are returned as they are.
func Quote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + s + "'"
}

// Fetch describes one `kamal secrets fetch` call.
type Fetch struct {
	// Var is the variable that holds the fetched JSON ("SECRETS").
	Var string
	// Adapter is the --adapter value ("1password").
	Adapter string
	// Account is the --account value; omitted when empty.
	Account string
	// From is the --from value; omitted when empty.
	From string
	// Names are the secrets to fetch, as the adapter wants them.
	Names []string
}

// Line renders `VAR=$(kamal secrets fetch --adapter A [--account X] [--from F] NAMES…)`.
func (f Fetch) Line() string {
	var b strings.Builder
	b.WriteString(f.Var)
	b.WriteString("=$(kamal secrets fetch --adapter ")
	b.WriteString(Quote(f.Adapter))
	if f.Account != "" {
		b.WriteString(" --account ")
		b.WriteString(Quote(f.Account))
	}
	if f.From != "" {
		b.WriteString(" --from ")
		b.WriteString(Quote(f.From))
	}
	for _, n := range f.Names {
		b.WriteString(" ")
		b.WriteString(Quote(n))
	}
	b.WriteString(")")
	return b.String()
}

// ExtractLine renders `NAME=$(kamal secrets extract KEY ${VAR})`. Kamal's
// extract takes the key KEY, else the first key ending in "/KEY".
func ExtractLine(name, key, fetchVar string) string {
	return name + "=$(kamal secrets extract " + Quote(key) + " ${" + fetchVar + "})"
}

// FetchVar returns the variable name for the i-th fetch of a rendering:
// SECRETS, SECRETS_2, SECRETS_3, ….
func FetchVar(prefix string, i int) string {
	if prefix == "" {
		prefix = "SECRETS"
	}
	if i == 0 {
		return prefix
	}
	return prefix + "_" + strconv.Itoa(i+1)
}
