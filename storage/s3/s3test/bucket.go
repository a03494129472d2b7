package s3test

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"sort"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

const isoTime = "2006-01-02T15:04:05.000Z"

// subresources a bucket request may name, in the order they are tested.
var bucketSubresources = []string{"location", "cors", "policy", "versioning", "object-lock", "uploads", "delete", "versions"}

func (s *Server) bucketOp(q *request) {
	vals := q.r.URL.Query()
	sub := ""
	for _, k := range bucketSubresources {
		if _, ok := vals[k]; ok {
			sub = k
			break
		}
	}
	m := q.r.Method
	switch {
	case sub == "" && m == http.MethodPut:
		s.createBucket(q)
	case sub == "" && m == http.MethodHead:
		s.headBucket(q)
	case sub == "" && m == http.MethodDelete:
		s.deleteBucket(q)
	case sub == "" && m == http.MethodGet:
		s.listObjects(q)
	case sub == "versions" && m == http.MethodGet:
		s.listObjects(q)
	case sub == "location" && m == http.MethodGet:
		s.withBucket(q, "s3:GetBucketLocation", func(b *bucket) {
			v := b.Region
			if v == "us-east-1" {
				v = ""
			}
			writeXML(q.w, http.StatusOK, locationConstraint{Xmlns: xmlns, Value: v})
		})
	case sub == "cors":
		s.bucketCORS(q)
	case sub == "policy":
		s.bucketPolicy(q)
	case sub == "versioning":
		s.bucketVersioning(q)
	case sub == "object-lock" && m == http.MethodGet:
		s.withBucket(q, "s3:GetBucketObjectLockConfiguration", func(b *bucket) {
			if !b.ObjectLock {
				q.fail(errNoObjectLock)
				return
			}
			writeXML(q.w, http.StatusOK, objectLockConfiguration{Xmlns: xmlns, ObjectLockEnabled: "Enabled"})
		})
	case sub == "uploads" && m == http.MethodGet:
		s.listUploads(q)
	case sub == "delete" && m == http.MethodPost:
		s.deleteObjects(q)
	default:
		q.fail(errNotImplemented)
	}
}

// withBucket runs f with s.mu held on an existing bucket the caller may use
// for action.
func (s *Server) withBucket(q *request, action string, f func(b *bucket)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.Buckets[q.bucket]
	if !ok {
		q.fail(errNoSuchBucket)
		return
	}
	if err := s.authorize(q, b, action); err != nil {
		q.fail(err)
		return
	}
	f(b)
}

func (s *Server) listBuckets(q *request) {
	s.mu.Lock()
	res := listAllMyBucketsResult{Xmlns: xmlns, Owner: owner{ID: q.auth.account, DisplayName: q.auth.account}}
	for _, b := range s.w.Buckets {
		if b.Account == q.auth.account {
			res.Buckets = append(res.Buckets, bucketEntry{Name: b.Name, CreationDate: b.Created.Format(isoTime), BucketRegion: b.Region})
		}
	}
	s.mu.Unlock()
	sort.Slice(res.Buckets, func(i, j int) bool { return res.Buckets[i].Name < res.Buckets[j].Name })
	writeXML(q.w, http.StatusOK, res)
}

