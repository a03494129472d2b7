package doppler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

type apiSecret struct {
	Raw      string `json:"raw"`
	Computed string `json:"computed"`
}

// do sends one API request and decodes a 2xx answer into out; anything else
// becomes a typed *secrets.Error with Doppler's messages, scrubbed.
func (p *Provider) do(ctx context.Context, op string, ref *secrets.Ref, method, path string, q url.Values, body any, out any, scrub ...secret.Value) error {
	u := p.baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", op, Adapter, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, Adapter, err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token.Reveal())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	p.log.DebugContext(ctx, "doppler api", "method", method, "path", path)
	resp, err := p.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s %s: %w", op, Adapter, ctx.Err())
		}
		return &secrets.Error{Op: op, Store: Adapter, Ref: refString(ref), Err: ensure.ErrUnavailable,
			Message: secret.Scrub(err.Error(), append(scrub, p.token)...)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return &secrets.Error{Op: op, Store: Adapter, Ref: refString(ref), Err: ensure.ErrUnavailable, Message: "read response: " + err.Error()}
	}
	if resp.StatusCode/100 == 2 {
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				return &secrets.Error{Op: op, Store: Adapter, Ref: refString(ref), Err: ensure.ErrUnavailable, Message: "answer is not JSON"}
			}
		}
		return nil
	}
	var env struct {
		Messages []string `json:"messages"`
	}
	_ = json.Unmarshal(data, &env)
	msg := secret.Scrub(strings.Join(env.Messages, "; "), append(scrub, p.token)...)
	e := &secrets.Error{Op: op, Store: Adapter, Ref: refString(ref), Code: fmt.Sprintf("HTTP %d", resp.StatusCode), Message: msg}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Err, e.Fix = ensure.ErrUnauthorized, "check the Doppler token"
	case http.StatusForbidden:
		e.Err, e.Fix = ensure.ErrForbidden, "give the token access to "+p.project+"/"+p.config
	case http.StatusNotFound:
		e.Err = ensure.ErrNotFound
	case http.StatusTooManyRequests:
		e.Err = ensure.ErrRateLimited
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		e.Err = ensure.ErrInvalidSpec
	default:
		e.Err = ensure.ErrUnavailable
	}
	return e
}

func refString(r *secrets.Ref) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func (p *Provider) apiCheck(ctx context.Context) error {
	if err := p.do(ctx, "check", nil, http.MethodGet, "/v3/me", nil, nil, nil); err != nil {
		return err
	}
	q := url.Values{"project": {p.project}, "config": {p.config}, "secrets": {"DOPPLER_CONFIG"}}
	err := p.do(ctx, "check", nil, http.MethodGet, "/v3/configs/config/secrets", q, nil, nil)
	var se *secrets.Error
	if errors.As(err, &se) && se.Err == ensure.ErrNotFound {
		se.Err, se.Fix = ensure.ErrPrecondition, "create config "+p.config+" in project "+p.project+" (doppler configs create)"
	}
	return err
}

func (p *Provider) apiRead(ctx context.Context, op string, ref secrets.Ref) (raw, computed string, found bool, err error) {
	var out struct {
		Value apiSecret `json:"value"`
	}
	q := url.Values{"project": {ref.Project}, "config": {ref.Config}, "name": {ref.Name}}
	err = p.do(ctx, op, &ref, http.MethodGet, "/v3/configs/config/secret", q, nil, &out)
	var se *secrets.Error
	if errors.As(err, &se) && se.Err == ensure.ErrNotFound && strings.Contains(strings.ToLower(se.Message), "secret") {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	return out.Value.Raw, out.Value.Computed, true, nil
}

func (p *Provider) apiWrite(ctx context.Context, ref secrets.Ref, v secret.Value) error {
	body := map[string]any{"project": ref.Project, "config": ref.Config, "secrets": map[string]string{ref.Name: v.Reveal()}}
	// The answer echoes every value of the config: decode nothing from it.
	return p.do(ctx, "put", &ref, http.MethodPost, "/v3/configs/config/secrets", nil, body, nil, v)
}
