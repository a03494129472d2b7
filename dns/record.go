package dns

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// Record types a RecordSpec may ask for.
const (
	TypeA    = "A"
	TypeAAAA = "AAAA"
)

// MaxTTL is the largest TTL a RecordSpec accepts, in seconds.
const MaxTTL = 86400

// RecordSpec is the record Ensure makes: Name points at Content.
type RecordSpec struct {
	// Name is the fully qualified name, e.g. "shop.example.com", or the zone
	// apex "example.com". Case and a trailing dot don't matter.
	Name string
	// Type is "A" (the default when empty) or "AAAA".
	Type string
	// Content is the address, normally the server's: IPv4 for A, IPv6 for
	// AAAA.
	Content string
	// TTL is in seconds; 0 leaves it to the provider's default (Cloudflare:
	// automatic).
	TTL int
	// Proxied puts the record behind the DNS provider's proxy. Leave it off
	// for Kamal: its proxy gets certificates from Let's Encrypt, which must
	// reach the server itself.
	Proxied bool
	// Owner is the recipe's name. Providers mark records with it, and only
	// change or delete records that carry it.
	Owner string
	// Adopt takes over an unowned record of the same name and type (marking
	// it as ours and setting it to the spec) instead of failing with
	// ensure.ErrConflict.
	Adopt bool
}

// Normalized returns the spec with its name lowercased and without a
// trailing dot, and the type defaulted and uppercased.
func (s RecordSpec) Normalized() RecordSpec {
	s.Name = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s.Name)), ".")
	s.Type = strings.ToUpper(strings.TrimSpace(s.Type))
	if s.Type == "" {
		s.Type = TypeA
	}
	s.Content = strings.TrimSpace(s.Content)
	return s
}

// Validate checks everything Ensure needs: ValidateIdentity, then an
// address of the right family in Content and a TTL in range.
func (s RecordSpec) Validate() error {
	if err := s.ValidateIdentity(); err != nil {
		return err
	}
	n := s.Normalized()
	if n.Content == "" {
		return ensure.Invalid("dns.content", "", "the record needs an address", "set Content to the server's IP address")
	}
	addr, err := netip.ParseAddr(n.Content)
	switch {
	case err != nil || addr.Zone() != "":
		return ensure.Invalid("dns.content", n.Content, "not an IP address", "set Content to the server's IPv4 (type A) or IPv6 (type AAAA) address")
	case n.Type == TypeA && !addr.Is4():
		return ensure.Invalid("dns.content", n.Content, "an A record needs an IPv4 address", "use the server's IPv4 address, or set Type to AAAA")
	case n.Type == TypeAAAA && (!addr.Is6() || addr.Is4In6()):
		return ensure.Invalid("dns.content", n.Content, "an AAAA record needs an IPv6 address", "use the server's IPv6 address, or set Type to A")
	}
	if s.TTL < 0 || s.TTL > MaxTTL {
		return ensure.Invalid("dns.ttl", strconv.Itoa(s.TTL), "out of range", "use 0 for the provider's default, or 60 to 86400 seconds")
	}
	return nil
}

// ValidateIdentity checks the fields that identify a record — Name, Type and
// Owner — which is all Destroy needs.
func (s RecordSpec) ValidateIdentity() error {
	n := s.Normalized()
	if err := validateName(n.Name); err != nil {
		return err
	}
	if n.Type != TypeA && n.Type != TypeAAAA {
		return ensure.Invalid("dns.type", s.Type, "unsupported record type", `use "A" or "AAAA"`)
	}
	if n.Owner == "" {
		return ensure.Invalid("dns.owner", "", "records are marked with their owner", "set Owner to the recipe's name")
	}
	if len(n.Owner) > 63 || strings.ContainsFunc(n.Owner, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }) {
		return ensure.Invalid("dns.owner", n.Owner, "must be 1 to 63 printable ASCII characters without spaces", "use the recipe's name")
	}
	return nil
}

func validateName(name string) error {
	fix := `use a fully qualified name such as "shop.example.com"`
	if name == "" {
		return ensure.Invalid("dns.name", "", "the record needs a name", fix)
	}
	if len(name) > 253 {
		return ensure.Invalid("dns.name", name, "longer than 253 characters", fix)
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return ensure.Invalid("dns.name", name, "not fully qualified: a name needs at least a domain and a top-level domain", fix)
	}
	for i, l := range labels {
		if l == "" {
			return ensure.Invalid("dns.name", name, "has an empty label", fix)
		}
		if len(l) > 63 {
			return ensure.Invalid("dns.name", name, "has a label longer than 63 characters", fix)
		}
		if l == "*" && i == 0 {
			continue
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return ensure.Invalid("dns.name", name, "a label starts or ends with a hyphen", fix)
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return ensure.Invalid("dns.name", name, "only letters, digits, hyphens and underscores are allowed (use punycode for other characters)", fix)
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return ensure.Invalid("dns.name", name, "the top-level domain is numeric: this looks like an address, not a name", fix)
	}
	return nil
}

// Record is a record as the provider holds it.
type Record struct {
	// ID is the provider's identifier of the record.
	ID string
	// Zone is the zone's name, e.g. "example.com".
	Zone string
	// Name is the fully qualified name.
	Name string
	// Type is "A" or "AAAA".
	Type string
	// Content is the address the record points at.
	Content string
	// TTL is in seconds as the provider reports it (Cloudflare: 1 means
	// automatic).
	TTL int
	// Proxied reports whether the provider's proxy answers for the name.
	Proxied bool
	// Nameservers are the zone's authoritative nameserver names, which
	// Verify asks.
	Nameservers []string
}