func (s *Server) createBucket(q *request) {
	if q.auth.anonymous {
		q.fail(errAccessDenied)
		return
	}
	if s3utils.CheckValidBucketNameStrict(q.bucket) != nil {
		q.fail(errInvalidBucketName)
		return
	}
	// The bucket lives in the region the request was signed for; a
	// LocationConstraint, when sent, must name the same region.
	region := q.auth.region
	if len(bytes.TrimSpace(q.body)) > 0 {
		var cfg createBucketConfiguration
		if err := xml.Unmarshal(q.body, &cfg); err != nil {
			q.fail(errMalformedXML)
			return
		}
		if cfg.LocationConstraint != "" && cfg.LocationConstraint != region {
			q.fail(errf(http.StatusBadRequest, "IllegalLocationConstraintException", "The %s location constraint is incompatible for the region specific endpoint this request was sent to.", cfg.LocationConstraint))
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.w.Buckets[q.bucket]; ok {
		if b.Account == q.auth.account {
			q.fail(errBucketOwnedByYou)
		} else {
			q.fail(errBucketExists)
		}
		return
	}
	s.w.Buckets[q.bucket] = &bucket{Name: q.bucket, Region: region, Account: q.auth.account,
		Created:    time.Now().UTC().Truncate(time.Second),
		ObjectLock: q.r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled") == "true",
		Objects:    map[string]*object{}}
	if s.w.Buckets[q.bucket].ObjectLock {
		// S3 turns versioning on with object lock.
		s.w.Buckets[q.bucket].Versioning = "Enabled"
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.WriteHeader(http.StatusOK)
}

func (s *Server) headBucket(q *request) {
	s.withBucket(q, "s3:ListBucket", func(b *bucket) {
		q.w.Header().Set("X-Amz-Bucket-Region", b.Region)
		q.w.WriteHeader(http.StatusOK)
	})
}

func (s *Server) deleteBucket(q *request) {
	s.withBucket(q, "s3:DeleteBucket", func(b *bucket) {
		if len(b.Objects) > 0 || len(b.History) > 0 {
			q.fail(errBucketNotEmpty)
			return
		}
		delete(s.w.Buckets, b.Name)
		for id, u := range s.w.Uploads {
			if u.Bucket == b.Name {
				delete(s.w.Uploads, id)
			}
		}
		q.w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) bucketCORS(q *request) {
	switch q.r.Method {
	case http.MethodGet:
		s.withBucket(q, "s3:GetBucketCORS", func(b *bucket) {
			if b.CORS == nil {
				q.fail(errNoSuchCORS)
				return
			}
			body, err := b.CORS.ToXML()
			if err != nil {
				q.fail(errInternal)
				return
			}
			q.w.Header().Set("Content-Type", "application/xml")
			q.w.WriteHeader(http.StatusOK)
			_, _ = q.w.Write(body)
		})
	case http.MethodPut:
		s.withBucket(q, "s3:PutBucketCORS", func(b *bucket) {
			c, err := parseCORS(q.body)
			if err != nil {
				q.fail(err)
				return
			}
			b.CORS = c
			q.w.WriteHeader(http.StatusOK)
		})
	case http.MethodDelete:
		s.withBucket(q, "s3:PutBucketCORS", func(b *bucket) {
			b.CORS = nil
			q.w.WriteHeader(http.StatusNoContent)
		})
	default:
		q.fail(errMethodNotAllowed)
	}
}

func (s *Server) bucketPolicy(q *request) {
	switch q.r.Method {
	case http.MethodGet:
		s.withBucket(q, "s3:GetBucketPolicy", func(b *bucket) {
			if b.Policy == "" {
				q.fail(errNoSuchPolicy)
				return
			}
			q.w.Header().Set("Content-Type", "application/json")
			q.w.WriteHeader(http.StatusOK)
			_, _ = q.w.Write([]byte(b.Policy))
		})
	case http.MethodPut:
		s.withBucket(q, "s3:PutBucketPolicy", func(b *bucket) {
			if _, err := parsePolicy(q.body, q.bucket); err != nil {
				q.fail(err)
				return
			}
			b.Policy = string(q.body)
			q.w.WriteHeader(http.StatusNoContent)
		})
	case http.MethodDelete:
		s.withBucket(q, "s3:DeleteBucketPolicy", func(b *bucket) {
			b.Policy = ""
			q.w.WriteHeader(http.StatusNoContent)
		})
	default:
		q.fail(errMethodNotAllowed)
	}
}

func (s *Server) bucketVersioning(q *request) {
	switch q.r.Method {
	case http.MethodGet:
		s.withBucket(q, "s3:GetBucketVersioning", func(b *bucket) {
			writeXML(q.w, http.StatusOK, versioningConfiguration{Xmlns: xmlns, Status: b.Versioning})
		})
	case http.MethodPut:
		s.withBucket(q, "s3:PutBucketVersioning", func(b *bucket) {
			var v versioningConfiguration
			if err := xml.Unmarshal(q.body, &v); err != nil || (v.Status != "Enabled" && v.Status != "Suspended") {
				q.fail(errMalformedXML)
				return
			}
			if b.ObjectLock && v.Status == "Suspended" {
				q.fail(errf(http.StatusConflict, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."))
				return
			}
			b.Versioning = v.Status
			q.w.WriteHeader(http.StatusOK)
		})
	default:
		q.fail(errMethodNotAllowed)
	}
}
