package s3test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
)

// maxBody bounds what one request may upload (the simulator keeps everything
// in memory).
const maxBody = 256 << 20

var reqSeq atomic.Uint64

// request is one parsed request.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	auth   *auth
	bucket string
	key    string
	body   []byte
}

func (q *request) fail(e *apiError) { writeError(q.w, q.r, e, q.bucket, q.key) }

// serve routes path-style requests: / (service), /bucket, /bucket/key.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amz-Request-Id", fmt.Sprintf("%016X", reqSeq.Add(1)))
	w.Header().Set("Server", "s3test")
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucketName, key, _ := strings.Cut(p, "/")
	q := &request{w: w, r: r, bucket: bucketName, key: key}

	if r.Method == http.MethodOptions {
		s.preflight(w, r, bucketName, key)
		return
	}
	a, aerr := s.authenticate(r)
	if aerr != nil {
		q.fail(aerr)
		return
	}
	q.auth = a
	if r.Method == http.MethodPut || r.Method == http.MethodPost {
		body, berr := readBody(r, a, maxBody)
		if berr != nil {
			q.fail(berr)
			return
		}
		q.body = body
	}
	if o := r.Header.Get("Origin"); o != "" && bucketName != "" {
		s.mu.Lock()
		if b, ok := s.w.Buckets[bucketName]; ok {
			if rule := corsMatch(b.CORS, o, r.Method, nil); rule != nil {
				setCORSHeaders(w.Header(), rule, o, false)
			}
		}
		s.mu.Unlock()
	}
	switch {
	case bucketName == "":
		s.service(q)
	case key == "":
		s.bucketOp(q)
	default:
		s.objectOp(q)
	}
}

func (s *Server) service(q *request) {
	if q.r.Method != http.MethodGet {
		q.fail(errMethodNotAllowed)
		return
	}
	if q.auth.anonymous {
		q.fail(errAccessDenied)
		return
	}
	s.listBuckets(q)
}

// authorize decides whether the caller may act on bucket b: its own
// account may do anything; anyone else only what the policy grants to "*".
// It is called with s.mu held.
func (s *Server) authorize(q *request, b *bucket, action string) *apiError {
	if !q.auth.anonymous && q.auth.account == b.Account {
		return nil
	}
	res := "arn:aws:s3:::" + b.Name
	if q.key != "" {
		res += "/" + q.key
	}
	if allowsAnonymous(b.Policy, b.Name, action, res) {
		return nil
	}
	return errAccessDenied
}
