package s3

import (
	"log/slog"
	"net"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/internal/prime"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/storage"
)

// Provider ensures buckets on one S3 endpoint with one key pair. Make one
// with a preset (Hetzner, MinIO, R2, AWS) or New. It is safe for concurrent
// use.
type Provider struct {
	vendor    vendor
	endpoint  *url.URL
	region    string
	accessKey secret.Value
	secretKey secret.Value
	pathStyle bool
	opts      options
	log       *slog.Logger
	client    *minio.Client
	// primed is what Validate read, kept for the Ensure that
	// follows (used once, while fresh).
	primed prime.Cache[primeKey, primedRead]
	// err is a configuration error found by the constructor (an unknown
	// location, a malformed endpoint); every call returns it before any
	// request.
	err error
}

var (
	_ storage.Provider  = (*Provider)(nil)
	_ storage.Planner   = (*Provider)(nil)
	_ storage.Destroyer = (*Provider)(nil)
	_ storage.Estimator = (*Provider)(nil)
	_ storage.Describer = (*Provider)(nil)
	_ storage.Validator = (*Provider)(nil)
)

// HetznerLocations are the locations Hetzner Object Storage is offered in.
var HetznerLocations = []string{"fsn1", "nbg1", "hel1"}

// Hetzner returns a provider for Hetzner Object Storage in location (fsn1,
// nbg1 or hel1): endpoint https://{location}.your-objectstorage.com, region
// = location. Access keys are made in the Hetzner Cloud Console (there is no
// API for them).
func Hetzner(location string, accessKey, secretKey secret.Value, opts ...Option) *Provider {
	p := newProvider(hetzner, "https://"+location+".your-objectstorage.com", location, accessKey, secretKey, opts)
	if p.err == nil && !containsString(HetznerLocations, location) {
		p.err = ensure.Invalid("storage.location", location, "Hetzner Object Storage has no such location",
			"use one of: "+strings.Join(HetznerLocations, ", "))
	}
	return p
}

// MinIO returns a provider for a MinIO server at endpoint
// (scheme://host[:port]), region us-east-1, path-style addressing.
func MinIO(endpoint string, accessKey, secretKey secret.Value, opts ...Option) *Provider {
	return newProvider(minioServer, endpoint, "us-east-1", accessKey, secretKey, opts)
}

// R2 returns a provider for Cloudflare R2 in the account accountID (32 hex
// digits): endpoint https://{accountID}.r2.cloudflarestorage.com, region
// "auto". R2 has no bucket policies, versioning or object lock; public access
// is a dashboard setting (an r2.dev or custom domain: pass it with
// WithPublicURL).
func R2(accountID string, accessKey, secretKey secret.Value, opts ...Option) *Provider {
	p := newProvider(r2, "https://"+accountID+".r2.cloudflarestorage.com", "auto", accessKey, secretKey, opts)
	if p.err == nil && (len(accountID) != 32 || strings.Trim(strings.ToLower(accountID), "0123456789abcdef") != "") {
		p.err = ensure.Invalid("storage.account_id", accountID, "a Cloudflare account ID is 32 hexadecimal digits",
			"copy it from the R2 overview page of the Cloudflare dashboard")
	}
	return p
}

// AWS returns a provider for Amazon S3 in region (e.g. eu-central-1):
// endpoint https://s3.{region}.amazonaws.com.
func AWS(region string, accessKey, secretKey secret.Value, opts ...Option) *Provider {
	p := newProvider(aws, "https://s3."+region+".amazonaws.com", region, accessKey, secretKey, opts)
	if p.err == nil && !validRegion(region) {
		p.err = ensure.Invalid("storage.region", region, "not an AWS region name", "use a region such as eu-central-1 or us-east-1")
	}
	return p
}

// New returns a provider for any S3-compatible endpoint
// (scheme://host[:port]) that signs for region.
func New(endpoint, region string, accessKey, secretKey secret.Value, opts ...Option) *Provider {
	p := newProvider(generic, endpoint, region, accessKey, secretKey, opts)
	if p.err == nil && (region == "" || !validRegion(region)) {
		p.err = ensure.Invalid("storage.region", region, "the region is empty or malformed", "use the region the endpoint expects, e.g. us-east-1")
	}
	return p
}

