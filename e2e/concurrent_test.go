package e2e_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
)

// withKey makes the sandbox's SSH key exist, as a user's key usually does.
// Two first runs racing to generate the same key file don't both succeed:
// the loser fails with "appeared while assemble was writing it (run again)"
// (sshkey writes with link-or-fail and does not load the winner's key);
// that is reported, not tested here.
func withKey(t *testing.T, w *world) {
	_, _, err := w.sb.SSHKey().EnsureKey(runCtx(t))
	require.NoError(t, err)
}

// ensureBoth runs two recipes' Ensure at the same time and returns their
// errors.
func ensureBoth(t *testing.T, a, b *assemble.Recipe) [2]error {
	var errs [2]error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range []*assemble.Recipe{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = r.Ensure(runCtx(t))
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// TestConcurrentRuns runs two recipes of the same name, built from
// separate provider instances, against one world at once: both succeed and
// the world holds one of each resource.
func TestConcurrentRuns(t *testing.T) {
	const rounds = 5
	for i := range rounds {
		t.Run("round-"+string(rune('1'+i)), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			withKey(t, w)
			errs := ensureBoth(t, w.recipe(recipeName), w.recipe(recipeName))
			require.NoError(t, errs[0])
			require.NoError(t, errs[1])
			w.requireConverged(t, coldRun(t).want)
			w.requireQuietRun(t, w.recipe(recipeName))
		})
	}
	t.Logf("concurrent runs: %d rounds of two simultaneous runs", rounds)
}

// TestConcurrentRunsDuplicateRecord forces the race Cloudflare can't
// prevent: both runs list the record's name before either creates it, so
// both create one (the simulator, like Cloudflare with identical-record
// checks off, accepts two A records of one name). Each run must see the
// other's record and the extra must be removed, deterministically: the
// same record is kept whichever run gets there first.
func TestConcurrentRunsDuplicateRecord(t *testing.T) {
	w := newWorld(t)
	withKey(t, w)
	w.sb.Cloudflare.SetIdenticalCheck(false)
	// A barrier in the simulator: the first two listings of the record's
	// name wait for each other (at most 5s), so both runs decide to create.
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	w.sb.Cloudflare.Knobs().SetLatencyFunc(func(r *http.Request) time.Duration {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/dns_records") || r.URL.Query().Get("name.exact") != recipeName+"."+w.sb.Zone() {
			return 0
		}
		mu.Lock()
		arrived++
		n := arrived
		mu.Unlock()
		switch {
		case n == 2:
			close(both)
		case n == 1:
			select {
			case <-both:
			case <-time.After(5 * time.Second):
			}
		}
		return 0
	})
	zone := w.sb.Cloudflare.Zones()[0].ID
	records := "/client/v4/zones/" + zone + "/dns_records"
	errs := ensureBoth(t, w.recipe(recipeName), w.recipe(recipeName))
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	knobs := w.sb.Cloudflare.Knobs()
	require.Equal(t, 2, knobs.Count(http.MethodPost, records), "both runs created the record: the race happened")
	// Both runs pick the same record to keep, so every DELETE names the
	// same extra (the later one answers "not found", which counts as done).
	deleted := map[string]bool{}
	for _, r := range knobs.Requests() {
		if r.Method == http.MethodDelete && strings.HasPrefix(r.Path, records+"/") {
			deleted[r.Path] = true
		}
	}
	require.Len(t, deleted, 1, "the runs disagreed on which record to keep: %v", deleted)
	recs := w.summary().Records
	require.Len(t, recs, 1)
	w.requireConverged(t, coldRun(t).want)
	w.requireQuietRun(t, w.recipe(recipeName))
}
