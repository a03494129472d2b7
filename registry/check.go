package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// stage names which step of the check failed; it decides what a 401 means.
type stage string

const (
	stagePing  stage = "version check"
	stageToken stage = "token exchange"
	stageLogin stage = "login"
	stagePush  stage = "push check"
)

// checker runs the registry protocol for one target.
type checker struct {
	o    options
	spec Spec
	t    target
	reg  name.Registry
	repo name.Repository
	auth authn.Authenticator
	log  *slog.Logger

	bearer bool // the registry asked for Bearer tokens
}

func newChecker(spec Spec, t target, o options) (*checker, error) {
	var nopts []name.Option
	if spec.Insecure {
		nopts = append(nopts, name.Insecure)
	}
	reg, err := name.NewRegistry(t.server, nopts...)
	if err != nil {
		return nil, ensure.Invalid("registry.server", t.server, err.Error(), "use the registry's host[:port]")
	}
	return &checker{
		o: o, spec: spec, t: t, reg: reg, repo: reg.Repo(t.image),
		auth: authn.FromConfig(authn.AuthConfig{Username: spec.Username, Password: spec.Password.Reveal()}),
		log:  o.logger.With("server", t.server, "repository", t.image),
	}, nil
}

// session is an authenticated connection to the registry.
type session struct {
	client *http.Client
	base   string // "https://host" or "http://host"
	bearer bool
	token  string // the Bearer token; never logged
}

// connect pings the registry and, when it asks for Bearer tokens, exchanges
// the credentials for a token with the given actions on the repository.
func (c *checker) connect(ctx context.Context, actions string) (*session, error) {
	pr, err := transport.Ping(ctx, c.reg, c.o.rt)
	if err != nil {
		return nil, c.classify(ctx, stagePing, err)
	}
	scheme := "https"
	if pr.Insecure {
		scheme = "http"
	}
	bearer := strings.EqualFold(pr.Scheme, "bearer")
	c.bearer = bearer
	c.log.Debug("registry answered the version check", "scheme", scheme, "auth", strings.ToLower(pr.Scheme))
	tok := &transport.Token{}
	if bearer {
		tok, err = transport.Exchange(ctx, c.reg, c.auth, c.o.rt, []string{c.repo.Scope(actions)}, pr)
		if err != nil {
			return nil, c.classify(ctx, stageToken, err)
		}
		if tok.Token == "" {
			tok.Token = tok.AccessToken
		}
		c.log.Debug("registry issued a token", "scope", c.repo.Scope(actions))
	}
	rt, err := transport.FromToken(c.reg, c.auth, c.o.rt, pr, tok)
	if err != nil {
		return nil, c.classify(ctx, stageToken, err)
	}
	return &session{
		client: &http.Client{Transport: rt, CheckRedirect: sameHostRedirects},
		base:   scheme + "://" + c.reg.RegistryStr(),
		bearer: bearer,
		token:  tok.Token,
	}, nil
}

// sameHostRedirects refuses redirects to other hosts: credentials stay with
// the registry.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return http.ErrUseLastResponse
	}
	return nil
}

// login proves the credentials with reads only: the token exchange for
// Bearer registries, an authenticated version check for the others. The
// token is asked for push too, so when it carries its claims, login also
// learns whether push is granted: pushKnown says so, and err is the refusal
// when it is not.
func (c *checker) login(ctx context.Context) (pushKnown bool, err error) {
	s, err := c.connect(ctx, transport.PushScope)
	if err != nil {
		return false, err
	}
	if s.bearer {
		known, err := c.fromClaims(s)
		return known, err
	}
	resp, err := c.do(ctx, s, http.MethodGet, s.base+"/v2/")
	if err != nil {
		return false, c.classify(ctx, stageLogin, err)
	}
	defer drain(resp)
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return false, c.classify(ctx, stageLogin, err)
	}
	return false, nil
}

// fromClaims decides push permission from the session's token when the
// token says what it grants (see tokenActions): known reports whether it
// could, and err is a *CheckError of kind ensure.ErrForbidden when push is
// not granted. With WithUploadCheck it never decides.
func (c *checker) fromClaims(s *session) (known bool, err error) {
	if c.o.uploadCheck {
		return false, nil
	}
	actions, ok := tokenActions(s.token, c.repo.RepositoryStr())
	if !ok {
		return false, nil
	}
	if grants(actions, "push") {
		c.log.Debug("the registry's token grants push", "actions", strings.Join(actions, ","))
		return true, nil
	}
	ce := &CheckError{Server: c.t.server, Repository: c.t.image, Username: c.spec.Username}
	granted := "nothing"
	if len(actions) > 0 {
		granted = strings.Join(actions, ", ")
	}
	ce.Message = fmt.Sprintf("the token the registry issued grants %s on %s, not push", granted, c.t.image)
	c.forbidden(ce)
	c.log.Debug("registry check failed", "stage", string(stageToken), "kind", ce.Kind.Error(), "granted", granted)
	return true, ce
}

