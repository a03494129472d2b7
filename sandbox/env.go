package sandbox

// Var is one environment variable that points a tool at the sandbox.
type Var struct {
	Name, Value string
	// Secret is true for tokens and keys. They are made-up sandbox values,
	// but a program printing them should still say so.
	Secret bool
}

// Env returns the variables that point standard tools at the simulators:
// the hcloud CLI (HCLOUD_ENDPOINT, HCLOUD_TOKEN), Cloudflare clients
// (CLOUDFLARE_BASE_URL, CLOUDFLARE_API_TOKEN), the aws CLI and SDKs
// (AWS_ENDPOINT_URL_S3, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_REGION), and docker login (ASSEMBLE_REGISTRY, ASSEMBLE_REGISTRY_USER,
// ASSEMBLE_REGISTRY_PASSWORD).
func (s *Sandbox) Env() []Var {
	return []Var{
		{Name: "HCLOUD_ENDPOINT", Value: s.Hetzner.URL()},
		{Name: "HCLOUD_TOKEN", Value: s.creds.HetznerToken, Secret: true},
		{Name: "CLOUDFLARE_BASE_URL", Value: s.Cloudflare.URL()},
		{Name: "CLOUDFLARE_API_TOKEN", Value: s.creds.CloudflareToken, Secret: true},
		{Name: "ASSEMBLE_DNS_ADDR", Value: s.Cloudflare.DNSAddr()},
		{Name: "AWS_ENDPOINT_URL_S3", Value: s.S3.URL()},
		{Name: "AWS_ACCESS_KEY_ID", Value: s.creds.S3AccessKey, Secret: true},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: s.creds.S3SecretKey, Secret: true},
		{Name: "AWS_REGION", Value: "fsn1"},
		{Name: "ASSEMBLE_REGISTRY", Value: s.Registry.Host()},
		{Name: "ASSEMBLE_REGISTRY_USER", Value: s.creds.RegistryUser},
		{Name: "ASSEMBLE_REGISTRY_PASSWORD", Value: s.creds.RegistryPassword, Secret: true},
	}
}
