package awssm

import (
	"log/slog"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/assemblekit/assemble/secret"
)

// Option configures a Provider.
type Option func(*Provider)

// WithEndpoint points the client at another Secrets Manager endpoint (a
// fake, moto_server, a VPC endpoint).
func WithEndpoint(url string) Option { return func(p *Provider) { p.endpoint = url } }

// WithStaticCredentials uses an access key pair.
func WithStaticCredentials(accessKeyID string, secretAccessKey secret.Value) Option {
	return func(p *Provider) {
		p.keys = append(p.keys, secretAccessKey)
		p.creds = credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey.Reveal(), "")
	}
}

// WithEnvCredentials uses AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN from the environment, read when the option is applied.
func WithEnvCredentials() Option {
	return func(p *Provider) {
		id, key, tok := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")
		if id == "" || key == "" {
			return
		}
		p.keys = append(p.keys, secret.New(key), secret.New(tok))
		p.creds = credentials.NewStaticCredentialsProvider(id, key, tok)
	}
}

// WithCredentialsProvider uses any aws.CredentialsProvider (for example one
// from config.LoadDefaultConfig, when the caller wants the shared files).
func WithCredentialsProvider(c aws.CredentialsProvider) Option {
	return func(p *Provider) { p.creds = c }
}

// WithHTTPClient sets the HTTP client.
func WithHTTPClient(c *http.Client) Option { return func(p *Provider) { p.httpClient = c } }

// WithSecretID sets the JSON-object secret that Ref puts Kamal secrets in
// ("kamal" by default).
func WithSecretID(id string) Option { return func(p *Provider) { p.secretID = id } }

// WithProfile sets the AWS CLI profile Kamal's adapter uses at deploy time
// (rendered as --account, which the adapter passes as --profile).
func WithProfile(profile string) Option { return func(p *Provider) { p.profile = profile } }

// WithMaxAttempts sets how many times the SDK tries a request (3 by default).
func WithMaxAttempts(n int) Option { return func(p *Provider) { p.maxAttempts = n } }

// WithLogger sets the logger (Debug level); the default discards.
func WithLogger(l *slog.Logger) Option { return func(p *Provider) { p.log = l } }
