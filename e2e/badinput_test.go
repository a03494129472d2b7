package e2e_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/builder/buildertest"
	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/dns/cloudflare"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/registry"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
	"github.com/assemblekit/assemble/secrets/file"
	"github.com/assemblekit/assemble/secrets/onepassword"
	"github.com/assemblekit/assemble/secrets/secretstest"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/hetzner"
	"github.com/assemblekit/assemble/server/static"
	"github.com/assemblekit/assemble/sshkey"
	"github.com/assemblekit/assemble/storage"
	"github.com/assemblekit/assemble/storage/s3"
)

// TestMain lets the test binary act as the fake password-manager CLIs.
func TestMain(m *testing.M) { secretstest.Main(m) }

// badCase is one piece of bad input. build returns the smallest recipe
// that reaches it: the ingredient and the steps it needs (a host you
// already have stands in for the server where a step needs one, so that
// nothing is made before the bad ingredient is looked at).
type badCase struct {
	name string
	// want is the sentinel the error must unwrap to.
	want error
	// field and fix are words the message must hold: the field named, and
	// the way out.
	field, fix string
	build      func(t *testing.T, k *kit) *assemble.Recipe
}

// kit is what a case builds its recipe from: a fresh world, plus a
// simulated host the world doesn't know (a server you already have).
type kit struct {
	*world
	host *buildertest.Host
	keys string
}

func newKit(t *testing.T, hostOpts ...buildertest.Option) *kit {
	w := newWorld(t)
	return &kit{world: w, host: buildertest.New(t, hostOpts...), keys: t.TempDir()}
}

func (k *kit) base(opts ...assemble.Option) *assemble.Recipe {
	return k.baseNamed(recipeName, opts...)
}

func (k *kit) baseNamed(name string, opts ...assemble.Option) *assemble.Recipe {
	return assemble.New(name, append([]assemble.Option{assemble.WithLogger(k.logger), assemble.WithDialer(k.sb.Dial)}, opts...)...)
}

// existing is a server you already have: the kit's simulated host.
func (k *kit) existing(r *assemble.Recipe) *assemble.Recipe {
	return r.Server(static.New(k.host.Addr(), static.WithHostKey(k.host.HostKey()), static.WithSigner(k.host.ClientSigner())), server.Spec{Name: "web"})
}

func (k *kit) hetznerServer(r *assemble.Recipe, token string, spec server.Spec) *assemble.Recipe {
	return k.hetznerServerKey(r, token, k.sb.SSHKey(), spec)
}

func (k *kit) hetznerServerKey(r *assemble.Recipe, token string, key sshkey.Spec, spec server.Spec) *assemble.Recipe {
	if spec.Name == "" {
		spec.Name = recipeName + "-1"
	}
	p := hetzner.New(secret.New(token), hetzner.WithEndpoint(k.sb.Hetzner.URL()), hetzner.WithDialer(k.sb.Dial), hetzner.WithRetry(1, 0))
	return r.SSHKey(key).Server(p, spec)
}

func (k *kit) sandboxServer(spec server.Spec) *assemble.Recipe {
	return k.hetznerServer(k.base(), k.sb.Hetzner.Token(), spec)
}

func (k *kit) domain(spec dns.RecordSpec, opts ...cloudflare.Option) *assemble.Recipe {
	if spec.Name == "" {
		spec.Name = recipeName + "." + k.sb.Zone()
	}
	return k.existing(k.base()).Domain(k.sb.CloudflareProvider(opts...), spec)
}

func (k *kit) domainToken(token string) *assemble.Recipe {
	p := cloudflare.New(secret.New(token), cloudflare.WithBaseURL(k.sb.Cloudflare.URL()), cloudflare.WithoutVerify())
	return k.existing(k.base()).Domain(p, dns.RecordSpec{Name: recipeName + "." + k.sb.Zone()})
}

func (k *kit) bucket(spec storage.BucketSpec, opts ...s3.Option) *assemble.Recipe {
	if spec.Name == "" {
		spec.Name = recipeName + "-uploads"
	}
	return k.base().Storage(k.sb.S3Provider(opts...), spec)
}

func (k *kit) s3Keys(access, secretKey string) *assemble.Recipe {
	p := s3.Hetzner("fsn1", secret.New(access), secret.New(secretKey), s3.WithEndpoint(k.sb.S3.URL()), s3.WithMaxRetries(-1))
	return k.base().Storage(p, storage.BucketSpec{Name: recipeName + "-uploads"})
}

func (k *kit) registry(spec registry.Spec) *assemble.Recipe {
	return k.base().Registry(spec, registry.WithRetry(1, 0))
}

func (k *kit) builderOn(spec builder.Spec) *assemble.Recipe {
	h := builder.Host{Addr: k.host.Addr(), User: "root", HostKey: k.host.HostKey(), Signer: k.host.ClientSigner()}
	return k.base().BuilderOn(h, spec)
}

