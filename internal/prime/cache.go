package prime

import (
	"sync"
	"time"
)

// DefaultTTL is how long a primed value stays usable: long enough to cover
// the steps that run before the one that uses it, short enough that it is
// never mistaken for a cache.
const DefaultTTL = 30 * time.Second

// Cache holds values by key until they are taken or grow stale. The zero
// value is ready to use, with DefaultTTL; it is safe for concurrent use.
type Cache[K comparable, V any] struct {
	// TTL overrides DefaultTTL when positive.
	TTL time.Duration
	// Now overrides time.Now, for tests.
	Now func() time.Time

	mu sync.Mutex
	m  map[K]entry[V]
}

type entry[V any] struct {
	v  V
	at time.Time
}

func (c *Cache[K, V]) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache[K, V]) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return DefaultTTL
}

// Put stores v under k, replacing what was there.
func (c *Cache[K, V]) Put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[K]entry[V]{}
	}
	c.m[k] = entry[V]{v: v, at: c.now()}
}

// Take returns the value under k and removes it; ok is false when there is
// none or it is older than the TTL (a stale one is dropped).
func (c *Cache[K, V]) Take(k K) (v V, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.m[k]
	if !found {
		return v, false
	}
	delete(c.m, k)
	if c.now().Sub(e.at) > c.ttl() {
		return v, false
	}
	return e.v, true
}

// Forget drops the value under k, if any.
func (c *Cache[K, V]) Forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}
