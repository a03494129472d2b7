package storage

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/assemblekit/assemble/ensure"
)

// BucketSpec is the bucket a recipe wants.
type BucketSpec struct {
	// Name is the bucket's name; it must be legal under S3's naming rules
	// (Validate checks every one).
	Name string
	// Region is the bucket's region; empty means the provider preset's.
	Region string
	// PublicPrefixes are key prefixes anyone may GET without credentials,
	// such as "public/". None by default: the bucket is private.
	PublicPrefixes []string
	// CORSOrigins are the browser origins (scheme://host[:port], or "*")
	// allowed to upload directly to the bucket with presigned requests.
	CORSOrigins []string
	// Versioning turns on object versioning. False leaves the bucket's
	// versioning as it is (S3 can suspend versioning but never remove it).
	Versioning bool
	// ObjectLock creates the bucket with object lock enabled. It can only be
	// chosen at creation; an existing bucket without it needs replacing.
	ObjectLock bool
	// Owner is the recipe's name. It is written into the bucket as an
	// ownership marker; Destroy removes only buckets marked with it.
	Owner string
	// Adopt lets Ensure take over an existing, non-empty bucket that carries
	// no ownership marker (one made by hand in the vendor's console). Without
	// it such a bucket is a conflict. An empty unmarked bucket that these
	// credentials can write is adopted anyway: it is what a run cut between
	// creating the bucket and marking it leaves behind.
	Adopt bool
	// EmptyOnDestroy lets Destroy delete every object in the bucket before
	// deleting it. Without it Destroy refuses a non-empty bucket.
	EmptyOnDestroy bool
}

// Validate checks the spec without any I/O. Every failure is an
// *ensure.InvalidError naming the field and the rule broken.
func (s BucketSpec) Validate() error {
	if err := ValidateBucketName(s.Name); err != nil {
		return err
	}
	if s.Owner == "" {
		return ensure.Invalid("bucket.owner", "", "the owner is empty", "set Owner to the recipe's name; it marks the bucket as ours")
	}
	if len(s.Owner) > 128 || strings.ContainsFunc(s.Owner, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ensure.Invalid("bucket.owner", s.Owner, "the owner must be at most 128 printable characters", "use the recipe's name")
	}
	if s.Region != "" && (len(s.Region) > 64 || strings.ContainsFunc(s.Region, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	})) {
		return ensure.Invalid("bucket.region", s.Region, "a region is lowercase letters, digits and hyphens", "use the vendor's region name, e.g. fsn1 or eu-central-1, or leave it empty")
	}
	seen := map[string]bool{}
	for _, p := range s.PublicPrefixes {
		switch {
		case p == "":
			return ensure.Invalid("bucket.public_prefixes", p, "an empty prefix would make every object public", `name a prefix such as "public/"`)
		case strings.HasPrefix(p, "/"):
			return ensure.Invalid("bucket.public_prefixes", p, "object keys do not start with a slash", "drop the leading slash")
		case strings.ContainsAny(p, "*?$"):
			return ensure.Invalid("bucket.public_prefixes", p, "a prefix is literal; wildcards and policy variables are not allowed", `use a plain prefix such as "public/"`)
		case len(p) > 1024:
			return ensure.Invalid("bucket.public_prefixes", p[:32]+"…", "a key prefix is at most 1024 bytes", "shorten it")
		case seen[p]:
			return ensure.Invalid("bucket.public_prefixes", p, "the prefix is listed twice", "list each prefix once")
		}
		seen[p] = true
	}
	seen = map[string]bool{}
	for _, o := range s.CORSOrigins {
		if err := validateOrigin(o); err != nil {
			return err
		}
		if seen[o] {
			return ensure.Invalid("bucket.cors_origins", o, "the origin is listed twice", "list each origin once")
		}
		seen[o] = true
	}
	return nil
}

func validateOrigin(o string) error {
	if o == "*" {
		return nil
	}
	const fix = "write an origin as scheme://host[:port], e.g. https://shop.example.com, or * for any"
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return ensure.Invalid("bucket.cors_origins", o, "not an origin", fix)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ensure.Invalid("bucket.cors_origins", o, "an origin's scheme is http or https", fix)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return ensure.Invalid("bucket.cors_origins", o, "an origin has no path, query, fragment or user", fix)
	}
	if strings.HasSuffix(o, "/") {
		return ensure.Invalid("bucket.cors_origins", o, "browsers send origins without a trailing slash, so this would never match", "drop the trailing slash")
	}
	return nil
}

// bucketNameRules are the reserved prefixes and suffixes of S3 bucket names
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
var (
	reservedPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// ValidateBucketName checks name against every S3 bucket naming rule and
// returns an *ensure.InvalidError (field "bucket.name") naming the first rule
// broken.
func ValidateBucketName(name string) error {
	bad := func(reason, fix string) error { return ensure.Invalid("bucket.name", name, reason, fix) }
	switch {
	case name == "":
		return bad("the name is empty", "set BucketSpec.Name")
	case len(name) < 3:
		return bad(fmt.Sprintf("a bucket name has 3 to 63 characters, this one has %d", len(name)), "use a longer name")
	case len(name) > 63:
		return bad(fmt.Sprintf("a bucket name has 3 to 63 characters, this one has %d", len(name)), "use a shorter name")
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
		case r >= 'A' && r <= 'Z':
			return bad("uppercase letters are not allowed", "use lowercase: "+strings.ToLower(name))
		case r == '_':
			return bad("underscores are not allowed", "use hyphens: "+strings.ReplaceAll(name, "_", "-"))
		default:
			return bad(fmt.Sprintf("the character %q is not allowed; only lowercase letters, digits, hyphens and dots are", r), "remove it")
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return bad("a bucket name must start and end with a letter or digit", "remove the leading or trailing hyphen or dot")
	}
	if strings.Contains(name, "..") {
		return bad("two adjacent dots are not allowed", "use a single dot")
	}
	if strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return bad("a dot next to a hyphen is not allowed (each dot-separated label must start and end with a letter or digit)", "remove the hyphen next to the dot")
	}
	if ip := net.ParseIP(name); ip != nil && ip.To4() != nil {
		return bad("a bucket name must not look like an IP address", "use a name with letters")
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return bad(fmt.Sprintf("the prefix %q is reserved", p), "choose another start")
		}
	}
	for _, s := range reservedSuffixes {
		if strings.HasSuffix(name, s) {
			return bad(fmt.Sprintf("the suffix %q is reserved", s), "choose another ending")
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