func newProvider(v vendor, endpoint, region string, accessKey, secretKey secret.Value, opts []Option) *Provider {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	p := &Provider{vendor: v, region: region, accessKey: accessKey, secretKey: secretKey, opts: o, log: o.logger}
	overridden := o.endpoint != ""
	if overridden {
		endpoint = o.endpoint
	}
	p.pathStyle = o.pathStyle || overridden || v.pathStyle
	u, err := parseEndpoint(endpoint, o.insecure)
	if err != nil {
		p.err = err
		return p
	}
	p.endpoint = u
	switch {
	case accessKey.IsZero():
		p.err = ensure.Invalid("storage.access_key", "", "the access key is empty", "pass the S3 access key ID")
		return p
	case secretKey.IsZero():
		p.err = ensure.Invalid("storage.secret_key", "", "the secret key is empty", "pass the S3 secret access key")
		return p
	}
	mo := &minio.Options{
		Creds:     credentials.NewStaticV4(accessKey.Reveal(), secretKey.Reveal(), ""),
		Secure:    u.Scheme == "https",
		Region:    region,
		Transport: o.transport,
	}
	if p.pathStyle {
		mo.BucketLookup = minio.BucketLookupPath
	}
	switch {
	case o.maxRetries > 0:
		mo.MaxRetries = o.maxRetries
	case o.maxRetries < 0:
		mo.MaxRetries = 1 // one attempt
	}
	c, err := minio.New(u.Host, mo)
	if err != nil {
		p.err = ensure.Invalid("storage.endpoint", u.String(), err.Error(), "pass scheme://host[:port]")
		return p
	}
	c.SetAppInfo("assemble", "1")
	p.client = c
	return p
}

func parseEndpoint(endpoint string, insecure bool) (*url.URL, error) {
	const fix = "write the endpoint as https://host[:port]"
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, ensure.Invalid("storage.endpoint", endpoint, "not a URL with a host", fix)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, ensure.Invalid("storage.endpoint", endpoint, "an endpoint has no path, query or user", fix)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return nil, ensure.Invalid("storage.endpoint", endpoint, "plain http to a host that is not loopback would send data in clear",
				"use https, or pass s3.WithInsecure() if you mean it")
		}
	default:
		return nil, ensure.Invalid("storage.endpoint", endpoint, "the scheme must be http or https", fix)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validRegion(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Endpoint returns the endpoint URL the provider talks to.
func (p *Provider) Endpoint() string {
	if p.endpoint == nil {
		return ""
	}
	return p.endpoint.String()
}

// Region returns the region requests are signed for.
func (p *Provider) Region() string { return p.region }

// Client returns the underlying minio-go client (nil when the provider's
// configuration is invalid), for callers that need an S3 operation the
// provider doesn't offer.
func (p *Provider) Client() *minio.Client { return p.client }

// Describe returns the Bucket that Ensure returns for spec — endpoint,
// region, addressing, public URL and credentials — without any request. A
// plan uses it to show what depends on the bucket before it exists.
func (p *Provider) Describe(spec storage.BucketSpec) *storage.Bucket { return p.bucket(spec.Name) }

// bucket returns the Bucket output for name.
func (p *Provider) bucket(name string) *storage.Bucket {
	b := &storage.Bucket{Name: name, Region: p.region, Endpoint: p.endpoint.String(), PathStyle: p.pathStyle,
		AccessKey: p.accessKey, SecretKey: p.secretKey}
	switch {
	case p.opts.publicURL != "":
		b.PublicURL = strings.TrimSuffix(p.opts.publicURL, "/")
	case !p.vendor.anonymousReads:
	case p.pathStyle || strings.Contains(name, "."):
		b.PublicURL = p.endpoint.String() + "/" + name
	default:
		b.PublicURL = p.endpoint.Scheme + "://" + name + "." + p.endpoint.Host
	}
	return b
}