// writeKey writes a private key file for the SSH key cases.
func (k *kit) writeKey(t *testing.T, name string, content []byte, mode os.FileMode) string {
	p := filepath.Join(k.keys, name)
	require.NoError(t, os.WriteFile(p, content, mode))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

// validKey returns a freshly generated key's PEM.
func (k *kit) validKey(t *testing.T, passphrase string) []byte {
	p := filepath.Join(t.TempDir(), "id")
	_, _, err := sshkey.Spec{Path: p, Passphrase: secret.New(passphrase)}.EnsureKey(runCtx(t))
	require.NoError(t, err)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func (k *kit) keyRecipe(spec sshkey.Spec) *assemble.Recipe {
	return k.hetznerServerKey(k.base(), k.sb.Hetzner.Token(), spec, server.Spec{Type: "cx23", Location: "fsn1"})
}

// onePassword returns a 1Password store whose op is the fake CLI scripted
// by script.
func onePassword(t *testing.T, account string, script func(c *secretstest.CLIs)) *onepassword.Provider {
	c := secretstest.NewCLIs(t)
	if script != nil {
		script(c)
	}
	return onepassword.New(account, "Deploy", onepassword.WithBinary(c.Path("op")))
}

func badCases() []badCase {
	hz := func(spec server.Spec) func(*testing.T, *kit) *assemble.Recipe {
		return func(_ *testing.T, k *kit) *assemble.Recipe {
			if spec.Type == "" {
				spec.Type = "cx23"
			}
			if spec.Location == "" {
				spec.Location = "fsn1"
			}
			return k.sandboxServer(spec)
		}
	}
	rec := func(spec dns.RecordSpec) func(*testing.T, *kit) *assemble.Recipe {
		return func(_ *testing.T, k *kit) *assemble.Recipe { return k.domain(spec) }
	}
	bkt := func(spec storage.BucketSpec) func(*testing.T, *kit) *assemble.Recipe {
		return func(_ *testing.T, k *kit) *assemble.Recipe { return k.bucket(spec) }
	}
	reg := func(edit func(k *kit, s *registry.Spec)) func(*testing.T, *kit) *assemble.Recipe {
		return func(_ *testing.T, k *kit) *assemble.Recipe {
			s := k.sb.RegistrySpec(recipeName)
			edit(k, &s)
			return k.registry(s)
		}
	}
	bld := func(spec builder.Spec) func(*testing.T, *kit) *assemble.Recipe {
		return func(_ *testing.T, k *kit) *assemble.Recipe { return k.builderOn(spec) }
	}
	named := func(name string) func(*testing.T, *kit) *assemble.Recipe {
		return func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.baseNamed(name).Storage(k.sb.S3Provider(), storage.BucketSpec{Name: "shop-uploads"})
		}
	}
	return []badCase{
		// The recipe.
		{"recipe name empty", ensure.ErrInvalidSpec, "recipe name", "name the app", named("")},
		{"recipe name with a dot", ensure.ErrInvalidSpec, "recipe name", "use only letters", named("shop.web")},
		{"recipe name with a space", ensure.ErrInvalidSpec, "recipe name", "use only letters", named("my shop")},
		{"recipe name ends with a dash", ensure.ErrInvalidSpec, "recipe name", "trim", named("shop-")},
		{"recipe name too long", ensure.ErrInvalidSpec, "recipe name", "shorten", named(strings.Repeat("s", 64))},

		// The SSH key.
		{"ssh key path empty", ensure.ErrInvalidSpec, "ssh key path", "give the path", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.keyRecipe(sshkey.Spec{})
		}},
		{"ssh key is a directory", ensure.ErrInvalidSpec, "is a directory", "key file", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.keyRecipe(sshkey.Spec{Path: k.keys})
		}},
		{"ssh key unreadable garbage", ensure.ErrInvalidSpec, "not a PEM", "private key", func(t *testing.T, k *kit) *assemble.Recipe {
			return k.keyRecipe(sshkey.Spec{Path: k.writeKey(t, "garbage", []byte("not a key\n"), 0o600)})
		}},
		{"ssh key too open", ensure.ErrInvalidSpec, "readable by others", "chmod 600", func(t *testing.T, k *kit) *assemble.Recipe {
			return k.keyRecipe(sshkey.Spec{Path: k.writeKey(t, "open", k.validKey(t, ""), 0o644)})
		}},
		{"ssh key encrypted, no passphrase", ensure.ErrUnauthorized, "encrypted", "set the passphrase", func(t *testing.T, k *kit) *assemble.Recipe {
			return k.keyRecipe(sshkey.Spec{Path: k.writeKey(t, "locked", k.validKey(t, "hunter22"), 0o600)})
		}},
		{"ssh key pub of another key", ensure.ErrInvalidSpec, ".pub", "delete", func(t *testing.T, k *kit) *assemble.Recipe {
			p := k.writeKey(t, "mixed", k.validKey(t, ""), 0o600)
			other := filepath.Join(t.TempDir(), "other")
			_, _, err := sshkey.Spec{Path: other}.EnsureKey(runCtx(t))
			require.NoError(t, err)
			pub, err := os.ReadFile(other + ".pub")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p+".pub", pub, 0o644))
			return k.keyRecipe(sshkey.Spec{Path: p})
		}},

		// The server (Hetzner Cloud).
		{"hetzner token empty", ensure.ErrInvalidSpec, "hetzner.token", "API token", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.hetznerServer(k.base(), "", server.Spec{Type: "cx23", Location: "fsn1"})
		}},
		{"hetzner token garbage", ensure.ErrUnauthorized, "hetzner.token", "read & write", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.hetznerServer(k.base(), "garbage-token-123", server.Spec{Type: "cx23", Location: "fsn1"})
		}},
		{"server type unknown", ensure.ErrInvalidSpec, "server.type", "cx23", hz(server.Spec{Type: "cx99"})},
		{"server type not in location", ensure.ErrInvalidSpec, "server.type", "use", hz(server.Spec{Type: "cx23", Location: "ash"})},
		{"server location unknown", ensure.ErrInvalidSpec, "server.location", "fsn1", hz(server.Spec{Location: "mars1"})},
		{"server image unknown", ensure.ErrInvalidSpec, "server.image", "ubuntu-24.04", hz(server.Spec{Image: "ubuntu-99.04"})},
		{"server name not a hostname", ensure.ErrInvalidSpec, "server.name", "lowercase", hz(server.Spec{Name: "Shop_1"})},
		{"server user invalid", ensure.ErrInvalidSpec, "server.user", "root", hz(server.Spec{User: "Root!"})},
		{"server firewall without ssh", ensure.ErrInvalidSpec, "server.firewall", "22", hz(server.Spec{Firewall: []server.Rule{{Protocol: "tcp", Port: "443"}}})},
		{"server label reserved", ensure.ErrInvalidSpec, "server.labels", "another key", hz(server.Spec{Labels: map[string]string{server.LabelPrefix + "x": "y"}})},

		// The domain (Cloudflare), on a server you already have.
		{"cloudflare token empty", ensure.ErrInvalidSpec, "cloudflare.token", "API token", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.domainToken("")
		}},
		{"cloudflare token with a newline", ensure.ErrInvalidSpec, "cloudflare.token", "without spaces", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.domainToken(k.sb.Cloudflare.Token() + "\n")
		}},
		{"cloudflare token garbage", ensure.ErrUnauthorized, "cloudflare.token", "Zone:Read and DNS:Edit", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.domainToken("garbage-token-123")
		}},
		{"dns zone not in the account", ensure.ErrNotFound, "no zone named", "add the zone", rec(dns.RecordSpec{Name: "shop.example.org"})},
		{"dns name with an empty label", ensure.ErrInvalidSpec, "dns.name", "fully qualified name such as", rec(dns.RecordSpec{Name: "shop..example.com"})},
		{"dns name not qualified", ensure.ErrInvalidSpec, "dns.name", "fully qualified name such as", rec(dns.RecordSpec{Name: "shop"})},
		{"dns name label starts with a hyphen", ensure.ErrInvalidSpec, "dns.name", "fully qualified name such as", rec(dns.RecordSpec{Name: "-shop.example.com"})},
		{"dns name with a space", ensure.ErrInvalidSpec, "dns.name", "punycode", rec(dns.RecordSpec{Name: "my shop.example.com"})},
		{"dns ttl below cloudflare's minimum", ensure.ErrInvalidSpec, "dns.ttl", "at least 60", rec(dns.RecordSpec{TTL: 30})},
		{"dns ttl too long", ensure.ErrInvalidSpec, "dns.ttl", "86400", rec(dns.RecordSpec{TTL: 100000})},
		{"dns type unsupported", ensure.ErrInvalidSpec, "dns.type", "AAAA", rec(dns.RecordSpec{Type: "MX"})},

		// The bucket (S3).
		{"bucket name upper case", ensure.ErrInvalidSpec, "bucket.name", "use lowercase", bkt(storage.BucketSpec{Name: "Shop_Uploads"})},
		{"bucket name too short", ensure.ErrInvalidSpec, "bucket.name", "use a longer name", bkt(storage.BucketSpec{Name: "ab"})},
		{"bucket name an ip address", ensure.ErrInvalidSpec, "bucket.name", "use a name with letters", bkt(storage.BucketSpec{Name: "192.168.1.1"})},
		{"bucket name with dots next to each other", ensure.ErrInvalidSpec, "bucket.name", "use a single dot", bkt(storage.BucketSpec{Name: "shop..uploads"})},
		{"bucket public prefix empty", ensure.ErrInvalidSpec, "bucket.public_prefixes", "public/", bkt(storage.BucketSpec{PublicPrefixes: []string{""}})},
		{"bucket public prefix with a slash", ensure.ErrInvalidSpec, "bucket.public_prefixes", "drop the leading slash", bkt(storage.BucketSpec{PublicPrefixes: []string{"/public"}})},
		{"bucket cors origin not http", ensure.ErrInvalidSpec, "bucket.cors_origins", "scheme://host", bkt(storage.BucketSpec{CORSOrigins: []string{"ftp://shop.example.com"}})},
		{"s3 access key empty", ensure.ErrInvalidSpec, "storage.access_key", "access key", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.s3Keys("", "secret")
		}},
		{"s3 secret key empty", ensure.ErrInvalidSpec, "storage.secret_key", "secret access key", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.s3Keys("AKIDEXAMPLE", "")
		}},
		{"s3 keys garbage", ensure.ErrUnauthorized, "Access Key", "check the access key and secret key", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.s3Keys("AKIDGARBAGE", "garbage-secret")
		}},
		{"storage location unknown", ensure.ErrInvalidSpec, "storage.location", "fsn1, nbg1, hel1", func(_ *testing.T, k *kit) *assemble.Recipe {
			p := s3.Hetzner("mars1", secret.New("a"), secret.New("b"), s3.WithEndpoint(k.sb.S3.URL()))
			return k.base().Storage(p, storage.BucketSpec{Name: "shop-uploads"})
		}},

		// The registry.
		{"registry password empty", ensure.ErrInvalidSpec, "registry.password", "docker login", reg(func(_ *kit, s *registry.Spec) { s.Password = secret.Value{} })},
		{"registry username empty", ensure.ErrInvalidSpec, "registry.username", "set the registry user", reg(func(_ *kit, s *registry.Spec) { s.Username = "" })},
		{"registry password wrong", ensure.ErrUnauthorized, "registry.username", "KAMAL_REGISTRY_PASSWORD", reg(func(_ *kit, s *registry.Spec) { s.Password = secret.New("wrong-password") })},
		{"registry image with a tag", ensure.ErrInvalidSpec, "image", "Kamal tags", reg(func(_ *kit, s *registry.Spec) { s.Image = "shop:latest" })},
		{"registry image upper case", ensure.ErrInvalidSpec, "image", "lower case", reg(func(_ *kit, s *registry.Spec) { s.Image = "Shop" })},
		{"registry and image disagree", ensure.ErrInvalidSpec, "registry.server", "set registry.server", reg(func(_ *kit, s *registry.Spec) { s.Image = "ghcr.io/me/shop" })},
		{"registry server with a path", ensure.ErrInvalidSpec, "registry.server", "host", reg(func(k *kit, s *registry.Spec) { s.Server = k.sb.Registry.Host() + "/v2" })},

		// The password manager.
		{"password manager cli missing", ensure.ErrPrecondition, "op", "install", func(_ *testing.T, k *kit) *assemble.Recipe {
			store := onepassword.New("my.1password.com", "Deploy", onepassword.WithBinary(filepath.Join(k.keys, "no-such-op")))
			return k.base().Secrets(store).Secret("DB_PASSWORD", secret.New("db-pass"))
		}},
		{"password manager signed out", ensure.ErrUnauthorized, "1password", "op signin", func(t *testing.T, k *kit) *assemble.Recipe {
			store := onePassword(t, "my.1password.com", func(c *secretstest.CLIs) {
				c.On("op", "account", "get", "--account", "my.1password.com").Fail(1, "[ERROR] 2025/01/01 00:00:00 You are not currently signed in. Please run `op signin --help` for instructions\n")
			})
			return k.base().Secrets(store).Secret("DB_PASSWORD", secret.New("db-pass"))
		}},
		{"password manager account empty", ensure.ErrInvalidSpec, "account", "1Password account", func(t *testing.T, k *kit) *assemble.Recipe {
			return k.base().Secrets(onePassword(t, "", nil)).Secret("DB_PASSWORD", secret.New("db-pass"))
		}},
		{"secrets file destination invalid", ensure.ErrInvalidSpec, "destination", "letters", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.base().Secrets(file.New(k.sb.AppDir(), file.WithDestination("prod.eu"))).Secret("DB_PASSWORD", secret.New("db-pass"))
		}},
		{"app secret empty", ensure.ErrInvalidSpec, "DB_PASSWORD", "give it a value", func(_ *testing.T, k *kit) *assemble.Recipe {
			return k.base().Secrets(k.sb.SecretsStore()).Secret("DB_PASSWORD", secret.Value{})
		}},

		// The builder, on a host you already have.
		{"builder below the memory floor", ensure.ErrPrecondition, "memory", "bigger server", func(t *testing.T, _ *kit) *assemble.Recipe {
			k := newKit(t, buildertest.Memory(2<<30))
			return k.builderOn(builder.Spec{})
		}},
		{"builder below the disk floor", ensure.ErrPrecondition, "disk", "free disk", func(t *testing.T, _ *kit) *assemble.Recipe {
			k := newKit(t, buildertest.DiskFree(5e9))
			return k.builderOn(builder.Spec{})
		}},
		{"builder cron schedule four fields", ensure.ErrInvalidSpec, "builder.prune.schedule", "five cron fields", bld(builder.Spec{Prune: builder.Prune{Schedule: "17 3 * *"}})},
		{"builder cron shortcut unknown", ensure.ErrInvalidSpec, "builder.prune.schedule", "@daily", bld(builder.Spec{Prune: builder.Prune{Schedule: "@fortnightly"}})},
		{"builder prune until negative", ensure.ErrInvalidSpec, "builder.prune.until", "24h", bld(builder.Spec{Prune: builder.Prune{Until: "-1h"}})},
	}
}

