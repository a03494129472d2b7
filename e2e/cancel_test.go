package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
)

// cancelAt returns a recipe for w whose run cancels itself when the k-th
// event arrives, and the context to run it with.
func cancelAt(t *testing.T, w *world, k int) (*assemble.Recipe, context.Context, func() int) {
	ctx, cancel := context.WithCancel(runCtx(t))
	t.Cleanup(cancel)
	n := 0 // the observer is called from one goroutine at a time
	r := w.recipe(recipeName, assemble.WithObserver(func(assemble.Event) {
		n++
		if n == k {
			cancel()
		}
	}))
	return r, ctx, func() int { return n }
}

// requireNoGoroutineLeft waits (boundedly) for the goroutine count to come
// back to base, and fails with every goroutine's stack if it doesn't.
func requireNoGoroutineLeft(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
		t.Fatalf("%d goroutines left behind (%d before, %d after):\n%s", n-base, base, n, buf.String())
	}
}

// TestCancelEverywhere cancels a cold run at each of its events in turn,
// then runs again: the world must converge with no duplicates, and once the
// sandbox is closed no goroutine may be left.
func TestCancelEverywhere(t *testing.T) {
	ref := coldRun(t)
	n := ref.events
	require.Greater(t, n, 10, "a cold run emits an event per step phase at least")
	cancelled := 0
	for k := 1; k <= n; k++ {
		ok := t.Run(fmt.Sprintf("event-%02d", k), func(t *testing.T) {
			base := runtime.NumGoroutine()
			w := newWorld(t)
			r, ctx, seen := cancelAt(t, w, k)
			_, err := r.Ensure(ctx)
			if seen() >= k {
				cancelled++
				if err == nil {
					t.Logf("cancelled at event %d of %d, after the run had finished its work", k, seen())
				}
			} else {
				t.Logf("this run emitted only %d events; it was not cancelled", seen())
			}
			out, err := r.Ensure(runCtx(t))
			require.NoError(t, err, "the run after a cancellation must converge")
			require.NotNil(t, out.Server)
			w.requireConverged(t, ref.want)
			w.requireQuietRun(t, r)
			require.NoError(t, w.sb.Close())
			requireNoGoroutineLeft(t, base)
		})
		if !ok {
			break
		}
	}
	t.Logf("cancellation: %d points of %d events ran and converged", cancelled, n)
}

// TestDestroyAfterCancelledRun cancels a cold run at a sample of events and
// destroys right away: nothing of the recipe's may be left.
func TestDestroyAfterCancelledRun(t *testing.T) {
	ref := coldRun(t)
	ran := 0
	t.Run("points", func(t *testing.T) {
		for k := 2; k <= ref.events; k += 3 {
			ran++
			t.Run(fmt.Sprintf("event-%02d", k), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				r, ctx, _ := cancelAt(t, w, k)
				_, err := r.Ensure(ctx)
				t.Logf("cancelled run: %v", err)
				w.requireDestroyed(t, r)
			})
		}
	})
	t.Logf("destroy after cancellation: %d points", ran)
}
