package s3test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/cors"
)

var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

// parseCORS validates a CORS configuration as S3 does.
func parseCORS(body []byte) (*cors.Config, *apiError) {
	c, err := cors.ParseBucketCorsConfig(bytes.NewReader(body))
	if err != nil || len(c.CORSRules) == 0 || len(c.CORSRules) > 100 {
		return nil, errMalformedXML
	}
	for _, r := range c.CORSRules {
		if len(r.AllowedMethod) == 0 || len(r.AllowedOrigin) == 0 {
			return nil, errMalformedXML
		}
		for _, m := range r.AllowedMethod {
			if !corsMethods[m] {
				return nil, errf(http.StatusBadRequest, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
		}
		for _, o := range r.AllowedOrigin {
			if strings.Count(o, "*") > 1 {
				return nil, errf(http.StatusBadRequest, "InvalidRequest", "AllowedOrigin %q can not have more than one wildcard.", o)
			}
		}
	}
	return c, nil
}

// corsMatch finds the first rule that allows origin, method and every
// requested header.
func corsMatch(c *cors.Config, origin, method string, headers []string) *cors.Rule {
	if c == nil {
		return nil
	}
	for i := range c.CORSRules {
		r := &c.CORSRules[i]
		if !matchAnyFold(r.AllowedOrigin, origin, false) || !contains(r.AllowedMethod, method) {
			continue
		}
		ok := true
		for _, h := range headers {
			if h = strings.TrimSpace(h); h != "" && !matchAnyFold(r.AllowedHeader, h, true) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

func matchAnyFold(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if pre, suf, ok := strings.Cut(p, "*"); ok {
			if len(s) >= len(pre)+len(suf) && strings.HasPrefix(s, pre) && strings.HasSuffix(s, suf) {
				return true
			}
		} else if p == s {
			return true
		}
	}
	return false
}

// setCORSHeaders adds the Access-Control-* headers of rule to a response
// for origin.
func setCORSHeaders(h http.Header, rule *cors.Rule, origin string, preflight bool) {
	allow := origin
	if contains(rule.AllowedOrigin, "*") {
		allow = "*"
	}
	h.Set("Access-Control-Allow-Origin", allow)
	h.Add("Vary", "Origin")
	if allow != "*" {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(rule.ExposeHeader) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeader, ", "))
	}
	if preflight {
		h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethod, ", "))
		if rule.MaxAgeSeconds > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAgeSeconds))
		}
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Add("Vary", "Access-Control-Request-Method")
	}
}

// preflight answers an OPTIONS request. It needs no credentials.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request, bucketName, key string) {
	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	if origin == "" || method == "" {
		writeError(w, r, errf(http.StatusBadRequest, "BadRequest", "Insufficient information. Origin request header needed."), bucketName, key)
		return
	}
	if bucketName == "" {
		writeError(w, r, errf(http.StatusForbidden, "AccessForbidden", "CORSResponse: Bucket not found"), bucketName, key)
		return
	}
	s.mu.Lock()
	b, ok := s.w.Buckets[bucketName]
	var c *cors.Config
	if ok {
		c = b.CORS
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, r, errf(http.StatusForbidden, "AccessForbidden", "CORSResponse: Bucket not found"), bucketName, key)
		return
	}
	if c == nil {
		writeError(w, r, errf(http.StatusForbidden, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."), bucketName, key)
		return
	}
	var hdrs []string
	if v := r.Header.Get("Access-Control-Request-Headers"); v != "" {
		hdrs = strings.Split(v, ",")
	}
	rule := corsMatch(c, origin, method, hdrs)
	if rule == nil {
		writeError(w, r, errf(http.StatusForbidden, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."), bucketName, key)
		return
	}
	setCORSHeaders(w.Header(), rule, origin, true)
	if len(hdrs) > 0 {
		w.Header().Set("Access-Control-Allow-Headers", r.Header.Get("Access-Control-Request-Headers"))
	}
	w.WriteHeader(http.StatusOK)
}