// TestBadInput runs every piece of bad input of the catalogue: each fails
// with the right sentinel, names the field and the fix, and changes
// nothing anywhere — no mutating request to any simulator, no changing
// command on any host.
func TestBadInput(t *testing.T) {
	cases := badCases()
	ran := 0
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			ran++
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				k := newKit(t)
				r := c.build(t, k)
				m := k.mark()
				hostMark := k.host.Mark()
				_, err := r.Ensure(runCtx(t))
				require.Error(t, err)
				t.Logf("error: %v", err)
				require.True(t, errors.Is(err, c.want), "want %v, got %v", c.want, err)
				require.Contains(t, err.Error(), c.field, "the message names the field")
				require.Contains(t, err.Error(), c.fix, "the message names the fix")
				require.Empty(t, k.changes(m), "bad input changed the world")
				for _, cmd := range k.host.Since(hostMark) {
					require.False(t, cmd.Mutating, "bad input changed the host: %s", cmd.Cmd)
				}
				require.True(t, k.summary().empty(), "bad input made something: %+v", k.summary())
				k.requireNeighboursUntouched(t)
			})
		}
	})
	t.Logf("bad input catalogue: %d cases", ran)
	require.GreaterOrEqual(t, ran, 40)
}

// fullParts is every ingredient of the sandbox's full recipe (key, cx33
// server that is also the builder, bucket, Cloudflare record, registry,
// secrets store, builder), each held as a value a case can make bad.
type fullParts struct {
	name     string
	key      sshkey.Spec
	hz       *hetzner.Provider
	server   server.Spec
	s3       *s3.Provider
	bucket   storage.BucketSpec
	cf       *cloudflare.Provider
	record   dns.RecordSpec
	registry registry.Spec
	store    secrets.Provider
	secrets  map[string]secret.Value
	builder  builder.Spec
}

