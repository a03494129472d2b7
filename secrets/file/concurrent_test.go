package file

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/secret"
)

// Two stores on one directory putting at once (two runs of one recipe)
// both end up in the file: the read-change-write is serialised. Before, one
// run's rename could drop the other's lines. Found by the e2e concurrent
// runs test.
func TestConcurrentPutsLoseNothing(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := New(dir)
			for i := range n {
				name := fmt.Sprintf("S%d_%02d", w, i)
				if _, err := s.Put(ctx, s.Ref(name), secret.New("v")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	data, err := os.ReadFile(New(dir).Path())
	require.NoError(t, err)
	for w := range 2 {
		for i := range n {
			require.Contains(t, string(data), fmt.Sprintf("S%d_%02d=", w, i))
		}
	}
	require.Equal(t, 2*n, strings.Count(string(data), "\n"))
	ign, err := os.ReadFile(dir + "/.gitignore")
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(ign), ".kamal/secrets"), "listed once: %q", ign)
}
