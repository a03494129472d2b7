package robot

import (
	"context"
	"errors"
	"net/url"

	"github.com/assemblekit/assemble/ensure"
)

// Key is an SSH key stored in Robot, identified by its MD5 fingerprint
// (colon-separated hex, as ssh.FingerprintLegacyMD5 prints it).
type Key struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
	Type        string `json:"type"`
	Size        int    `json:"size"`
	Data        string `json:"data"`
}

// Keys lists the account's SSH keys (none is not an error).
func (c *Client) Keys(ctx context.Context) ([]Key, error) {
	var out []struct {
		Key Key `json:"key"`
	}
	if err := c.get(ctx, "/key", &out); err != nil {
		if errors.Is(err, ensure.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	ks := make([]Key, 0, len(out))
	for _, o := range out {
		ks = append(ks, o.Key)
	}
	return ks, nil
}

// Key returns the key with the MD5 fingerprint, or an *Error with code
// NOT_FOUND.
func (c *Client) Key(ctx context.Context, fingerprint string) (*Key, error) {
	var out struct {
		Key Key `json:"key"`
	}
	if err := c.get(ctx, "/key/"+url.PathEscape(fingerprint), &out); err != nil {
		return nil, err
	}
	return &out.Key, nil
}

// CreateKey uploads a public key (OpenSSH authorized_keys format) under
// name. A key that is already stored is an *Error with code
// KEY_ALREADY_EXISTS.
func (c *Client) CreateKey(ctx context.Context, name, data string) (*Key, error) {
	var out struct {
		Key Key `json:"key"`
	}
	if err := c.post(ctx, "/key", url.Values{"name": {name}, "data": {data}}, &out); err != nil {
		return nil, err
	}
	return &out.Key, nil
}

// DeleteKey removes the key with the MD5 fingerprint.
func (c *Client) DeleteKey(ctx context.Context, fingerprint string) error {
	return c.del(ctx, "/key/"+url.PathEscape(fingerprint), nil)
}