// fullDefaults is the good full recipe, built the way world.recipe builds
// it: the sandbox's providers with a per-request timeout and quick retries.
func fullDefaults(w *world) *fullParts {
	sb := w.sb
	return &fullParts{
		name: recipeName,
		key:  sb.SSHKey(),
		hz: sb.HetznerProvider(
			hetzner.WithHTTPClient(&http.Client{Transport: timeoutTransport()}),
			hetzner.WithRetry(5, 20*time.Millisecond),
		),
		server:   server.Spec{Name: recipeName + "-1", Type: "cx33", Location: "fsn1"},
		s3:       sb.S3Provider(s3.WithTransport(timeoutTransport())),
		bucket:   storage.BucketSpec{Name: recipeName + "-uploads", PublicPrefixes: []string{"public/"}},
		cf:       sb.CloudflareProvider(cloudflare.WithRequestTimeout(reqTimeout)),
		record:   dns.RecordSpec{Name: recipeName + "." + sb.Zone()},
		registry: sb.RegistrySpec(recipeName),
		store:    file.New(sb.AppDir(), file.WithLogger(w.logger)),
		secrets:  map[string]secret.Value{"DB_PASSWORD": secret.New("db-pass-e2e")},
		builder:  builder.Spec{Install: builder.AtBoot(), KnownHostsPath: sb.KnownHosts()},
	}
}

