package secretstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Any, as an argument of On, matches any single argument (a temporary
// file's path, for instance).
const Any = "\x00secretstest-any\x00"

func argsMatch(want, got []string) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != Any && want[i] != got[i] {
			return false
		}
	}
	return true
}

// Tools are the fake executables every CLIs provides.
var Tools = []string{"op", "lpass", "bw", "doppler", "aws"}

const (
	envTool = "ASSEMBLE_SECRETSTEST_TOOL"
	envAddr = "ASSEMBLE_SECRETSTEST_ADDR"
)

// envPrefixes are the environment variables a fake records: the ones the
// password-manager CLIs read.
var envPrefixes = []string{"OP_", "LPASS_", "BW_", "DOPPLER_", "AWS_"}

// Main runs the tests, or — when the test binary was started as one of the
// fakes — behaves as that fake and exits. Call it from TestMain:
//
//	func TestMain(m *testing.M) { secretstest.Main(m) }
func Main(m *testing.M) {
	if tool := os.Getenv(envTool); tool != "" {
		os.Exit(runFake(tool, os.Getenv(envAddr)))
	}
	os.Exit(m.Run())
}

// Reply is what a fake prints and how it exits.
type Reply struct {
	Stdout string
	Stderr string
	Exit   int
}

// Invocation is one recorded call of a fake.
type Invocation struct {
	Tool  string
	Args  []string
	Stdin string
	// Env holds the OP_*, LPASS_*, BW_*, DOPPLER_* and AWS_* variables the
	// fake was started with.
	Env map[string]string
	// Files holds the content of every argument (or --flag=value value)
	// that named a regular file when the fake ran, such as a --template.
	Files map[string]string
}

// String renders the command line, e.g. "op item get web --format json".
func (i Invocation) String() string {
	return strings.TrimSpace(i.Tool + " " + strings.Join(i.Args, " "))
}

// Expect is one entry of a scenario: a tool and its exact arguments, and
// the reply. Its methods configure it and return it for chaining.
type Expect struct {
	c     *CLIs
	tool  string
	args  []string
	reply Reply
	fn    func(Invocation) Reply
	times int // <0: any number of times
	used  int
}

// Stdout sets what the fake prints on stdout.
func (e *Expect) Stdout(s string) *Expect {
	e.c.mu.Lock()
	e.reply.Stdout = s
	e.c.mu.Unlock()
	return e
}

// Fail makes the fake print stderr and exit with code.
func (e *Expect) Fail(code int, stderr string) *Expect {
	e.c.mu.Lock()
	e.reply.Exit, e.reply.Stderr = code, stderr
	e.c.mu.Unlock()
	return e
}

// Do computes the reply from the invocation (for stdin-dependent answers).
func (e *Expect) Do(f func(Invocation) Reply) *Expect {
	e.c.mu.Lock()
	e.fn = f
	e.c.mu.Unlock()
	return e
}

// Times lets the entry answer n calls instead of one.
func (e *Expect) Times(n int) *Expect { e.c.mu.Lock(); e.times = n; e.c.mu.Unlock(); return e }

// Always lets the entry answer any number of calls.
func (e *Expect) Always() *Expect { return e.Times(-1) }

// CLIs is a set of fake password-manager executables driven by one
// scenario. It is safe for concurrent use.
type CLIs struct {
	errorf func(format string, args ...any)
	dir    string
	close  func()

	mu         sync.Mutex
	exps       []*Expect
	calls      []Invocation
	unexpected []Invocation
}

// NewCLIs writes the fakes into a temporary directory and starts the
// loopback listener they report to; everything is removed when t ends, and
// a call the scenario does not expect fails t. The test binary must route
// through Main.
func NewCLIs(t testing.TB) *CLIs {
	t.Helper()
	c, err := OpenCLIs()
	if err != nil {
		t.Fatalf("secretstest: %v", err)
	}
	c.errorf = t.Errorf
	t.Cleanup(c.Close)
	return c
}

// OpenCLIs is NewCLIs outside a test (examples, harnesses): unexpected
// calls are only recorded (see Unexpected), and the caller must Close it.
func OpenCLIs() (*CLIs, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find test binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "secretstest-")
	if err != nil {
		return nil, err
	}
	c := &CLIs{dir: dir}
	srv, err := Serve(http.HandlerFunc(c.serve))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.close = func() { srv.Close(); os.RemoveAll(dir) }
	addr := srv.Listener.Addr().String()
	for _, tool := range Tools {
		script := fmt.Sprintf("#!/bin/sh\n%s=%s\n%s=%s\nexport %s %s\nexec '%s' \"$@\"\n",
			envTool, tool, envAddr, addr, envTool, envAddr, exe)
		if err := os.WriteFile(filepath.Join(c.dir, tool), []byte(script), 0o755); err != nil {
			c.Close()
			return nil, fmt.Errorf("write fake %s: %w", tool, err)
		}
	}
	return c, nil
}

