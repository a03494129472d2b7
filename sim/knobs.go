package sim

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ErrorWriter writes the vendor's error envelope for status: Hetzner's
// {"error":{…}}, Cloudflare's {"success":false,…}, S3's XML. Simulators pass
// theirs to NewKnobs so injected faults look like the vendor's own.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int)

// Knobs is the test control surface of a simulator: latency, faults and the
// request log. It is safe for concurrent use. The zero value is not usable;
// call NewKnobs.
type Knobs struct {
	errw ErrorWriter

	mu      sync.Mutex
	latency func(*http.Request) time.Duration
	faults  []*armed
	log     []Request
}

type armed struct {
	Fault
	left int
}

// NewKnobs returns Knobs that write injected errors with errw (a plain-text
// body when nil).
func NewKnobs(errw ErrorWriter) *Knobs {
	if errw == nil {
		errw = func(w http.ResponseWriter, _ *http.Request, status int) {
			http.Error(w, http.StatusText(status), status)
		}
	}
	return &Knobs{errw: errw}
}

// SetLatency delays every request by d before it is handled.
func (k *Knobs) SetLatency(d time.Duration) {
	k.SetLatencyFunc(func(*http.Request) time.Duration { return d })
}

// SetLatencyFunc delays each request by what f returns for it.
func (k *Knobs) SetLatencyFunc(f func(*http.Request) time.Duration) {
	k.mu.Lock()
	k.latency = f
	k.mu.Unlock()
}

// Inject arms a fault. Faults are tried in the order they were injected; the
// first that matches a request fires.
func (k *Knobs) Inject(f Fault) {
	n := f.Times
	if n <= 0 {
		n = 1
	}
	k.mu.Lock()
	k.faults = append(k.faults, &armed{Fault: f, left: n})
	k.mu.Unlock()
}

// ClearFaults disarms every fault that has not fired yet.
func (k *Knobs) ClearFaults() {
	k.mu.Lock()
	k.faults = nil
	k.mu.Unlock()
}

// PendingFaults returns how many armed faults have not fired their last time.
func (k *Knobs) PendingFaults() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.faults)
}

// Requests returns a copy of the request log, oldest first.
func (k *Knobs) Requests() []Request {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Request(nil), k.log...)
}

// Mark returns a position in the log; pass it to Since to see what came after.
func (k *Knobs) Mark() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.log)
}

// Since returns the requests logged after mark.
func (k *Knobs) Since(mark int) []Request {
	k.mu.Lock()
	defer k.mu.Unlock()
	if mark > len(k.log) {
		return nil
	}
	return append([]Request(nil), k.log[mark:]...)
}

// ResetLog empties the request log.
func (k *Knobs) ResetLog() {
	k.mu.Lock()
	k.log = nil
	k.mu.Unlock()
}

// Count returns how many logged requests match method and path (empty
// matches any; a path ending in "*" is a prefix).
func (k *Knobs) Count(method, path string) int {
	f := Fault{Method: method, Path: path}
	n := 0
	for _, r := range k.Requests() {
		if f.matchesLogged(r) {
			n++
		}
	}
	return n
}

// Mutating returns how many logged requests had a mutating method.
func (k *Knobs) Mutating() int { return len(MutatingOf(k.Requests())) }

// MutatingOf filters rs to the mutating requests.
func MutatingOf(rs []Request) []Request {
	var out []Request
	for _, r := range rs {
		if r.Mutating() {
			out = append(out, r)
		}
	}
	return out
}

// Wrap returns h with latency, faults and logging in front of it.
func (k *Knobs) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		lat := k.latency
		var fault *Fault
		for i, a := range k.faults {
			if a.matches(r) {
				f := a.Fault
				fault = &f
				a.left--
				if a.left == 0 {
					k.faults = append(k.faults[:i:i], k.faults[i+1:]...)
				}
				break
			}
		}
		idx := len(k.log)
		k.log = append(k.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, At: time.Now()})
		if fault != nil {
			k.log[idx].Fault = fault.Kind
		}
		k.mu.Unlock()

		setStatus := func(s int) {
			k.mu.Lock()
			k.log[idx].Status = s
			k.mu.Unlock()
		}

		if lat != nil {
			if d := lat(r); d > 0 && !sleep(r, d) {
				setStatus(0)
				return
			}
		}
		if fault == nil {
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			h.ServeHTTP(sw, r)
			setStatus(sw.status)
			return
		}
		switch fault.Kind {
		case FailBeforeCommit:
			st := fault.Status
			if st == 0 {
				st = http.StatusInternalServerError
			}
			setStatus(st)
			k.errw(w, r, st)
		case RateLimit:
			ra := fault.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			secs := int((ra + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			setStatus(http.StatusTooManyRequests)
			k.errw(w, r, http.StatusTooManyRequests)
		case DropAfterCommit:
			rec := &bufferWriter{header: http.Header{}}
			h.ServeHTTP(rec, r)
			setStatus(0)
			// net/http closes the connection without a response and without
			// logging the panic.
			panic(http.ErrAbortHandler)
		case SlowAfterCommit:
			rec := &bufferWriter{header: http.Header{}, status: http.StatusOK}
			h.ServeHTTP(rec, r)
			d := fault.Delay
			if d <= 0 {
				d = 30 * time.Second
			}
			if !sleep(r, d) {
				setStatus(0)
				return
			}
			setStatus(rec.status)
			rec.copyTo(w)
		default:
			setStatus(http.StatusInternalServerError)
			k.errw(w, r, http.StatusInternalServerError)
		}
	})
}

// sleep waits d or until the client goes away; it reports whether the full
// time passed.
func sleep(r *http.Request, d time.Duration) bool {
	// net/http notices a client that hung up only once the body is read:
	// read it, and hand the handler a copy.
	if r.Body != nil && r.Body != http.NoBody {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the wrapper.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferWriter) copyTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
