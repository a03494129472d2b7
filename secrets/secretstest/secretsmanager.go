package secretstest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assemblekit/assemble/sim"
)

// SecretsManager is a stateful fake of AWS Secrets Manager speaking its
// JSON 1.1 protocol: POST / with X-Amz-Target "secretsmanager.<Operation>",
// answers with the vendor's shapes, errors as HTTP 400 with
// {"__type":…,"message":…}. It implements CreateSecret, GetSecretValue,
// PutSecretValue, DescribeSecret, BatchGetSecretValue, ListSecrets and
// DeleteSecret, with ClientRequestToken idempotency as AWS documents it.
//
// Its sim.Knobs sees each request with the operation as its path
// ("/CreateSecret"), so faults and counts can name operations:
//
//	sm.Knobs().Inject(sim.Fault{Kind: sim.DropAfterCommit, Path: "/CreateSecret"})
//
// It is safe for concurrent use.
type SecretsManager struct {
	// Region appears in ARNs.
	Region string
	// AccessKey, when set, is the only access key id accepted in the
	// request's SigV4 Authorization header (the signature itself is not
	// checked).
	AccessKey string

	knobs *sim.Knobs
	mu    sync.Mutex
	byArn map[string]*smSecret
	seq   int
}

type smVersion struct {
	ID     string
	Value  string
	Stages []string
	At     time.Time
}

type smSecret struct {
	ARN, Name, Description string
	Tags                   []smTag
	Versions               []*smVersion
	Created                time.Time
}

type smTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// NewSecretsManager returns an empty fake in region "us-east-1".
func NewSecretsManager() *SecretsManager {
	return &SecretsManager{Region: "us-east-1", knobs: sim.NewKnobs(smErrorWriter), byArn: map[string]*smSecret{}}
}

// StartSecretsManager serves a new fake on 127.0.0.1 for the duration of
// t and returns it and its endpoint URL.
func StartSecretsManager(t testing.TB) (*SecretsManager, string) {
	t.Helper()
	sm := NewSecretsManager()
	return sm, serveLoopback(t, sm)
}

func serveLoopback(t testing.TB, h http.Handler) string {
	t.Helper()
	srv, err := Serve(h)
	if err != nil {
		t.Fatalf("secretstest: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

// Serve serves h on 127.0.0.1 (an explicit loopback address, any free
// port) until the returned server is closed. Use it outside tests, in
// examples and harnesses; tests can use StartSecretsManager and StartDoppler.
func Serve(h http.Handler) (*httptest.Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	return srv, nil
}

// Knobs returns the fake's latency, fault and request-log controls.
func (s *SecretsManager) Knobs() *sim.Knobs { return s.knobs }

// mutatingOps are the operations that change state.
var mutatingOps = map[string]bool{"CreateSecret": true, "PutSecretValue": true, "UpdateSecret": true,
	"DeleteSecret": true, "TagResource": true, "UntagResource": true, "RestoreSecret": true}

// Operations returns the operations received, oldest first.
func (s *SecretsManager) Operations() []string {
	var out []string
	for _, r := range s.knobs.Requests() {
		out = append(out, strings.TrimPrefix(r.Path, "/"))
	}
	return out
}

// MutatingOps counts received operations that change state (every request
// is a POST, so Knobs().Mutating() counts reads too).
func (s *SecretsManager) MutatingOps() int {
	n := 0
	for _, op := range s.Operations() {
		if mutatingOps[op] {
			n++
		}
	}
	return n
}

// Set stores value as the current version of the secret name, creating it
// when absent, without going through the API (test setup).
func (s *SecretsManager) Set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(name)
	if sec == nil {
		sec = s.create(name, "")
	}
	s.addVersion(sec, fmt.Sprintf("setup-%d", s.seq), value)
}

// Value returns the current value of the secret name and whether it exists.
func (s *SecretsManager) Value(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(name)
	if sec == nil {
		return "", false
	}
	v := current(sec)
	if v == nil {
		return "", false
	}
	return v.Value, true
}

// Names returns the names of all secrets, sorted.
func (s *SecretsManager) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, sec := range s.byArn {
		out = append(out, sec.Name)
	}
	sort.Strings(out)
	return out
}

// Versions returns how many versions the secret name has.
func (s *SecretsManager) Versions(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec := s.find(name); sec != nil {
		return len(sec.Versions)
	}
	return 0
}

type smError struct {
	typ, msg string
}

func (e *smError) Error() string { return e.typ + ": " + e.msg }

func smErrorWriter(w http.ResponseWriter, _ *http.Request, status int) {
	typ := "InternalServiceError"
	if status == http.StatusTooManyRequests {
		typ = "ThrottlingException"
	}
	writeSMError(w, status, &smError{typ, "injected fault"})
}

func writeSMError(w http.ResponseWriter, status int, e *smError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.typ, "message": e.msg})
}

