package s3test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

const (
	algorithm         = "AWS4-HMAC-SHA256"
	amzDateFormat     = "20060102T150405Z"
	unsignedPayload   = "UNSIGNED-PAYLOAD"
	streamingPayload  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	unsignedTrailer   = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	emptySHA256       = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	maxClockSkew      = 15 * time.Minute
	maxPresignExpires = 7 * 24 * 60 * 60
)

// auth is who sent a request and what the signature chain needs to check
// streaming chunks.
type auth struct {
	anonymous bool
	accessKey string
	account   string
	secret    string
	region    string
	date      time.Time
	amzDate   string
	scope     string
	signature string
	presigned bool
}

// sign returns hex(HMAC(signing key, stringToSign)). The signing-key
// derivation and the HMAC are minio-go's: PostPresignSignatureV4 computes
// exactly that for any string to sign.
func sign(stringToSign string, date time.Time, secret, region string) string {
	return signer.PostPresignSignatureV4(stringToSign, date, secret, region)
}

// authenticate checks the request's SigV4 signature, header or query form.
// A request with neither is anonymous.
func (s *Server) authenticate(r *http.Request) (*auth, *apiError) {
	q := r.URL.Query()
	h := r.Header.Get("Authorization")
	switch {
	case h != "":
		return s.authHeader(r, h)
	case q.Get("X-Amz-Algorithm") != "" || q.Get("X-Amz-Signature") != "":
		return s.authQuery(r, q)
	}
	return &auth{anonymous: true}, nil
}

type credential struct {
	accessKey, date, region, service, terminator string
}

func parseCredential(v string) (credential, *apiError) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 {
		return credential{}, errf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	c := credential{parts[0], parts[1], parts[2], parts[3], parts[4]}
	if c.service != "s3" || c.terminator != "aws4_request" {
		return credential{}, errf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; incorrect service %q or terminator %q.", c.service, c.terminator)
	}
	return c, nil
}

func (s *Server) authHeader(r *http.Request, h string) (*auth, *apiError) {
	if !strings.HasPrefix(h, algorithm+" ") {
		if strings.HasPrefix(h, "AWS ") {
			return nil, errf(http.StatusBadRequest, "InvalidRequest", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
		}
		return nil, errf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed.")
	}
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(h, algorithm+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if ok {
			fields[k] = v
		}
	}
	if fields["Credential"] == "" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return nil, errf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; it must hold Credential, SignedHeaders and Signature.")
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return nil, errf(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		return nil, errf(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
	}
	a, err := s.check(r, fields["Credential"], amzDate, fields["SignedHeaders"], fields["Signature"], payload, r.URL.Query())
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (s *Server) authQuery(r *http.Request, q url.Values) (*auth, *apiError) {
	if q.Get("X-Amz-Algorithm") != algorithm {
		return nil, errf(http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(k) == "" {
			return nil, errf(http.StatusBadRequest, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires < 0 {
		return nil, errf(http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Amz-Expires should be a number")
	}
	if expires > maxPresignExpires {
		return nil, errf(http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	signed := url.Values{}
	for k, v := range q {
		if k != "X-Amz-Signature" {
			signed[k] = v
		}
	}
	a, aerr := s.check(r, q.Get("X-Amz-Credential"), q.Get("X-Amz-Date"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"), unsignedPayload, signed)
	if aerr != nil {
		return nil, aerr
	}
	if s.now().After(a.date.Add(time.Duration(expires) * time.Second)) {
		return nil, errf(http.StatusForbidden, "AccessDenied", "Request has expired")
	}
	a.presigned = true
	return a, nil
}

// check recomputes the signature with the stored secret and compares.
func (s *Server) check(r *http.Request, credStr, amzDate, signedHeaders, signature, payload string, query url.Values) (*auth, *apiError) {
	c, aerr := parseCredential(credStr)
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	cr, ok := s.w.Creds[c.accessKey]
	s.mu.Unlock()
	if !ok {
		return nil, errInvalidAccessKeyID
	}
	t, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return nil, errf(http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
	}
	if t.Format("20060102") != c.date {
		return nil, errf(http.StatusForbidden, "SignatureDoesNotMatch", "The credential date %s does not match the request date %s.", c.date, amzDate)
	}
	if s.region != "" && c.region != s.region {
		return nil, errf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region '%s' is wrong; expecting '%s'", c.region, s.region)
	}
	if d := s.now().Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return nil, errf(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	names := strings.Split(signedHeaders, ";")
	if !sort.StringsAreSorted(names) || !contains(names, "host") {
		return nil, errf(http.StatusBadRequest, "AuthorizationHeaderMalformed", "SignedHeaders must be sorted and include host.")
	}
	canonical := strings.Join([]string{
		r.Method,
		s3utils.EncodePath(r.URL.Path),
		strings.ReplaceAll(query.Encode(), "+", "%20"),
		canonicalHeaders(r, names),
		signedHeaders,
		payload,
	}, "\n")
	scope := strings.Join([]string{c.date, c.region, "s3", "aws4_request"}, "/")
	sum := sha256.Sum256([]byte(canonical))
	stringToSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	want := sign(stringToSign, t, cr.Secret, c.region)
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(signature))) {
		return nil, errSignatureDoesNotMatch
	}
	return &auth{accessKey: c.accessKey, account: cr.Account, secret: cr.Secret, region: c.region,
		date: t, amzDate: amzDate, scope: scope, signature: want}, nil
}

func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(':')
		switch n {
		case "host":
			b.WriteString(r.Host)
		case "content-length":
			if v := r.Header.Get("Content-Length"); v != "" {
				b.WriteString(v)
			} else {
				b.WriteString(strconv.FormatInt(r.ContentLength, 10))
			}
		case "transfer-encoding":
			b.WriteString(strings.Join(r.TransferEncoding, ","))
		default:
			vals := r.Header.Values(n)
			for i, v := range vals {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strings.Join(strings.Fields(v), " "))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