// push proves push permission. A Bearer token that lists what it grants
// decides it with no further request; otherwise push starts a blob upload
// to the repository, which only a user allowed to push may do, and cancels
// it.
func (c *checker) push(ctx context.Context) error {
	s, err := c.connect(ctx, transport.PushScope)
	if err != nil {
		return err
	}
	if s.bearer {
		if known, err := c.fromClaims(s); known {
			return err
		}
	}
	u := s.base + "/v2/" + c.repo.RepositoryStr() + "/blobs/uploads/"
	resp, err := c.do(ctx, s, http.MethodPost, u)
	if err != nil {
		return c.classify(ctx, stagePush, err)
	}
	defer drain(resp)
	if err := transport.CheckError(resp, http.StatusAccepted, http.StatusCreated); err != nil {
		cerr := c.classify(ctx, stagePush, err)
		var ce *CheckError
		if errors.As(cerr, &ce) && ce.Status == http.StatusUnauthorized && !s.bearer {
			// Basic auth sends the credentials with every request, so a 401
			// here is bad credentials — unless they work for a read, in which
			// case the registry is refusing the push itself.
			if _, lerr := c.login(ctx); lerr != nil {
				return lerr
			}
			c.forbidden(ce)
		}
		return cerr
	}
	c.log.Debug("registry accepted an upload; cancelling it", "status", resp.StatusCode)
	if loc := resp.Header.Get("Location"); loc != "" {
		c.cancel(ctx, s, resp.Request.URL, loc)
	}
	return nil
}

// cancel deletes the upload session the push check started, even when ctx
// is already done: it should not linger on the registry.
func (c *checker) cancel(ctx context.Context, s *session, base *url.URL, loc string) {
	ref, err := url.Parse(loc)
	if err != nil {
		return
	}
	cctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer done()
	// A DELETE is safe to repeat (a session already gone answers 404), so a
	// 429, a 5xx or a lost answer is tried again rather than leaving the
	// session open.
	wait := max(c.o.backoff, 10*time.Millisecond)
	for attempt := 1; ; attempt++ {
		resp, err := c.do(cctx, s, http.MethodDelete, base.ResolveReference(ref).String())
		if err == nil {
			status, retryAfter := resp.StatusCode, resp.Header.Get("Retry-After")
			drain(resp)
			if status != http.StatusTooManyRequests && status < 500 {
				c.log.Debug("cancelled the upload", "status", status)
				return
			}
			if secs, perr := strconv.Atoi(retryAfter); perr == nil && secs > 0 {
				wait = min(time.Duration(secs)*time.Second, 2*time.Second)
			}
			err = fmt.Errorf("status %d", status)
		}
		if attempt >= 3 || cctx.Err() != nil {
			c.log.Debug("could not cancel the upload", "error", secret.Scrub(err.Error(), c.spec.Password))
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-cctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait *= 2
	}
}

func (c *checker) do(ctx context.Context, s *session, method, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Length", "0")
	}
	return s.client.Do(req)
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// classify turns a failure into a *CheckError, or the context's error when
// the caller gave up.
func (c *checker) classify(ctx context.Context, st stage, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return fmt.Errorf("%s: %w", st, errors.Join(ensure.ErrTimeout, ctxErr))
		}
		return fmt.Errorf("%s: %w", st, ctxErr)
	}
	ce := &CheckError{Server: c.t.server, Repository: c.t.image, Username: c.spec.Username}
	var terr *transport.Error
	if errors.As(err, &terr) {
		c.fromStatus(ce, st, terr)
	} else {
		c.fromNetwork(ce, st, err)
	}
	ce.Message = secret.Scrub(ce.Message, c.spec.Password)
	c.log.Debug("registry check failed", "stage", string(st), "status", ce.Status, "code", ce.Code, "kind", ce.Kind.Error())
	return ce
}

