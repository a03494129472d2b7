package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/assemblekit/assemble/dns"
	"github.com/assemblekit/assemble/ensure"
)

// check is what prepare knows without asking Cloudflare.
func (p *Provider) check(spec dns.RecordSpec, full bool) error {
	var err error
	if full {
		err = spec.Validate()
	} else {
		err = spec.ValidateIdentity()
	}
	if err == nil && full && spec.TTL != 0 && spec.TTL != 1 && spec.TTL < 60 {
		err = ensure.Invalid("dns.ttl", strconv.Itoa(spec.TTL), "Cloudflare accepts 60 to 86400 seconds, or 1 for automatic", "use 0 (automatic) or at least 60")
	}
	if err == nil && len(OwnerComment(spec.Owner)) > 100 {
		err = ensure.Invalid("dns.owner", spec.Owner, "the ownership comment would exceed Cloudflare's 100 characters", "use a shorter recipe name")
	}
	return err
}

// prepare validates and normalizes the spec and checks token and zone: all
// before any mutating call. A zone Validate found for the same name moments
// ago is taken instead of being looked up again, by Ensure only (usePrimed):
// no preflight comes before Plan or Destroy, so what they would find is
// only a leftover of a preflight that failed elsewhere.
func (p *Provider) prepare(ctx context.Context, spec dns.RecordSpec, full, usePrimed bool) (dns.RecordSpec, zoneInfo, error) {
	spec = spec.Normalized()
	if err := p.check(spec, full); err != nil {
		return spec, zoneInfo{}, err
	}
	if usePrimed {
		if z, ok := p.primed.Take(primeKey{spec.Name, spec.Type}); ok {
			p.debug(ctx, "cloudflare zone primed by validate", "zone", z.Name, "id", z.ID)
			return spec, z, nil
		}
	}
	z, err := p.zoneOf(ctx, spec.Name)
	return spec, z, err
}

// zoneOf checks the token and finds name's zone in one round: the token
// check and the zone look-up go out together, and a refused token is
// reported as such even though the look-up fails too.
func (p *Provider) zoneOf(ctx context.Context, name string) (zoneInfo, error) {
	var (
		z       zoneInfo
		zoneErr error
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		z, zoneErr = p.findZone(ctx, name)
	}()
	tokenErr := p.checkToken(ctx)
	wg.Wait()
	if tokenErr != nil {
		return zoneInfo{}, tokenErr
	}
	return z, zoneErr
}

// look lists the records at the spec's name and sorts them out.
func (p *Provider) look(ctx context.Context, z zoneInfo, w want) (world, error) {
	all, err := p.listAt(ctx, z, w.Name)
	if err != nil {
		return world{}, err
	}
	return classify(all, w), nil
}

// Ensure makes the spec's record exist, marked as spec.Owner's, and — unless
// WithoutVerify — waits until every authoritative nameserver serves it.
func (p *Provider) Ensure(ctx context.Context, spec dns.RecordSpec) (*dns.Record, ensure.Op, error) {
	what := fmt.Sprintf("ensure dns record %q", spec.Name)
	spec, z, err := p.prepare(ctx, spec, true, true)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	w := wantOf(spec)
	wd, err := p.look(ctx, z, w)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	st, err := decide(w, wd, spec.Owner, spec.Adopt)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}

	var got rec
	op := ensure.Unchanged
	switch {
	case st.create:
		got, err = p.create(ctx, z, w)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", what, err)
		}
		op = ensure.Created
		p.debug(ctx, "cloudflare dns record created", "name", w.Name, "type", w.Type, "id", got.ID)
		// Another run may have created the same record at the same time.
		got, _, err = p.dedupe(ctx, z, w, got)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", what, err)
		}
	default:
		got = *st.target
		for _, x := range st.extras {
			if err := p.remove(ctx, z, x); err != nil {
				return nil, "", fmt.Errorf("%s: remove duplicate: %w", what, err)
			}
			p.debug(ctx, "cloudflare duplicate dns record deleted", "name", w.Name, "id", x.ID, "kept", got.ID)
			op = ensure.Updated
		}
		if !st.foreign && st.d.any() {
			got, err = p.patch(ctx, z, got.ID, w, st.d)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", what, err)
			}
			op = ensure.Updated
			p.debug(ctx, "cloudflare dns record updated", "name", w.Name, "id", got.ID)
		}
	}

	out := &dns.Record{
		ID: got.ID, Zone: z.Name, Name: got.Name, Type: got.Type, Content: got.Content,
		TTL: got.TTL, Proxied: got.Proxied, Nameservers: append([]string(nil), z.NameServers...),
	}
	if p.opts.verify && !out.Proxied {
		vopts := p.opts.verifyOpts
		if op != ensure.Unchanged {
			vopts = append(slices.Clip(vopts), dns.AfterChange())
		}
		if err := dns.Verify(ctx, out, vopts...); err != nil {
			return out, op, fmt.Errorf("%s: %w", what, err)
		}
	}
	return out, op, nil
}

