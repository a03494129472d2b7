package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
)

// checkTokenForm checks what can be known about the token without asking.
func (p *Provider) checkTokenForm() error {
	const op = "verify cloudflare token"
	if p.token.IsZero() {
		return fmt.Errorf("%s: %w", op, ensure.Invalid("cloudflare.token", "", "the API token is empty", "create an API token with Zone:Read and DNS:Edit and pass it to cloudflare.New"))
	}
	if strings.ContainsAny(p.token.Reveal(), " \t\r\n") {
		return fmt.Errorf("%s: %w", op, ensure.Invalid("cloudflare.token", "", "the API token contains whitespace", "copy the token again, without spaces or line breaks"))
	}
	return nil
}

// checkToken asks /user/tokens/verify once per Provider. It uses the plain
// HTTP client: the SDK's user service would drag in account packages.
func (p *Provider) checkToken(ctx context.Context) error {
	p.mu.Lock()
	ok := p.verified
	p.mu.Unlock()
	if ok {
		return nil
	}
	const op = "verify cloudflare token"
	if err := p.checkTokenForm(); err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, p.opts.requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, strings.TrimSuffix(p.opts.baseURL, "/")+"/user/tokens/verify", nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+p.token.Reveal())
	resp, err := p.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return &TransportError{Op: op, Err: fmt.Errorf("%s", secret.Scrub(err.Error(), p.token))}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var env struct {
		Success bool `json:"success"`
		Errors  []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
		Result struct {
			Status string `json:"status"`
		} `json:"result"`
	}
	_ = json.Unmarshal(body, &env)
	if resp.StatusCode >= 400 || !env.Success {
		ae := &APIError{Op: op, Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
		for _, e := range env.Errors {
			ae.Codes = append(ae.Codes, e.Code)
			ae.Messages = append(ae.Messages, secret.Scrub(e.Message, p.token))
		}
		if resp.StatusCode < 400 {
			ae.Status = http.StatusUnauthorized
		}
		return ae
	}
	if env.Result.Status != "active" {
		return fmt.Errorf("%s: the token is %q, not active (create a new API token with Zone:Read and DNS:Edit): %w", op, env.Result.Status, ensure.ErrUnauthorized)
	}
	p.mu.Lock()
	p.verified = true
	p.mu.Unlock()
	p.debug(ctx, "cloudflare token verified")
	return nil
}
