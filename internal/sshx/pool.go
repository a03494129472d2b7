package sshx

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Pool keeps one connection per user@host and hands it to every caller, so a
// step that runs twenty commands opens one TCP connection and one SSH
// handshake. A connection that stopped answering is replaced on the next Get.
// Pool is safe for concurrent use; the zero value is ready. Close it when
// done.
type Pool struct {
	mu      sync.Mutex
	clients map[string]*poolEntry
	closed  bool
}

type poolEntry struct {
	once   chan struct{} // closed when the dial finished
	client *Client
	err    error
}

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("ssh pool closed")

// Get returns the pool's connection for cfg.User@cfg.Addr, dialing it if
// there is none or the old one is dead. Concurrent callers for the same host
// share one dial. Do not Close the returned client; Close the pool.
func (p *Pool) Get(ctx context.Context, cfg Config) (*Client, error) {
	key := cfg.key()
	for range 3 {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, ErrPoolClosed
		}
		if p.clients == nil {
			p.clients = map[string]*poolEntry{}
		}
		e, ok := p.clients[key]
		if !ok {
			e = &poolEntry{once: make(chan struct{})}
			p.clients[key] = e
			p.mu.Unlock()
			e.client, e.err = Dial(ctx, cfg)
			close(e.once)
			if e.err != nil {
				p.drop(key, e)
			}
			return e.client, e.err
		}
		p.mu.Unlock()
		select {
		case <-e.once:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if e.err != nil {
			return nil, e.err
		}
		if e.client.Alive(5 * time.Second) {
			return e.client, nil
		}
		p.drop(key, e)
	}
	return Dial(ctx, cfg)
}

// drop forgets e (if it is still the entry for key) and closes its client.
func (p *Pool) drop(key string, e *poolEntry) {
	p.mu.Lock()
	if p.clients[key] == e {
		delete(p.clients, key)
	}
	p.mu.Unlock()
	if e.client != nil {
		_ = e.client.Close()
	}
}

// Len returns how many connections the pool holds.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.clients)
}

// Close closes every connection and makes later Gets fail.
func (p *Pool) Close() error {
	p.mu.Lock()
	entries := p.clients
	p.clients = nil
	p.closed = true
	p.mu.Unlock()
	var errs []error
	for _, e := range entries {
		<-e.once
		if e.client != nil {
			if err := e.client.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
