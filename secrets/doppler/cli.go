package doppler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

func (p *Provider) classify(op string, ref *secrets.Ref, err error) error {
	var ee *secrets.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s %s: %w", op, Adapter, err)
	}
	msg := strings.TrimSpace(ee.Stderr)
	low := strings.ToLower(msg)
	e := &secrets.Error{Op: op, Store: Adapter, Message: msg, Code: fmt.Sprintf("exit %d", ee.Code), Ref: refString(ref)}
	switch {
	case strings.Contains(low, "could not find requested secret"):
		e.Err = ensure.ErrNotFound
	case strings.Contains(low, "could not find requested config") || strings.Contains(low, "could not find requested project"):
		e.Err, e.Fix = ensure.ErrPrecondition, "create "+p.project+"/"+p.config+" in Doppler"
	case strings.Contains(low, "unauthorized") || strings.Contains(low, "invalid auth token") || strings.Contains(low, "doppler login") ||
		strings.Contains(low, "you must provide a token"):
		e.Err, e.Fix = ensure.ErrUnauthorized, "run: doppler login"
	default:
		e.Err = ensure.ErrUnavailable
	}
	return e
}

func (p *Provider) cliCheck(ctx context.Context) error {
	if err := p.cli.Available(); err != nil {
		return err
	}
	if _, err := p.cli.Run(ctx, nil, nil, "me", "--json"); err != nil {
		err = p.classify("check", nil, err)
		var se *secrets.Error
		if errors.As(err, &se) && se.Err == ensure.ErrUnavailable {
			se.Err, se.Fix = ensure.ErrUnauthorized, "run: doppler login"
		}
		return err
	}
	return nil
}

// cliRead runs Kamal's `doppler secrets get NAME --json -p P -c C`.
func (p *Provider) cliRead(ctx context.Context, op string, ref secrets.Ref) (raw, computed string, found bool, err error) {
	out, err := p.cli.Run(ctx, nil, nil, "secrets", "get", ref.Name, "--json", "-p", ref.Project, "-c", ref.Config)
	if err != nil {
		err = p.classify(op, &ref, err)
		if errors.Is(err, ensure.ErrNotFound) {
			return "", "", false, nil
		}
		return "", "", false, err
	}
	var m map[string]apiSecret
	if err := json.Unmarshal(out, &m); err != nil {
		return "", "", false, &secrets.Error{Op: op, Store: Adapter, Ref: ref.String(), Err: ensure.ErrUnavailable, Message: "doppler printed no JSON"}
	}
	s, ok := m[ref.Name]
	if !ok {
		return "", "", false, nil
	}
	return s.Raw, s.Computed, true, nil
}

// cliWrite runs `doppler secrets set NAME --silent --no-interactive -p P -c C`
// with the value on stdin.
func (p *Provider) cliWrite(ctx context.Context, ref secrets.Ref, v secret.Value) error {
	_, err := p.cli.Run(ctx, []byte(v.Reveal()), []secret.Value{v},
		"secrets", "set", ref.Name, "--silent", "--no-interactive", "-p", ref.Project, "-c", ref.Config)
	if err != nil {
		return p.classify("put", &ref, err)
	}
	return nil
}