// recipe assembles the full recipe from the parts.
func (p *fullParts) recipe(w *world) *assemble.Recipe {
	r := assemble.New(p.name, assemble.WithLogger(w.logger), assemble.WithDialer(w.sb.Dial)).
		SSHKey(p.key).
		Server(p.hz, p.server).
		Storage(p.s3, p.bucket).
		Domain(p.cf, p.record).
		Registry(p.registry, registry.WithTimeout(reqTimeout), registry.WithRetry(3, 20*time.Millisecond), registry.WithLogger(w.logger)).
		Secrets(p.store).
		Builder(p.builder, builder.WithCommandTimeout(10*time.Second), builder.WithLogger(w.logger))
	for name, v := range p.secrets {
		r = r.Secret(name, v)
	}
	return r
}

// hetznerWithToken is the sandbox's Hetzner Cloud with another token.
func hetznerWithToken(w *world, token string) *hetzner.Provider {
	return hetzner.New(secret.New(token), hetzner.WithEndpoint(w.sb.Hetzner.URL()), hetzner.WithDialer(w.sb.Dial), hetzner.WithRetry(1, 0))
}

// cloudflareWithToken is the sandbox's Cloudflare with another token.
func cloudflareWithToken(w *world, token string) *cloudflare.Provider {
	return cloudflare.New(secret.New(token), cloudflare.WithBaseURL(w.sb.Cloudflare.URL()), cloudflare.WithoutVerify(), cloudflare.WithMaxRetries(0))
}

// s3WithKeys is the sandbox's S3 with other keys (or location).
func s3WithKeys(w *world, location, access, secretKey string) *s3.Provider {
	return s3.Hetzner(location, secret.New(access), secret.New(secretKey), s3.WithEndpoint(w.sb.S3.URL()), s3.WithInsecure(), s3.WithMaxRetries(-1))
}

// fullCase is one bad ingredient in the full recipe: edit makes exactly
// one part bad (cli, when set, is the fake password-manager CLI the case
// scripted, whose calls are checked too).
type fullCase struct {
	name       string
	want       error
	field, fix string
	edit       func(t *testing.T, w *world, p *fullParts) *secretstest.CLIs
}