// Close stops the listener and removes the fakes.
func (c *CLIs) Close() {
	if c.close != nil {
		c.close()
	}
}

// Dir is the directory holding the fakes, for PATH.
func (c *CLIs) Dir() string { return c.dir }

// Path returns the absolute path of the fake named tool ("op", "bw", …).
func (c *CLIs) Path(tool string) string { return filepath.Join(c.dir, tool) }

// On adds a scenario entry for tool called with exactly args. By default it
// answers one call with empty output and exit 0.
func (c *CLIs) On(tool string, args ...string) *Expect {
	e := &Expect{c: c, tool: tool, args: args, times: 1}
	c.mu.Lock()
	c.exps = append(c.exps, e)
	c.mu.Unlock()
	return e
}

// Calls returns every recorded call, oldest first.
func (c *CLIs) Calls() []Invocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// Commands returns every recorded call as a command line.
func (c *CLIs) Commands() []string {
	var out []string
	for _, i := range c.Calls() {
		out = append(out, i.String())
	}
	return out
}

// Unexpected returns the calls no scenario entry answered.
func (c *CLIs) Unexpected() []Invocation {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.unexpected)
}

// Pending returns the scenario entries that still expect a call (entries
// marked Always are never pending).
func (c *CLIs) Pending() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.exps {
		if e.times > 0 && e.used < e.times {
			out = append(out, strings.TrimSpace(e.tool+" "+strings.Join(e.args, " ")))
		}
	}
	return out
}

// Reset forgets the scenario and the recorded calls.
func (c *CLIs) Reset() {
	c.mu.Lock()
	c.exps, c.calls, c.unexpected = nil, nil, nil
	c.mu.Unlock()
}

// ArgLeaks returns the command lines in which any of values appears.
func (c *CLIs) ArgLeaks(values ...string) []string {
	var out []string
	for _, i := range c.Calls() {
		line := i.String()
		for _, v := range values {
			if v != "" && strings.Contains(line, v) {
				out = append(out, line)
				break
			}
		}
	}
	return out
}

func (c *CLIs) serve(w http.ResponseWriter, r *http.Request) {
	var inv Invocation
	if err := json.NewDecoder(r.Body).Decode(&inv); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.calls = append(c.calls, inv)
	var match *Expect
	for _, e := range c.exps {
		if e.tool == inv.Tool && argsMatch(e.args, inv.Args) && (e.times < 0 || e.used < e.times) {
			match = e
			e.used++
			break
		}
	}
	var reply Reply
	var fn func(Invocation) Reply
	if match == nil {
		c.unexpected = append(c.unexpected, inv)
		reply = Reply{Exit: 99, Stderr: "secretstest: unexpected call: " + inv.String() + "\n"}
	} else {
		reply, fn = match.reply, match.fn
	}
	c.mu.Unlock()
	if match == nil && c.errorf != nil {
		c.errorf("secretstest: unexpected call: %s", inv.String())
	}
	if fn != nil {
		reply = fn(inv)
	}
	_ = json.NewEncoder(w).Encode(reply)
}

// runFake is the fake executable: it reports the call to the test process
// and replays the answer.
func runFake(tool, addr string) int {
	stdin, _ := io.ReadAll(os.Stdin)
	inv := Invocation{Tool: tool, Args: os.Args[1:], Stdin: string(stdin), Env: map[string]string{}}
	if inv.Args == nil {
		inv.Args = []string{}
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		for _, p := range envPrefixes {
			if strings.HasPrefix(k, p) {
				inv.Env[k] = v
			}
		}
	}
	inv.Files = map[string]string{}
	for _, a := range inv.Args {
		if _, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			a = v
		}
		if fi, err := os.Stat(a); err == nil && fi.Mode().IsRegular() && fi.Size() < 1<<20 {
			if b, err := os.ReadFile(a); err == nil {
				inv.Files[a] = string(b)
			}
		}
	}
	body, _ := json.Marshal(inv)
	resp, err := http.Post("http://"+addr+"/call", "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(os.Stderr, "secretstest: fake %s cannot reach its test: %v\n", tool, err)
		return 98
	}
	defer resp.Body.Close()
	var reply Reply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		fmt.Fprintf(os.Stderr, "secretstest: fake %s: bad reply: %v\n", tool, err)
		return 98
	}
	_, _ = io.WriteString(os.Stdout, reply.Stdout)
	_, _ = io.WriteString(os.Stderr, reply.Stderr)
	return reply.Exit
}