func (c *checker) fromStatus(ce *CheckError, st stage, terr *transport.Error) {
	ce.Status = terr.StatusCode
	var msgs []string
	for _, d := range terr.Errors {
		if ce.Code == "" {
			ce.Code = string(d.Code)
		}
		if d.Message != "" {
			msgs = append(msgs, d.Message)
		}
	}
	ce.Message = strings.Join(msgs, "; ")
	if ce.Message == "" && len(terr.Errors) == 0 {
		ce.Message = tokenDetails(terr)
	}
	host := hostOf(c.t.server)
	code := transport.ErrorCode(ce.Code)
	switch {
	case ce.Status == http.StatusUnauthorized && st == stagePush && c.bearer:
		// Bearer tokens were granted for these credentials; the registry
		// still wants more: the user lacks push (insufficient_scope).
		c.forbidden(ce)
	case ce.Status == http.StatusUnauthorized:
		ce.Kind = ensure.ErrUnauthorized
		ce.Reason = fmt.Sprintf("registry %s refused the credentials of %q", c.t.server, c.spec.Username)
		ce.Fix = unauthorizedFix(host, c.spec.Username)
	case ce.Status == http.StatusForbidden || code == transport.DeniedErrorCode:
		c.forbidden(ce)
	case ce.Status == http.StatusMethodNotAllowed || code == transport.UnsupportedErrorCode:
		ce.Kind = ensure.ErrForbidden
		ce.Reason = fmt.Sprintf("registry %s refuses pushes", c.t.server)
		ce.Fix = "the registry is read-only (maintenance mode or a pull-through mirror); push to a writable registry"
	case code == transport.NameInvalidErrorCode:
		ce.Kind = ensure.ErrInvalidSpec
		ce.Reason = fmt.Sprintf("registry %s rejects the repository name %q", c.t.server, c.t.image)
		ce.Fix = "rename the image to a name this registry accepts"
	case code == transport.NameUnknownErrorCode || ce.Status == http.StatusNotFound:
		ce.Kind = ensure.ErrNotFound
		ce.Reason = fmt.Sprintf("registry %s has no repository %q", c.t.server, c.t.image)
		ce.Fix = "create the repository (or enable the project's container registry) first"
	case ce.Status == http.StatusTooManyRequests || code == transport.TooManyRequestsErrorCode:
		ce.Kind, ce.retryable = ensure.ErrRateLimited, true
		ce.Reason = fmt.Sprintf("registry %s is rate limiting", c.t.server)
		ce.Fix = "wait and run again"
	case ce.Status >= 500 || code == transport.UnavailableErrorCode:
		ce.Kind, ce.retryable = ensure.ErrUnavailable, true
		ce.Reason = fmt.Sprintf("registry %s failed the %s", c.t.server, st)
		ce.Fix = "the registry is having trouble; run again later"
	default:
		ce.Kind = ensure.ErrUnavailable
		ce.Reason = fmt.Sprintf("registry %s answered the %s unexpectedly", c.t.server, st)
		ce.Fix = "check that " + c.t.server + " is a container registry"
	}
}

func (c *checker) forbidden(ce *CheckError) {
	ce.Kind, ce.retryable = ensure.ErrForbidden, false
	ce.Reason = fmt.Sprintf("%q may not push to %s", c.spec.Username, c.t.repository())
	ce.Fix = forbiddenFix(hostOf(c.t.server), c.spec.Username, c.t.repository())
}

// tokenDetails digs the message out of a token server's non-standard error
// body ({"details": …} on Docker Hub).
func tokenDetails(terr *transport.Error) string {
	s := terr.Error()
	if i := strings.Index(s, `"details":`); i >= 0 {
		s = strings.Trim(strings.TrimSpace(s[i+len(`"details":`):]), `"}`+"\n ")
		if len(s) > 200 {
			s = s[:200]
		}
		return s
	}
	return ""
}

func (c *checker) fromNetwork(ce *CheckError, st stage, err error) {
	ce.Kind = ensure.ErrUnavailable
	ce.Message = err.Error()
	if len(ce.Message) > 400 {
		ce.Message = ce.Message[:400] + "…"
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr):
		ce.cause = dnsErr
		ce.retryable = dnsErr.IsTemporary || dnsErr.IsTimeout
		ce.Reason = fmt.Sprintf("registry host %s does not resolve", hostOf(c.t.server))
		ce.Fix = "check registry.server"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		ce.Reason = fmt.Sprintf("registry %s has a TLS certificate this machine does not trust", c.t.server)
		ce.Fix = "give the registry a certificate from a public CA (Kamal's servers must trust it too)"
	case errors.As(err, &recErr) || strings.Contains(ce.Message, "server gave HTTP response to HTTPS client"):
		ce.Reason = fmt.Sprintf("registry %s speaks plain HTTP", c.t.server)
		ce.Fix = "serve it over TLS (plain HTTP is allowed only on loopback, with Insecure)"
	case strings.Contains(ce.Message, "www-authenticate") || strings.Contains(ce.Message, "realm"):
		ce.Reason = fmt.Sprintf("registry %s sent a token challenge this client refuses", c.t.server)
		ce.Fix = "the token endpoint (realm) must be HTTPS on a public host, or on the registry's own host"
	case errors.Is(err, syscall.ECONNREFUSED):
		if errors.As(err, &opErr) {
			ce.cause = opErr
		}
		ce.Reason = fmt.Sprintf("registry %s is unreachable: nothing listens there", c.t.server)
		ce.Fix = "check registry.server and that the registry is running"
	default:
		if errors.As(err, &opErr) {
			ce.cause = opErr
		}
		ce.retryable = true
		ce.Reason = fmt.Sprintf("registry %s is unreachable during the %s", c.t.server, st)
		ce.Fix = "check registry.server and the network; run again"
	}
}
