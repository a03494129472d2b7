package prime_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/internal/prime"
)

func TestTakeOnceWhileFresh(t *testing.T) {
	now := time.Unix(1000, 0)
	c := prime.Cache[string, int]{TTL: time.Minute, Now: func() time.Time { return now }}

	_, ok := c.Take("a")
	require.False(t, ok, "nothing primed")

	c.Put("a", 1)
	v, ok := c.Take("a")
	require.True(t, ok)
	require.Equal(t, 1, v)
	_, ok = c.Take("a")
	require.False(t, ok, "used once")

	c.Put("a", 2)
	now = now.Add(time.Minute + time.Nanosecond)
	_, ok = c.Take("a")
	require.False(t, ok, "stale")
	now = now.Add(-time.Minute)
	_, ok = c.Take("a")
	require.False(t, ok, "a stale value is dropped, not kept for later")

	c.Put("a", 3)
	c.Put("b", 4)
	c.Forget("a")
	_, ok = c.Take("a")
	require.False(t, ok)
	v, ok = c.Take("b")
	require.True(t, ok)
	require.Equal(t, 4, v)
}

func TestZeroValueUsesDefaultTTL(t *testing.T) {
	now := time.Unix(0, 0)
	c := prime.Cache[int, string]{Now: func() time.Time { return now }}
	c.Put(1, "x")
	now = now.Add(prime.DefaultTTL)
	v, ok := c.Take(1)
	require.True(t, ok)
	require.Equal(t, "x", v)
	c.Put(1, "y")
	now = now.Add(prime.DefaultTTL + 1)
	_, ok = c.Take(1)
	require.False(t, ok)
}

func TestConcurrentUse(t *testing.T) {
	var c prime.Cache[int, int]
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for i := range 50 {
		wg.Add(2)
		go func() { defer wg.Done(); c.Put(i, i) }()
		go func() {
			defer wg.Done()
			if _, ok := c.Take(i); ok {
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := range 50 {
		if _, ok := c.Take(i); ok {
			taken++
		}
	}
	require.Equal(t, 50, taken, "every value is taken exactly once")
}

// A provider's Validate primes what it read; its Ensure takes it.
func Example() {
	var primed prime.Cache[string, []string]
	// Validate: one round of reads, kept for Ensure.
	primed.Put("shop-1", []string{"server shop-1 exists", "firewall shop-1 exists"})
	// Ensure, moments later: no second read.
	if seen, ok := primed.Take("shop-1"); ok {
		fmt.Println(seen)
	}
	// A second Ensure reads again.
	_, ok := primed.Take("shop-1")
	fmt.Println(ok)
	// Output:
	// [server shop-1 exists firewall shop-1 exists]
	// false
}
