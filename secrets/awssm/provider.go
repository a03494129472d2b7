package awssm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// Adapter is Kamal's name for this store.
const Adapter = "aws_secrets_manager"

// Provider is an AWS Secrets Manager store.
type Provider struct {
	region      string
	endpoint    string
	creds       aws.CredentialsProvider
	keys        []secret.Value
	httpClient  *http.Client
	secretID    string
	profile     string
	maxAttempts int
	log         *slog.Logger
	client      *secretsmanager.Client
}

var _ secrets.Provider = (*Provider)(nil)

var secretIDRe = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

// New returns a store in region.
func New(region string, opts ...Option) *Provider {
	p := &Provider{region: region, secretID: "kamal", log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(p)
	}
	o := secretsmanager.Options{Region: region, Credentials: p.creds, RetryMaxAttempts: p.maxAttempts}
	if p.endpoint != "" {
		o.BaseEndpoint = aws.String(p.endpoint)
	}
	if p.httpClient != nil {
		o.HTTPClient = p.httpClient
	}
	p.client = secretsmanager.New(o)
	return p
}

func (p *Provider) fail(op string, ref *secrets.Ref, sentinel error, msg, fix string) error {
	e := &secrets.Error{Op: op, Store: Adapter, Err: sentinel, Message: msg, Fix: fix}
	if ref != nil {
		e.Ref = ref.String()
	}
	return e
}

func (p *Provider) validate(op string) error {
	if p.region == "" {
		return fmt.Errorf("%s %s: %w", op, Adapter, ensure.Invalid("region", "", "is empty", "pass the AWS region, e.g. eu-central-1"))
	}
	if p.creds == nil {
		return p.fail(op, nil, ensure.ErrPrecondition, "no AWS credentials configured",
			"pass awssm.WithStaticCredentials, WithEnvCredentials or WithCredentialsProvider")
	}
	return nil
}

func (p *Provider) validateRef(op string, ref secrets.Ref) error {
	if err := secrets.ValidateRefs([]secrets.Ref{ref}); err != nil {
		return fmt.Errorf("%s %s secret: %w", op, Adapter, err)
	}
	if !secretIDRe.MatchString(ref.Item) {
		return fmt.Errorf("%s %s secret %s: %w", op, Adapter, ref.Name,
			ensure.Invalid("ref.item", ref.Item, "not a Secrets Manager secret name", "use 1-512 of A-Z a-z 0-9 / _ + = . @ -"))
	}
	return nil
}

// apiError converts an SDK error into a typed *secrets.Error.
func (p *Provider) apiError(op string, ref *secrets.Ref, err error, scrub ...secret.Value) error {
	scrub = append(scrub, p.keys...)
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s %s secret: %w", op, Adapter, err)
		}
		return p.fail(op, ref, ensure.ErrUnavailable, secret.Scrub(err.Error(), scrub...), "")
	}
	code := ae.ErrorCode()
	var sentinel error
	fix := ""
	switch code {
	case "ResourceNotFoundException":
		sentinel = ensure.ErrNotFound
	case "AccessDeniedException":
		sentinel, fix = ensure.ErrForbidden, "allow secretsmanager:GetSecretValue, CreateSecret, PutSecretValue and ListSecrets for these credentials"
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
		"MissingAuthenticationTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch":
		sentinel, fix = ensure.ErrUnauthorized, "check the AWS access key and secret"
	case "ThrottlingException", "TooManyRequestsException":
		sentinel = ensure.ErrRateLimited
	case "ResourceExistsException":
		sentinel = ensure.ErrConflict
	case "InvalidParameterException", "InvalidRequestException", "MalformedPolicyDocumentException":
		sentinel = ensure.ErrInvalidSpec
	case "LimitExceededException":
		sentinel = ensure.ErrQuota
	case "DecryptionFailure", "EncryptionFailure":
		sentinel, fix = ensure.ErrForbidden, "allow kms:Decrypt/kms:GenerateDataKey on the secret's KMS key"
	default:
		sentinel = ensure.ErrUnavailable
	}
	return &secrets.Error{Op: op, Store: Adapter, Err: sentinel, Code: code,
		Message: secret.Scrub(ae.ErrorMessage(), scrub...), Fix: fix, Ref: refString(ref)}
}

func refString(r *secrets.Ref) string {
	if r == nil {
		return ""
	}
	return r.String()
}

