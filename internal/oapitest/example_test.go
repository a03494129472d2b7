package oapitest_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/assemblekit/assemble/internal/oapitest"
)

// petsAPI is a vendor's description, cut down to one operation. The host in
// servers is dropped; its base path /v1 is kept.
const petsAPI = `openapi: 3.0.3
info: {title: Pets, version: "1"}
servers: [{url: "https://api.pets.example/v1"}]
paths:
  /pets/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: the pet
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: integer}
                  name: {type: string}
`

// A contract test puts the Checker in front of the simulator's handler:
//
//	check := oapitest.New(t, "hetzner-cloud.openapi.json")
//	srv := httptest.NewServer(check.Wrap(sim))
//
// Every answer that passes through is validated against the description,
// and what doesn't match fails the test when it ends. Here the test runs on
// a stand-in for *testing.T, against a description written to a temporary
// directory named by SpecsDirEnv (the real ones are in ../shared/specs), and
// the simulator gets one answer wrong.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "oapitest-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "pets.openapi.yaml"), []byte(petsAPI), 0o600); err != nil {
		panic(err)
	}
	defer restore(oapitest.SpecsDirEnv)()
	os.Setenv(oapitest.SpecsDirEnv, dir)

	ended := runTest(func(t testing.TB) {
		check := oapitest.New(t, "pets.openapi.yaml")
		sim := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/v1/pets/1":
				_, _ = io.WriteString(w, `{"id":1,"name":"Rex"}`)
			case "/v1/pets/2":
				_, _ = io.WriteString(w, `{"id":"2","name":"Tom"}`) // wrong: id is a string
			default:
				_, _ = io.WriteString(w, `[]`)
			}
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: check.Wrap(sim)}}
		srv.Start()
		defer srv.Close()

		for _, path := range []string{"/v1/pets/1", "/v1/pets/2", "/v1/owners"} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		fmt.Println("checked:", check.Checked(), "failures:", len(check.Failures()), "unmatched:", check.Unmatched())
	})
	for _, msg := range ended {
		first, _, _ := strings.Cut(msg, "\n") // the rest is the schema, the value and the body
		fmt.Println(first)
	}
	// Output:
	// checked: 2 failures: 1 unmatched: map[GET /v1/owners:1]
	// error: openapi contract: GET /v1/pets/2 -> 200: response: response body doesn't match schema: Error at "/id": value must be an integer
	// log: openapi contract: 2 responses checked; requests with no operation in the description: [GET /v1/owners]
}

// runTest runs body as a test would run, in its own goroutine with its
// cleanups after it, and returns what the test reported.
func runTest(body func(t testing.TB)) []string {
	t := &stubT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer t.cleanup()
		body(t)
	}()
	<-done
	return t.out
}

// stubT is the part of testing.TB that New and the Checker use. Like
// testing.T, Skipf and Fatal(f) end the calling goroutine. The embedded TB is
// nil: it is there only to satisfy the interface.
type stubT struct {
	testing.TB
	cleanups []func()
	out      []string
}

func (t *stubT) Helper()                   {}
func (t *stubT) Cleanup(f func())          { t.cleanups = append(t.cleanups, f) }
func (t *stubT) Logf(f string, a ...any)   { t.out = append(t.out, "log: "+fmt.Sprintf(f, a...)) }
func (t *stubT) Errorf(f string, a ...any) { t.out = append(t.out, "error: "+fmt.Sprintf(f, a...)) }
func (t *stubT) Skipf(f string, a ...any) {
	t.out = append(t.out, "skipped: "+fmt.Sprintf(f, a...))
	runtime.Goexit()
}
func (t *stubT) Fatal(a ...any) { t.Fatalf("%s", fmt.Sprint(a...)) }
func (t *stubT) Fatalf(f string, a ...any) {
	t.out = append(t.out, "failed: "+fmt.Sprintf(f, a...))
	runtime.Goexit()
}

func (t *stubT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// restore returns a func that puts the variable back as it was.
func restore(name string) func() {
	old, ok := os.LookupEnv(name)
	return func() {
		if ok {
			os.Setenv(name, old)
		} else {
			os.Unsetenv(name)
		}
	}
}