// create makes the record, never sending a create twice without looking in
// between: a create that failed without an answer, or with 5xx, 429,
// 81057 or 81058, may have committed (or been made by a concurrent run).
func (p *Provider) create(ctx context.Context, z zoneInfo, w want) (rec, error) {
	var lastErr error
	for attempt := 1; attempt <= p.opts.createAttempts; attempt++ {
		if attempt > 1 {
			wd, err := p.look(ctx, z, w)
			if err != nil {
				return rec{}, errors.Join(lastErr, err)
			}
			if len(wd.ours) > 0 {
				k, _ := keeper(wd.ours, w.Content)
				p.debug(ctx, "cloudflare dns record found after a failed create", "id", k.ID)
				return k, nil
			}
			var ae *APIError
			if errors.As(lastErr, &ae) && ae.Has(CodeIdenticalRecord, CodeRecordExists) {
				// Identical, but not ours: someone else's record appeared.
				return rec{}, lastErr
			}
		}
		got, err := p.createOnce(ctx, z, w)
		if err == nil {
			return got, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			return rec{}, err
		}
		var ae *APIError
		lookAgain := isTransient(err) || (errors.As(err, &ae) && ae.Has(CodeIdenticalRecord, CodeRecordExists))
		if !lookAgain {
			return rec{}, err
		}
		p.debug(ctx, "cloudflare create failed; looking again", "attempt", attempt, "error", err.Error())
		if err := p.pause(ctx, err, attempt); err != nil {
			return rec{}, errors.Join(lastErr, err)
		}
	}
	return rec{}, lastErr
}

// pause waits before the next look: Retry-After on 429, a short backoff
// otherwise.
func (p *Provider) pause(ctx context.Context, cause error, attempt int) error {
	d := time.Duration(attempt) * 200 * time.Millisecond
	var ae *APIError
	if errors.As(cause, &ae) && ae.Has(CodeIdenticalRecord, CodeRecordExists) {
		d = 0
	}
	if errors.As(cause, &ae) && ae.RetryAfter != "" {
		if secs, err := strconv.Atoi(ae.RetryAfter); err == nil && secs >= 0 {
			d = time.Duration(secs) * time.Second
		}
		if d > p.opts.maxRetryWait {
			return fmt.Errorf("cloudflare asks to wait %s, more than %s: %w", d, p.opts.maxRetryWait, ensure.ErrRateLimited)
		}
		ensure.Report(ctx, "cloudflare rate limit: waiting %s", d)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// dedupe looks again after a create and deletes our extra records, keeping
// the one every racing run agrees on. It returns the kept record and how
// many it deleted.
func (p *Provider) dedupe(ctx context.Context, z zoneInfo, w want, mine rec) (rec, int, error) {
	wd, err := p.look(ctx, z, w)
	if err != nil {
		return rec{}, 0, err
	}
	if len(wd.ours) == 0 {
		// Listing lags or someone deleted it: trust what the create said.
		return mine, 0, nil
	}
	k, extras := keeper(wd.ours, w.Content)
	for _, x := range extras {
		if err := p.remove(ctx, z, x); err != nil {
			return rec{}, 0, fmt.Errorf("remove duplicate: %w", err)
		}
		p.debug(ctx, "cloudflare duplicate dns record deleted", "name", w.Name, "id", x.ID, "kept", k.ID)
	}
	if d := diffOf(k, w); d.any() {
		k, err = p.patch(ctx, z, k.ID, w, d)
		if err != nil {
			return rec{}, 0, err
		}
	}
	return k, len(extras), nil
}
