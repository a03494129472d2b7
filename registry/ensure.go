package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// Kind is the resource kind registry changes carry in a plan.
const Kind = "registry login"

// Ensure proves that spec's login may push to its image repository and
// returns what Kamal's configuration gets. It checks the spec offline first,
// then runs the registry's version check and, when the registry uses Bearer
// tokens, the token exchange for push. A token that lists what it grants
// (a JWT with an "access" claim, as Docker Hub, GitLab, Harbor, quay.io and
// Distribution's token auth issue) decides: two reads, nothing written.
// Otherwise — an opaque token (ghcr.io), Basic auth, or WithUploadCheck —
// Ensure starts a blob upload to the repository, which only push permission
// allows, and cancels it at once: one POST and one DELETE besides the reads.
// Nothing is created either way: the Op is always ensure.Unchanged. Kamal's
// local registry (Local) is checked offline only.
//
// With WithProof, a fresh Proof from Prove for the same spec stands in for
// the network check.
//
// Transient failures (5xx, 429, dropped connections) are retried with
// backoff (WithRetry), refusals are not.
func Ensure(ctx context.Context, spec Spec, opts ...Option) (*Login, ensure.Op, error) {
	o := newOptions(opts)
	t, err := spec.resolve()
	if err != nil {
		return nil, ensure.Unchanged, fmt.Errorf("ensure %s %q: %w", Kind, describe(spec), err)
	}
	if !t.local && o.proof.proves(spec, t, o.now()) && !o.uploadCheck {
		o.logger.Debug("registry login proven to push by the preflight", "server", t.server, "repository", t.image, "user", spec.Username)
		return newLogin(spec, t, o), ensure.Unchanged, nil
	}
	if !t.local {
		c, err := newChecker(spec, t, o)
		if err == nil {
			err = retry(ctx, o, c, "push permission", c.push)
		}
		if err != nil {
			return nil, ensure.Unchanged, fmt.Errorf("ensure %s %q: %w", Kind, t.repository(), err)
		}
		o.logger.Debug("registry login may push", "server", t.server, "repository", t.image, "user", spec.Username)
	}
	return newLogin(spec, t, o), ensure.Unchanged, nil
}

// Plan checks the spec offline and the credentials with reads only (the
// token exchange, or an authenticated version check). When the registry's
// token lists what it grants, Plan knows push permission as surely as
// Ensure does and fails the same way; otherwise Ensure proves it with an
// upload. It returns one unchanged "registry login" change.
func Plan(ctx context.Context, spec Spec, opts ...Option) (ensure.Changes, error) {
	o := newOptions(opts)
	t, err := spec.resolve()
	if err != nil {
		return nil, fmt.Errorf("plan %s %q: %w", Kind, describe(spec), err)
	}
	ch := ensure.Change{Kind: Kind, Name: t.repository(), Op: ensure.Unchanged}
	if t.local {
		ch.Detail = "Kamal's local registry: no credentials to check"
		return ensure.Changes{ch}, nil
	}
	pushKnown, err := checkLogin(ctx, spec, t, o)
	if err != nil {
		return nil, fmt.Errorf("plan %s %q: %w", Kind, t.repository(), err)
	}
	ch.Detail = fmt.Sprintf("credentials of %q accepted; Ensure proves push permission", spec.Username)
	if pushKnown {
		ch.Detail = fmt.Sprintf("%q may push: the registry's token grants it", spec.Username)
	}
	return ensure.Changes{ch}, nil
}

// checkLogin runs the reads-only credential check, retried as WithRetry
// says; pushKnown reports that the token also proved push permission.
func checkLogin(ctx context.Context, spec Spec, t target, o options) (pushKnown bool, err error) {
	c, err := newChecker(spec, t, o)
	if err != nil {
		return false, err
	}
	err = retry(ctx, o, c, "credentials", func(ctx context.Context) (err error) {
		pushKnown, err = c.login(ctx)
		return err
	})
	return pushKnown, err
}

func describe(s Spec) string {
	if s.Server == "" {
		return s.Image
	}
	return s.Server + "/" + s.Image
}

// retry runs f, each attempt bounded by the attempt timeout, until it
// succeeds, fails for good, or the attempts run out.
func retry(ctx context.Context, o options, c *checker, what string, f func(context.Context) error) error {
	wait := o.backoff
	var err error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, o.timeout)
		err = f(actx)
		cancel()
		var ce *CheckError
		if err == nil || !errors.As(err, &ce) || !ce.Temporary() || attempt >= o.attempts {
			if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				// The attempt's own timeout, not the caller's.
				err = fmt.Errorf("check %s: no answer within %s: %w", what, o.timeout, errors.Join(ensure.ErrTimeout, ensure.ErrUnavailable))
			}
			return err
		}
		ensure.Report(ctx, "registry %s: %s (attempt %d of %d), retrying in %s", c.t.server, ce.Reason, attempt, o.attempts, wait)
		c.log.Debug("retrying registry check", "attempt", attempt, "wait", wait, "status", ce.Status)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("check %s: %w (last: %w)", what, ctx.Err(), err)
		case <-t.C:
		}
		wait *= 2
		if wait > 10*time.Second {
			wait = 10 * time.Second
		}
	}
}