// Check makes one read (ListSecrets, one result) to prove the credentials
// and endpoint work.
func (p *Provider) Check(ctx context.Context) error {
	if err := p.validate("check"); err != nil {
		return err
	}
	_, err := p.client.ListSecrets(ctx, &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(1)})
	if err != nil {
		return p.apiError("check", nil, err)
	}
	return nil
}

// Ref returns the default location: key name of the JSON secret WithSecretID.
func (p *Provider) Ref(name string) secrets.Ref {
	return secrets.Ref{Name: name, Item: p.secretID, Field: name}
}

// current reads the secret's string; found is false when it doesn't exist.
func (p *Provider) current(ctx context.Context, op string, ref secrets.Ref) (s string, found bool, err error) {
	out, err := p.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(ref.Item)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return "", false, nil
		}
		return "", false, p.apiError(op, &ref, err)
	}
	return aws.ToString(out.SecretString), true, nil
}

// Get returns the secret (Field empty) or one key of a JSON-object secret.
func (p *Provider) Get(ctx context.Context, ref secrets.Ref) (secret.Value, error) {
	if err := p.validate("get"); err != nil {
		return secret.Value{}, err
	}
	if err := p.validateRef("get", ref); err != nil {
		return secret.Value{}, err
	}
	s, found, err := p.current(ctx, "get", ref)
	if err != nil {
		return secret.Value{}, err
	}
	if !found {
		return secret.Value{}, p.fail("get", &ref, ensure.ErrNotFound, "no secret "+ref.Item, "")
	}
	if ref.Field == "" {
		return secret.New(s), nil
	}
	obj, err := decodeObject(s)
	if err != nil {
		return secret.Value{}, p.fail("get", &ref, ensure.ErrConflict, "secret "+ref.Item+" is not a JSON object of strings", "use a Ref with an empty Field for a plain secret")
	}
	v, ok := obj[ref.Field]
	if !ok {
		return secret.Value{}, p.fail("get", &ref, ensure.ErrNotFound, "secret "+ref.Item+" has no key "+ref.Field, "")
	}
	return secret.New(v), nil
}

func decodeObject(s string) (map[string]string, error) {
	obj := map[string]string{}
	if err := json.Unmarshal([]byte(s), &obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// Put stores v; a write happens only when the value differs. A create whose
// answer was lost is found by the retry (same ClientRequestToken) or by the
// next read, never repeated blindly.
func (p *Provider) Put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, error) {
	if err := p.validate("put"); err != nil {
		return "", err
	}
	if err := p.validateRef("put", ref); err != nil {
		return "", err
	}
	for attempt := 0; ; attempt++ {
		op, retry, err := p.put(ctx, ref, v)
		if !retry || attempt >= 2 {
			if err == nil {
				p.log.DebugContext(ctx, "put secret", "store", Adapter, "ref", ref.String(), "op", op)
			}
			return op, err
		}
	}
}

// put makes one read-compare-write pass; retry is true when someone else
// created the secret between our read and our create.
func (p *Provider) put(ctx context.Context, ref secrets.Ref, v secret.Value) (ensure.Op, bool, error) {
	cur, found, err := p.current(ctx, "put", ref)
	if err != nil {
		return "", false, err
	}
	want := v.Reveal()
	if ref.Field != "" {
		obj := map[string]string{}
		if found {
			if obj, err = decodeObject(cur); err != nil {
				return "", false, p.fail("put", &ref, ensure.ErrConflict, "secret "+ref.Item+" is not a JSON object of strings", "use a Ref with an empty Field, or another secret id")
			}
		}
		if old, ok := obj[ref.Field]; ok && old == want {
			return ensure.Unchanged, false, nil
		}
		obj[ref.Field] = want
		b, _ := json.Marshal(obj)
		want = string(b)
	} else if found && cur == want {
		return ensure.Unchanged, false, nil
	}
	if !found {
		_, err := p.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String(ref.Item), SecretString: aws.String(want),
			Description: aws.String("Kamal secrets, managed by assemble"),
		})
		if err != nil {
			var exists *types.ResourceExistsException
			if errors.As(err, &exists) {
				return "", true, p.apiError("put", &ref, err, v)
			}
			return "", false, p.apiError("put", &ref, err, v)
		}
		return ensure.Created, false, nil
	}
	if _, err := p.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(ref.Item), SecretString: aws.String(want),
	}); err != nil {
		return "", false, p.apiError("put", &ref, err, v)
	}
	return ensure.Updated, false, nil
}