// fullOnePassword puts a 1Password store scripted by script into p.
func fullOnePassword(t *testing.T, p *fullParts, account string, script func(c *secretstest.CLIs)) *secretstest.CLIs {
	c := secretstest.NewCLIs(t)
	if script != nil {
		script(c)
	}
	p.store = onepassword.New(account, "Deploy", onepassword.WithBinary(c.Path("op")))
	return c
}

// writeFullKey writes a private key file with mode into a fresh directory.
func writeFullKey(t *testing.T, content []byte, mode os.FileMode) string {
	p := filepath.Join(t.TempDir(), "id_ed25519")
	require.NoError(t, os.WriteFile(p, content, mode))
	require.NoError(t, os.Chmod(p, mode))
	return p
}

// freshKey returns a newly generated private key's PEM.
func freshKey(t *testing.T, passphrase string) []byte {
	p := filepath.Join(t.TempDir(), "id")
	_, _, err := sshkey.Spec{Path: p, Passphrase: secret.New(passphrase)}.EnsureKey(runCtx(t))
	require.NoError(t, err)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func fullCases() []fullCase {
	edit := func(f func(w *world, p *fullParts)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return func(_ *testing.T, w *world, p *fullParts) *secretstest.CLIs { f(w, p); return nil }
	}
	srv := func(f func(s *server.Spec)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return edit(func(_ *world, p *fullParts) { f(&p.server) })
	}
	rec := func(f func(s *dns.RecordSpec)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return edit(func(_ *world, p *fullParts) { f(&p.record) })
	}
	bkt := func(f func(s *storage.BucketSpec)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return edit(func(_ *world, p *fullParts) { f(&p.bucket) })
	}
	reg := func(f func(w *world, s *registry.Spec)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return edit(func(w *world, p *fullParts) { f(w, &p.registry) })
	}
	bld := func(f func(s *builder.Spec)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return edit(func(_ *world, p *fullParts) { f(&p.builder) })
	}
	key := func(f func(t *testing.T, p *fullParts)) func(*testing.T, *world, *fullParts) *secretstest.CLIs {
		return func(t *testing.T, _ *world, p *fullParts) *secretstest.CLIs { f(t, p); return nil }
	}
	return []fullCase{
		// The recipe.
		{"recipe name empty", ensure.ErrInvalidSpec, "recipe name", "name the app", edit(func(_ *world, p *fullParts) { p.name = "" })},
		{"recipe name with a dot", ensure.ErrInvalidSpec, "recipe name", "use only letters", edit(func(_ *world, p *fullParts) { p.name = "shop.web" })},
		{"recipe name too long", ensure.ErrInvalidSpec, "recipe name", "shorten", edit(func(_ *world, p *fullParts) { p.name = strings.Repeat("s", 64) })},

		// The SSH key.
		{"ssh key too open", ensure.ErrInvalidSpec, "readable by others", "chmod 600", key(func(t *testing.T, p *fullParts) {
			p.key.Path = writeFullKey(t, freshKey(t, ""), 0o644)
		})},
		{"ssh key encrypted, no passphrase", ensure.ErrUnauthorized, "encrypted", "set the passphrase", key(func(t *testing.T, p *fullParts) {
			p.key.Path = writeFullKey(t, freshKey(t, "hunter22"), 0o600)
		})},
		{"ssh key wrong passphrase", ensure.ErrUnauthorized, "passphrase is wrong", "check the passphrase", key(func(t *testing.T, p *fullParts) {
			p.key.Path = writeFullKey(t, freshKey(t, "hunter22"), 0o600)
			p.key.Passphrase = secret.New("hunter23")
		})},
		{"ssh key garbage", ensure.ErrInvalidSpec, "not a PEM", "private key", key(func(t *testing.T, p *fullParts) {
			p.key.Path = writeFullKey(t, []byte("not a key\n"), 0o600)
		})},
		{"ssh key is a directory", ensure.ErrInvalidSpec, "is a directory", "key file", key(func(t *testing.T, p *fullParts) {
			p.key.Path = t.TempDir()
		})},

		// The server (Hetzner Cloud), which is also the builder.
		{"server type too small for the builder", ensure.ErrInvalidSpec, "server.type", "cx33", srv(func(s *server.Spec) { s.Type = "cx23" })},
		{"server type unknown", ensure.ErrInvalidSpec, "server.type", "cx33", srv(func(s *server.Spec) { s.Type = "cx99" })},
		{"server location unknown", ensure.ErrInvalidSpec, "server.location", "fsn1", srv(func(s *server.Spec) { s.Location = "mars1" })},
		{"server image unknown", ensure.ErrInvalidSpec, "server.image", "ubuntu-24.04", srv(func(s *server.Spec) { s.Image = "ubuntu-99.04" })},
		{"server name not a hostname", ensure.ErrInvalidSpec, "server.name", "lowercase", srv(func(s *server.Spec) { s.Name = "Shop_1" })},
		{"server firewall without ssh", ensure.ErrInvalidSpec, "server.firewall", "22", srv(func(s *server.Spec) {
			s.Firewall = []server.Rule{{Protocol: "tcp", Port: "443"}}
		})},
		{"server user invalid", ensure.ErrInvalidSpec, "server.user", "root", srv(func(s *server.Spec) { s.User = "Root!" })},
		{"server label reserved", ensure.ErrInvalidSpec, "server.labels", "another key", srv(func(s *server.Spec) {
			s.Labels = map[string]string{server.LabelPrefix + "x": "y"}
		})},
		{"hetzner token empty", ensure.ErrInvalidSpec, "hetzner.token", "API token", edit(func(w *world, p *fullParts) { p.hz = hetznerWithToken(w, "") })},
		{"hetzner token garbage", ensure.ErrUnauthorized, "hetzner.token", "read & write", edit(func(w *world, p *fullParts) { p.hz = hetznerWithToken(w, "garbage-token-123") })},

		// The domain.
		{"dns name with an empty label", ensure.ErrInvalidSpec, "dns.name", "fully qualified name such as", rec(func(s *dns.RecordSpec) { s.Name = "shop..example.com" })},
		{"dns name not qualified", ensure.ErrInvalidSpec, "dns.name", "fully qualified name such as", rec(func(s *dns.RecordSpec) { s.Name = "shop" })},
		{"dns type unsupported", ensure.ErrInvalidSpec, "dns.type", "AAAA", rec(func(s *dns.RecordSpec) { s.Type = "MX" })},
		{"dns name label starts with a hyphen", ensure.ErrInvalidSpec, "dns.name", "fully qualified name such as", rec(func(s *dns.RecordSpec) { s.Name = "-shop.example.com" })},
		{"dns name with a space", ensure.ErrInvalidSpec, "dns.name", "punycode", rec(func(s *dns.RecordSpec) { s.Name = "my shop.example.com" })},

		// The bucket.
		{"bucket name upper case", ensure.ErrInvalidSpec, "bucket.name", "use lowercase", bkt(func(s *storage.BucketSpec) { s.Name = "Shop_Uploads" })},
		{"bucket name an ip address", ensure.ErrInvalidSpec, "bucket.name", "use a name with letters", bkt(func(s *storage.BucketSpec) { s.Name = "192.168.1.1" })},
		{"bucket name too short", ensure.ErrInvalidSpec, "bucket.name", "use a longer name", bkt(func(s *storage.BucketSpec) { s.Name = "ab" })},
		{"bucket cors origin not http", ensure.ErrInvalidSpec, "bucket.cors_origins", "scheme://host", bkt(func(s *storage.BucketSpec) {
			s.CORSOrigins = []string{"ftp://shop.example.com"}
		})},
		{"bucket public prefix with a slash", ensure.ErrInvalidSpec, "bucket.public_prefixes", "drop the leading slash", bkt(func(s *storage.BucketSpec) {
			s.PublicPrefixes = []string{"/public"}
		})},

		// The registry.
		{"registry and image disagree", ensure.ErrInvalidSpec, "registry.server", "set registry.server", reg(func(_ *world, s *registry.Spec) { s.Image = "ghcr.io/me/shop" })},
		{"registry password empty", ensure.ErrInvalidSpec, "registry.password", "docker login", reg(func(_ *world, s *registry.Spec) { s.Password = secret.Value{} })},
		{"registry username empty", ensure.ErrInvalidSpec, "registry.username", "set the registry user", reg(func(_ *world, s *registry.Spec) { s.Username = "" })},
		{"registry image with a tag", ensure.ErrInvalidSpec, "image", "Kamal tags", reg(func(_ *world, s *registry.Spec) { s.Image = "shop:latest" })},

		// The password manager.
		{"password manager cli missing", ensure.ErrPrecondition, "op", "install", func(t *testing.T, _ *world, p *fullParts) *secretstest.CLIs {
			p.store = onepassword.New("my.1password.com", "Deploy", onepassword.WithBinary(filepath.Join(t.TempDir(), "no-such-op")))
			return nil
		}},
		{"password manager signed out", ensure.ErrUnauthorized, "1password", "op signin", func(t *testing.T, _ *world, p *fullParts) *secretstest.CLIs {
			return fullOnePassword(t, p, "my.1password.com", func(c *secretstest.CLIs) {
				c.On("op", "account", "get", "--account", "my.1password.com").Fail(1, "[ERROR] 2025/01/01 00:00:00 You are not currently signed in. Please run `op signin --help` for instructions\n")
			})
		}},
		{"password manager account empty", ensure.ErrInvalidSpec, "account", "1Password account", func(t *testing.T, _ *world, p *fullParts) *secretstest.CLIs {
			return fullOnePassword(t, p, "", nil)
		}},
		{"secrets file destination invalid", ensure.ErrInvalidSpec, "destination", "letters", edit(func(w *world, p *fullParts) {
			p.store = file.New(w.sb.AppDir(), file.WithDestination("prod.eu"))
		})},

		// The builder, on the recipe's server.
		{"builder cron schedule four fields", ensure.ErrInvalidSpec, "builder.prune.schedule", "five cron fields", bld(func(s *builder.Spec) { s.Prune.Schedule = "17 3 * *" })},
		{"builder cron shortcut unknown", ensure.ErrInvalidSpec, "builder.prune.schedule", "@daily", bld(func(s *builder.Spec) { s.Prune.Schedule = "@fortnightly" })},
		{"builder prune until negative", ensure.ErrInvalidSpec, "builder.prune.until", "24h", bld(func(s *builder.Spec) { s.Prune.Until = "-1h" })},

		// Only the vendor knows: the preflight asks it, with reads only.
		{"cloudflare token garbage", ensure.ErrUnauthorized, "cloudflare.token", "Zone:Read and DNS:Edit", edit(func(w *world, p *fullParts) {
			p.cf = cloudflareWithToken(w, "garbage-token-123")
		})},
		{"dns zone not in the account", ensure.ErrNotFound, "no zone named", "add the zone", edit(func(_ *world, p *fullParts) {
			p.record.Name = "shop.example.org"
		})},
		{"s3 keys garbage", ensure.ErrUnauthorized, "Access Key", "check the access key and secret key", edit(func(w *world, p *fullParts) {
			p.s3 = s3WithKeys(w, "fsn1", "AKIDGARBAGE", "garbage-secret")
		})},
		{"registry password wrong", ensure.ErrUnauthorized, "registry.username", "KAMAL_REGISTRY_PASSWORD", edit(func(_ *world, p *fullParts) {
			p.registry.Password = secret.New("wrong-password")
		})},

		// Knowable without the network, beyond what TestBadInput's smaller
		// recipes reach.
		{"dns ttl below cloudflare's minimum", ensure.ErrInvalidSpec, "dns.ttl", "at least 60", edit(func(_ *world, p *fullParts) { p.record.TTL = 30 })},
		{"dns ttl too long", ensure.ErrInvalidSpec, "dns.ttl", "86400", edit(func(_ *world, p *fullParts) { p.record.TTL = 100000 })},
		{"cloudflare token empty", ensure.ErrInvalidSpec, "cloudflare.token", "API token", edit(func(w *world, p *fullParts) {
			p.cf = cloudflareWithToken(w, "")
		})},
		{"cloudflare token with a newline", ensure.ErrInvalidSpec, "cloudflare.token", "without spaces", edit(func(w *world, p *fullParts) {
			p.cf = cloudflareWithToken(w, w.sb.Cloudflare.Token()+"\n")
		})},
		{"s3 access key empty", ensure.ErrInvalidSpec, "storage.access_key", "access key", edit(func(w *world, p *fullParts) {
			p.s3 = s3WithKeys(w, "fsn1", "", w.sb.S3.SecretKey())
		})},
		{"s3 secret key empty", ensure.ErrInvalidSpec, "storage.secret_key", "secret access key", edit(func(w *world, p *fullParts) {
			p.s3 = s3WithKeys(w, "fsn1", w.sb.S3.AccessKey(), "")
		})},
		{"storage location unknown", ensure.ErrInvalidSpec, "storage.location", "fsn1, nbg1, hel1", edit(func(w *world, p *fullParts) {
			p.s3 = s3WithKeys(w, "mars1", w.sb.S3.AccessKey(), w.sb.S3.SecretKey())
		})},
		{"app secret empty", ensure.ErrInvalidSpec, "DB_PASSWORD", "give it a value", edit(func(_ *world, p *fullParts) {
			p.secrets["DB_PASSWORD"] = secret.Value{}
		})},
	}
}

// requireNothingLocal fails unless the run left no local trace: no SSH key
// generated, no .kamal/secrets written, no known_hosts entry.
func requireNothingLocal(t *testing.T, w *world, p *fullParts) {
	t.Helper()
	for _, f := range []string{w.sb.SSHKey().Path, filepath.Join(w.sb.AppDir(), ".kamal", "secrets"), w.sb.KnownHosts()} {
		_, err := os.Stat(f)
		require.True(t, errors.Is(err, os.ErrNotExist), "bad input wrote %s (%v)", f, err)
	}
}

// TestBadInputFullRecipe runs bad input through the sandbox's FULL recipe,
// one ingredient made bad per case: the preflight must refuse it with the
// right sentinel, naming the field and the fix, before any step runs — no
// mutating request to any simulator, no changing host command, no local
// file written, no password-manager write.
func TestBadInputFullRecipe(t *testing.T) {
	cases := fullCases()
	ran := 0
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			ran++
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				p := fullDefaults(w)
				cli := c.edit(t, w, p)
				r := p.recipe(w)
				m := w.mark()
				_, err := r.Ensure(runCtx(t))
				require.Error(t, err)
				t.Logf("error: %v", err)
				require.True(t, errors.Is(err, c.want), "want %v, got %v", c.want, err)
				require.Contains(t, err.Error(), c.field, "the message names the field")
				require.Contains(t, err.Error(), c.fix, "the message names the fix")
				require.Empty(t, w.changes(m), "bad input changed the world")
				require.True(t, w.summary().empty(), "bad input made something: %+v", w.summary())
				w.requireNeighboursUntouched(t)
				requireNothingLocal(t, w, p)
				if cli != nil {
					for _, cmd := range cli.Commands() {
						require.NotRegexp(t, `item (create|edit)|vault create`, cmd, "the password manager was written to")
					}
				}
			})
		}
	})
	t.Logf("bad input through the full recipe, stopped by the preflight: %d cases", ran)
	require.GreaterOrEqual(t, ran, 20)
}
