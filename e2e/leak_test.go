package e2e_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/kamal"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/sim"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers (slog handlers
// of concurrent steps).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// haystacks collects every text the suite produced, by where it came from.
type haystacks struct {
	mu    sync.Mutex
	texts map[string][]string
}

func (h *haystacks) add(where string, texts ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.texts == nil {
		h.texts = map[string][]string{}
	}
	h.texts[where] = append(h.texts[where], texts...)
}

func (h *haystacks) addErr(where string, err error) {
	if err != nil {
		h.add(where, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
}

// addOutputs renders every field of the outputs, dereferenced.
func (h *haystacks) addOutputs(out *assemble.Outputs) {
	if out == nil {
		return
	}
	v := reflect.ValueOf(out).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !v.Type().Field(i).IsExported() {
			continue
		}
		if f.Kind() == reflect.Pointer && !f.IsNil() {
			f = f.Elem()
		}
		h.add("outputs", fmt.Sprintf("%+v", f.Interface()), fmt.Sprintf("%#v", f.Interface()))
	}
	for _, s := range out.Steps() {
		h.add("outputs", fmt.Sprintf("%+v", s))
	}
}

// pemLines returns the base64 body lines of every PEM block in text: each
// is searched for on its own, so a key leaked in pieces is still found.
func pemLines(text string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "-----BEGIN"):
			in = true
		case strings.HasPrefix(l, "-----END"):
			in = false
		case in && len(l) >= 16:
			out = append(out, l)
		}
	}
	return out
}

// leakExempt are the files that hold secrets by design, relative to the
// sandbox directory, and why.
var leakExempt = map[string]string{
	"app/.kamal/secrets": "the plain-secrets fallback store: it holds the values by design (0600, gitignored)",
	"ssh/id_ed25519":     "the SSH private key itself",
	"sandbox.json":       "the sandbox's own made-up credentials",
	"cloudflare.json":    "the simulated Cloudflare's saved state: its API tokens",
	"s3.json":            "the simulated S3's saved state: its access keys",
}

// TestSecretsDoNotLeak runs the whole end-to-end suite — cold Ensure, warm
// Ensure, Plan, kamal.Write, failed runs, Destroy — with every log line at
// Debug, every event, every error and every output captured, then searches
// them and every file written for every secret the sandbox uses.
func TestSecretsDoNotLeak(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := newWorld(t, withLogger(logger))
	var hay haystacks
	observer := assemble.WithObserver(func(e assemble.Event) {
		hay.add("events", e.String(), e.Message, fmt.Sprintf("%+v", e))
		hay.addErr("events", e.Err)
	})
	r := w.recipe(recipeName, observer)
	ctx := runCtx(t)

	out, err := r.Ensure(ctx)
	require.NoError(t, err)
	hay.addOutputs(out)

	// The secrets: every credential the sandbox hands out, the SSH private
	// key, and the host private key each server got in its user data.
	var needles []string
	for _, v := range w.sb.Env() {
		if v.Secret {
			needles = append(needles, v.Value)
		}
	}
	require.Len(t, needles, 5, "tokens, S3 keys and the registry password")
	key, err := os.ReadFile(w.sb.SSHKey().Path)
	require.NoError(t, err)
	needles = append(needles, pemLines(string(key))...)
	hostKeys := 0
	for _, s := range w.sb.Hetzner.Servers() {
		lines := pemLines(s.UserData)
		hostKeys += len(lines)
		needles = append(needles, lines...)
	}
	require.NotZero(t, hostKeys, "the server's user data carries its host private key")

	out, err = r.Ensure(ctx)
	require.NoError(t, err)
	hay.addOutputs(out)
	plan, err := r.Plan(ctx)
	require.NoError(t, err)
	hay.add("plan", fmt.Sprintf("%+v", plan), fmt.Sprint(plan))
	op, err := kamal.Write(w.sb.AppDir(), out, kamal.App{})
	require.NoError(t, err)
	hay.add("kamal", string(op))

	// Failed runs, whose errors carry vendors' answers: a registry that
	// refuses the token exchange, a Hetzner API that refuses the token, an
	// S3 that fails every request.
	w.sb.Registry.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "GET", Path: "/token", Status: 401, Times: 20})
	_, err = r.Ensure(ctx)
	require.Error(t, err)
	hay.addErr("errors", err)
	w.sb.Registry.Knobs().ClearFaults()
	w.sb.Hetzner.RevokeToken(w.sb.Hetzner.Token())
	_, err = r.Ensure(ctx)
	require.Error(t, err)
	hay.addErr("errors", err)
	w.sb.Hetzner.AddToken(w.sb.Hetzner.Token())
	w.sb.S3.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Status: 403, Times: 100})
	_, err = r.Plan(ctx)
	require.Error(t, err)
	hay.addErr("errors", err)
	w.sb.S3.Knobs().ClearFaults()

	removed, err := r.Destroy(ctx)
	require.NoError(t, err)
	hay.add("destroy", fmt.Sprintf("%+v", removed))
	require.True(t, w.summary().empty())

	// Save the world and stop: the files are then all written.
	require.NoError(t, w.sb.Close())
	hay.add("logs", strings.Split(logs.String(), "\n")...)
	searched, exempt := 0, 0
	err = filepath.WalkDir(w.sb.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(w.sb.Dir(), path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, ok := leakExempt[filepath.ToSlash(rel)]; ok {
			// An exempt file must really hold a secret: that keeps the
			// list exact, and proves the needles are the real values.
			holds := false
			for _, n := range needles {
				holds = holds || bytes.Contains(b, []byte(n))
			}
			require.True(t, holds, "%s is exempt but holds no secret", rel)
			exempt++
			return nil
		}
		hay.add("file "+filepath.ToSlash(rel), string(b))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(leakExempt), exempt, "every exempt file exists, so the list is exact")

	var leaks []string
	for where, texts := range hay.texts {
		for _, text := range texts {
			searched += len(text)
			for _, n := range needles {
				if strings.Contains(text, n) {
					leaks = append(leaks, fmt.Sprintf("%s: %q", where, secret.Scrub(text, secret.New(n))))
				}
			}
		}
	}
	require.Empty(t, leaks, "secrets leaked")
	t.Logf("leak scan: %d secrets (%d PEM lines of keys) searched for in %d bytes of logs, events, errors, outputs and files; %d files exempt: %v; 0 hits",
		len(needles), len(needles)-5, searched, len(leakExempt), leakExempt)
}