// ServeHTTP serves the Secrets Manager protocol.
func (s *SecretsManager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "secretsmanager.")
	if !ok || r.Method != http.MethodPost {
		writeSMError(w, http.StatusBadRequest, &smError{"UnknownOperationException", "missing or unknown X-Amz-Target " + target})
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + op
	s.knobs.Wrap(http.HandlerFunc(s.serveOp)).ServeHTTP(w, r2)
}

func (s *SecretsManager) serveOp(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.URL.Path, "/")
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-amz-json-1.1") {
		writeSMError(w, http.StatusBadRequest, &smError{"SerializationException", "unexpected Content-Type " + ct})
		return
	}
	if err := s.auth(r); err != nil {
		writeSMError(w, http.StatusBadRequest, err)
		return
	}
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeSMError(w, http.StatusBadRequest, &smError{"SerializationException", err.Error()})
		return
	}
	s.mu.Lock()
	out, err := s.do(op, in)
	s.mu.Unlock()
	if err != nil {
		writeSMError(w, http.StatusBadRequest, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *SecretsManager) auth(r *http.Request) *smError {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "AWS4-HMAC-SHA256 ") {
		return &smError{"MissingAuthenticationTokenException", "Missing Authentication Token"}
	}
	if s.AccessKey != "" && !strings.Contains(h, "Credential="+s.AccessKey+"/") {
		return &smError{"UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	return nil
}

func str(in map[string]any, k string) string { v, _ := in[k].(string); return v }

func (s *SecretsManager) do(op string, in map[string]any) (any, *smError) {
	switch op {
	case "CreateSecret":
		return s.createSecret(in)
	case "GetSecretValue":
		sec := s.find(str(in, "SecretId"))
		if sec == nil {
			return nil, notFound()
		}
		v := current(sec)
		if v == nil {
			return nil, &smError{"ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT"}
		}
		return valueOut(sec, v), nil
	case "PutSecretValue":
		sec := s.find(str(in, "SecretId"))
		if sec == nil {
			return nil, notFound()
		}
		tok := str(in, "ClientRequestToken")
		if tok == "" {
			tok = s.newToken()
		}
		v, err := s.putVersion(sec, tok, str(in, "SecretString"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": v.ID, "VersionStages": v.Stages}, nil
	case "DescribeSecret":
		sec := s.find(str(in, "SecretId"))
		if sec == nil {
			return nil, notFound()
		}
		stages := map[string][]string{}
		for _, v := range sec.Versions {
			if len(v.Stages) > 0 {
				stages[v.ID] = v.Stages
			}
		}
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "Description": sec.Description, "Tags": sec.Tags,
			"CreatedDate": epoch(sec.Created), "VersionIdsToStages": stages}, nil
	case "BatchGetSecretValue":
		ids, _ := in["SecretIdList"].([]any)
		if len(ids) == 0 {
			return nil, &smError{"InvalidParameterException", "SecretIdList or Filters is required"}
		}
		if len(ids) > 20 {
			return nil, &smError{"InvalidParameterException", "SecretIdList can contain at most 20 ids"}
		}
		values, errs := []any{}, []any{}
		for _, id := range ids {
			name, _ := id.(string)
			sec := s.find(name)
			var v *smVersion
			if sec != nil {
				v = current(sec)
			}
			if v == nil {
				errs = append(errs, map[string]string{"SecretId": name, "ErrorCode": "ResourceNotFoundException",
					"Message": "Secrets Manager can't find the specified secret."})
				continue
			}
			values = append(values, valueOut(sec, v))
		}
		return map[string]any{"SecretValues": values, "Errors": errs}, nil
	case "ListSecrets":
		var list []any
		for _, name := range s.sortedNames() {
			sec := s.find(name)
			list = append(list, map[string]any{"ARN": sec.ARN, "Name": sec.Name, "Tags": sec.Tags, "CreatedDate": epoch(sec.Created)})
		}
		return map[string]any{"SecretList": list}, nil
	case "DeleteSecret":
		sec := s.find(str(in, "SecretId"))
		if sec == nil {
			return nil, notFound()
		}
		delete(s.byArn, sec.ARN)
		return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "DeletionDate": epoch(time.Now())}, nil
	}
	return nil, &smError{"UnknownOperationException", "operation " + op + " is not supported by the fake"}
}

func (s *SecretsManager) createSecret(in map[string]any) (any, *smError) {
	name := str(in, "Name")
	if name == "" {
		return nil, &smError{"InvalidParameterException", "Name is required"}
	}
	tok := str(in, "ClientRequestToken")
	if tok == "" {
		tok = s.newToken()
	}
	val := str(in, "SecretString")
	if sec := s.find(name); sec != nil {
		// A retried create with the same token and value succeeds.
		for _, v := range sec.Versions {
			if v.ID == tok && v.Value == val {
				return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": v.ID}, nil
			}
		}
		return nil, &smError{"ResourceExistsException", fmt.Sprintf("The operation failed because the secret %s already exists.", name)}
	}
	sec := s.create(name, str(in, "Description"))
	if tags, ok := in["Tags"].([]any); ok {
		for _, t := range tags {
			m, _ := t.(map[string]any)
			sec.Tags = append(sec.Tags, smTag{Key: str(m, "Key"), Value: str(m, "Value")})
		}
	}
	out := map[string]any{"ARN": sec.ARN, "Name": sec.Name}
	if _, has := in["SecretString"]; has {
		v := s.addVersion(sec, tok, val)
		out["VersionId"] = v.ID
	}
	return out, nil
}

func (s *SecretsManager) putVersion(sec *smSecret, tok, val string) (*smVersion, *smError) {
	for _, v := range sec.Versions {
		if v.ID == tok {
			if v.Value == val {
				return v, nil
			}
			return nil, &smError{"ResourceExistsException", "You can't modify an existing version, you can only create a new version."}
		}
	}
	return s.addVersion(sec, tok, val), nil
}

func (s *SecretsManager) create(name, desc string) *smSecret {
	s.seq++
	arn := fmt.Sprintf("arn:aws:secretsmanager:%s:123456789012:secret:%s-%06d", s.Region, name, s.seq)
	sec := &smSecret{ARN: arn, Name: name, Description: desc, Created: time.Now()}
	s.byArn[arn] = sec
	return sec
}

func (s *SecretsManager) addVersion(sec *smSecret, id, val string) *smVersion {
	for _, v := range sec.Versions {
		for i, st := range v.Stages {
			if st == "AWSCURRENT" {
				v.Stages = append(v.Stages[:i:i], "AWSPREVIOUS")
				break
			}
		}
	}
	v := &smVersion{ID: id, Value: val, Stages: []string{"AWSCURRENT"}, At: time.Now()}
	sec.Versions = append(sec.Versions, v)
	return v
}

func (s *SecretsManager) newToken() string {
	s.seq++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
}

func (s *SecretsManager) find(id string) *smSecret {
	if sec, ok := s.byArn[id]; ok {
		return sec
	}
	for _, sec := range s.byArn {
		if sec.Name == id {
			return sec
		}
	}
	return nil
}

func (s *SecretsManager) sortedNames() []string {
	var out []string
	for _, sec := range s.byArn {
		out = append(out, sec.Name)
	}
	sort.Strings(out)
	return out
}

func current(sec *smSecret) *smVersion {
	for _, v := range sec.Versions {
		for _, st := range v.Stages {
			if st == "AWSCURRENT" {
				return v
			}
		}
	}
	return nil
}

func valueOut(sec *smSecret, v *smVersion) map[string]any {
	return map[string]any{"ARN": sec.ARN, "Name": sec.Name, "VersionId": v.ID, "SecretString": v.Value,
		"VersionStages": v.Stages, "CreatedDate": epoch(v.At)}
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func notFound() *smError {
	return &smError{"ResourceNotFoundException", "Secrets Manager can't find the specified secret."}
}
