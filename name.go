package assemble

import (
	"fmt"
	"regexp"

	"github.com/assemblekit/assemble/ensure"
)

// kamalService is Kamal's rule for `service` (case-insensitive).
var kamalService = regexp.MustCompile(`(?i)^[a-z0-9_-]+$`)

// validateName checks a recipe name as Kamal checks `service`, plus what the
// name must also be as a Hetzner label value (at most 63 characters,
// alphanumeric at both ends).
func validateName(name string) error {
	fail := func(reason, fix string) error {
		return fmt.Errorf("check recipe: %w", ensure.Invalid("recipe name", name, reason, fix))
	}
	switch {
	case name == "":
		return fail("is empty", `name the app, e.g. assemble.New("shop")`)
	case !kamalService.MatchString(name):
		return fail("must match [a-z0-9_-]+ like Kamal's service", "use only letters, digits, '-' and '_'")
	case len(name) > 63:
		return fail(fmt.Sprintf("is %d characters long; it labels cloud resources, which allow 63", len(name)), "shorten it")
	case !alnum(name[0]) || !alnum(name[len(name)-1]):
		return fail("must start and end with a letter or digit, as cloud labels require", "trim the '-' or '_'")
	}
	return nil
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
