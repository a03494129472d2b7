// Package awssm stores secrets in AWS Secrets Manager through
// aws-sdk-go-v2, and renders `.kamal/secrets` lines for Kamal's
// `aws_secrets_manager` adapter.
//
// By default every Kamal secret is one key of a single JSON-object secret
// (the "secret id", "kamal" unless WithSecretID says otherwise), which Kamal
// expands to keys "<secret id>/<NAME>"; a Ref with an empty Field stands for
// a whole plain-string secret instead.
//
// Credentials are only what the caller passes (WithStaticCredentials,
// WithEnvCredentials, WithCredentialsProvider): the package never reads
// ~/.aws behind the caller's back.
package awssm
