package registrytest

import (
	"net/http"
	"path"
)

// serveUpload tracks upload sessions around the inner registry, which keeps
// none until the first chunk and can't cancel one.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, res resource) {
	if res.uploadStart {
		sw := &statusCapture{ResponseWriter: w, status: http.StatusOK, onHeader: func(code int) {
			// Distribution names the session in a header too.
			if loc := w.Header().Get("Location"); code == http.StatusAccepted && loc != "" {
				w.Header().Set("Docker-Upload-UUID", path.Base(loc))
			}
		}}
		s.inner.ServeHTTP(sw, r)
		if sw.status == http.StatusAccepted {
			if loc := w.Header().Get("Location"); loc != "" {
				s.mu.Lock()
				s.uploads[path.Base(loc)] = res.repo
				s.mu.Unlock()
			}
		}
		return
	}
	s.mu.Lock()
	repo, ok := s.uploads[res.uploadID]
	known := ok && repo == res.repo
	if known && r.Method == http.MethodDelete {
		delete(s.uploads, res.uploadID)
	}
	s.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, CodeBlobUploadUnknown, "blob upload unknown to registry", map[string]any{})
		return
	}
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	sw := &statusCapture{ResponseWriter: w, status: http.StatusOK}
	s.inner.ServeHTTP(sw, r)
	if r.Method == http.MethodPut && sw.status == http.StatusCreated {
		s.mu.Lock()
		delete(s.uploads, res.uploadID)
		s.mu.Unlock()
	}
}

type statusCapture struct {
	http.ResponseWriter
	status   int
	written  bool
	onHeader func(code int)
}

func (c *statusCapture) WriteHeader(code int) {
	if !c.written {
		c.status, c.written = code, true
		if c.onHeader != nil {
			c.onHeader(code)
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *statusCapture) Write(b []byte) (int, error) {
	c.written = true
	return c.ResponseWriter.Write(b)
}
