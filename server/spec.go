package server

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
)

// DefaultImage is the image a Spec gets when it names none.
const DefaultImage = "ubuntu-24.04"

// DefaultUser is the login user a Spec gets when it names none; Kamal logs in
// as root unless told otherwise.
const DefaultUser = "root"

// Spec is what a server should look like.
type Spec struct {
	// Name is the server's name and hostname (RFC 1123 label).
	Name string
	// Type is the vendor's server type ("cx23", "cax11").
	Type string
	// Location is the vendor's location ("fsn1").
	Location string
	// Image is the OS image; DefaultImage when empty.
	Image string
	// SSHKey is the login key, uploaded to the vendor.
	SSHKey ssh.PublicKey
	// SSHKeyName is the name to upload SSHKey under; Owner when empty.
	SSHKeyName string
	// Firewall is the inbound rules; nil means DefaultFirewall().
	Firewall []Rule
	// Labels are extra labels put on every resource created for the server.
	Labels map[string]string
	// User is the login user; DefaultUser when empty.
	User string
	// Builder makes the server the Docker builder too: cloud-init installs
	// Docker and the prune cron job at boot.
	Builder bool
	// MinMemory is the least memory, in bytes, the server type must have;
	// the Recipe sets it to the builder's floor when the server is also the
	// builder, so an undersized type is refused before anything is made.
	// Zero: no floor.
	MinMemory int64
	// Owner is the recipe's name; every resource created is labelled with it
	// and only resources labelled with it are ever changed or deleted.
	Owner string
}

// WithDefaults returns s with every defaulted field filled in.
func (s Spec) WithDefaults() Spec {
	if s.Image == "" {
		s.Image = DefaultImage
	}
	if s.User == "" {
		s.User = DefaultUser
	}
	if s.SSHKeyName == "" {
		s.SSHKeyName = s.Owner
	}
	if s.Firewall == nil {
		s.Firewall = DefaultFirewall()
	}
	return s
}

var (
	hostnameRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	labelValueRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$`)
	labelNameRE  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$`)
	labelPrefRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)
	userRE       = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
)

// Validate checks everything about s that can be known without asking a
// vendor. Errors are *ensure.InvalidError naming the field and the fix.
func (s Spec) Validate() error {
	s = s.WithDefaults()
	if !hostnameRE.MatchString(s.Name) {
		return ensure.Invalid("server.name", s.Name, "not a valid hostname", "use 1-63 lowercase letters, digits and dashes, not starting or ending with a dash")
	}
	if strings.TrimSpace(s.Type) == "" {
		return ensure.Invalid("server.type", s.Type, "missing", `name a server type, e.g. "cx23"`)
	}
	if strings.TrimSpace(s.Location) == "" {
		return ensure.Invalid("server.location", s.Location, "missing", `name a location, e.g. "fsn1"`)
	}
	if s.SSHKey == nil {
		return ensure.Invalid("server.ssh_key", "", "missing", "pass the public half of the login key")
	}
	if s.Owner == "" || !labelValueRE.MatchString(s.Owner) {
		return ensure.Invalid("server.owner", s.Owner, "must be a label value of 1-63 characters [A-Za-z0-9._-]", "use the recipe's name")
	}
	if strings.TrimSpace(s.SSHKeyName) == "" || len(s.SSHKeyName) > 128 {
		return ensure.Invalid("server.ssh_key_name", s.SSHKeyName, "must be 1-128 characters", "leave empty to use the owner")
	}
	if !userRE.MatchString(s.User) {
		return ensure.Invalid("server.user", s.User, "not a valid user name", `use "root" or a lowercase user name`)
	}
	if len(s.Firewall) == 0 {
		return ensure.Invalid("server.firewall", "", "no rules: nothing could reach the server, not even SSH", "leave nil for the default TCP 22/80/443")
	}
	ssh := false
	for i, r := range s.Firewall {
		if err := r.Validate(fmt.Sprintf("server.firewall[%d]", i)); err != nil {
			return err
		}
		if n := r.Normalize(); n.Protocol == "tcp" && portCovers(n.Port, 22) {
			ssh = true
		}
	}
	if !ssh {
		return ensure.Invalid("server.firewall", "", "no rule lets TCP 22 in: SSH would be blocked", `add {Protocol: "tcp", Port: "22"}`)
	}
	for k, v := range s.Labels {
		if err := ValidateLabel(k, v); err != nil {
			return err
		}
		if strings.HasPrefix(k, LabelPrefix) {
			return ensure.Invalid("server.labels", k, "the "+LabelPrefix+" prefix is reserved", "choose another key")
		}
	}
	return nil
}

// ValidateLabel checks a label key and value against the rules Hetzner (and
// Kubernetes) use: values at most 63 characters of [A-Za-z0-9._-], keys an
// optional DNS prefix and "/" before such a name.
func ValidateLabel(key, value string) error {
	name := key
	if pre, n, ok := strings.Cut(key, "/"); ok {
		if !labelPrefRE.MatchString(pre) {
			return ensure.Invalid("server.labels", key, "invalid key prefix", "use a DNS name before the /")
		}
		name = n
	}
	if !labelNameRE.MatchString(name) {
		return ensure.Invalid("server.labels", key, "invalid key", "use 1-63 characters [A-Za-z0-9._-], starting and ending alphanumeric")
	}
	if !labelValueRE.MatchString(value) {
		return ensure.Invalid("server.labels["+key+"]", value, "invalid value", "use at most 63 characters [A-Za-z0-9._-], starting and ending alphanumeric")
	}
	return nil
}

func portCovers(port string, p int) bool {
	lo, hi, isRange := strings.Cut(port, "-")
	var a, b int
	if _, err := fmt.Sscan(lo, &a); err != nil {
		return false
	}
	b = a
	if isRange {
		if _, err := fmt.Sscan(hi, &b); err != nil {
			return false
		}
	}
	return a <= p && p <= b
}
