package s3test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
)

func (s *Server) objectOp(q *request) {
	vals := q.r.URL.Query()
	_, hasUploads := vals["uploads"]
	uploadID := vals.Get("uploadId")
	m := q.r.Method
	switch {
	case uploadID != "" && m == http.MethodPut:
		s.uploadPart(q, uploadID, vals.Get("partNumber"))
	case uploadID != "" && m == http.MethodPost:
		s.completeUpload(q, uploadID)
	case uploadID != "" && m == http.MethodDelete:
		s.abortUpload(q, uploadID)
	case uploadID != "" && m == http.MethodGet:
		s.listParts(q, uploadID)
	case hasUploads && m == http.MethodPost:
		s.initiateUpload(q)
	case m == http.MethodPut && q.r.Header.Get("X-Amz-Copy-Source") != "":
		q.fail(errNotImplemented)
	case m == http.MethodPut && !hasSubresource(vals):
		s.putObject(q)
	case (m == http.MethodGet || m == http.MethodHead) && !hasSubresource(vals):
		s.getObject(q)
	case m == http.MethodDelete && !hasSubresource(vals):
		s.deleteObject(q)
	default:
		q.fail(errNotImplemented)
	}
}

// hasSubresource reports whether the query names something other than the
// signature and response overrides.
func hasSubresource(v map[string][]string) bool {
	for k := range v {
		if !strings.HasPrefix(k, "X-Amz-") && !strings.HasPrefix(k, "response-") && k != "versionId" {
			return true
		}
	}
	return false
}

func userMeta(h http.Header) map[string]string {
	var meta map[string]string
	for k, v := range h {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-meta-") && len(v) > 0 {
			if meta == nil {
				meta = map[string]string{}
			}
			meta[strings.TrimPrefix(lk, "x-amz-meta-")] = v[0]
		}
	}
	return meta
}

func checkMD5(q *request) *apiError {
	if want := q.r.Header.Get("Content-Md5"); want != "" {
		sum := md5.Sum(q.body)
		if base64.StdEncoding.EncodeToString(sum[:]) != want {
			return errBadDigest
		}
	}
	return nil
}

func (s *Server) putObject(q *request) {
	if len(q.key) > 1024 {
		q.fail(errf(http.StatusBadRequest, "KeyTooLongError", "Your key is too long"))
		return
	}
	if err := checkMD5(q); err != nil {
		q.fail(err)
		return
	}
	ct := q.r.Header.Get("Content-Type")
	if ct == "" {
		ct = "binary/octet-stream"
	}
	s.withBucket(q, "s3:PutObject", func(b *bucket) {
		if q.r.Header.Get("If-None-Match") == "*" {
			if _, ok := b.Objects[q.key]; ok {
				q.fail(errPrecondition)
				return
			}
		}
		o := newObject(q.body, ct, userMeta(q.r.Header))
		s.store(b, q.key, o)
		setVersionHeader(q.w, o)
		q.w.Header().Set("ETag", `"`+o.ETag+`"`)
		q.w.WriteHeader(http.StatusOK)
	})
}

func (s *Server) getObject(q *request) {
	s.mu.Lock()
	b, ok := s.w.Buckets[q.bucket]
	if !ok {
		s.mu.Unlock()
		q.fail(errNoSuchBucket)
		return
	}
	if err := s.authorize(q, b, "s3:GetObject"); err != nil {
		s.mu.Unlock()
		q.fail(err)
		return
	}
	o, ok := b.Objects[q.key]
	if v := q.r.URL.Query().Get("versionId"); v != "" {
		o = findVersion(b, q.key, v)
		if o == nil || o.DeleteMarker {
			s.mu.Unlock()
			if o != nil {
				q.fail(errMethodNotAllowed)
			} else {
				q.fail(&apiError{"NoSuchVersion", http.StatusNotFound, "The specified version does not exist."})
			}
			return
		}
		ok = true
	}
	if !ok {
		// AWS answers AccessDenied here to a caller without s3:ListBucket;
		// versitygw and Ceph RGW (Hetzner) answer NoSuchKey once
		// s3:GetObject is granted, and so does the simulator.
		s.mu.Unlock()
		q.fail(errNoSuchKey)
		return
	}
	data, etag, ct, mod, meta := o.Data, o.ETag, o.ContentType, o.Modified, o.Meta
	setVersionHeader(q.w, o)
	s.mu.Unlock()

	h := q.w.Header()
	h.Set("ETag", `"`+etag+`"`)
	h.Set("Last-Modified", mod.Format(http.TimeFormat))
	h.Set("Content-Type", ct)
	h.Set("Accept-Ranges", "bytes")
	for k, v := range meta {
		h.Set("X-Amz-Meta-"+k, v)
	}
	if inm := q.r.Header.Get("If-None-Match"); inm != "" && strings.Trim(inm, `"`) == etag {
		q.w.WriteHeader(http.StatusNotModified)
		return
	}
	if im := q.r.Header.Get("If-Match"); im != "" && strings.Trim(im, `"`) != etag {
		q.fail(errPrecondition)
		return
	}
	status := http.StatusOK
	if rg := q.r.Header.Get("Range"); rg != "" {
		start, end, ok := parseRange(rg, int64(len(data)))
		if !ok {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			q.fail(errInvalidRange)
			return
		}
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(data)))
		data = data[start : end+1]
		status = http.StatusPartialContent
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	q.w.WriteHeader(status)
	if q.r.Method == http.MethodGet {
		_, _ = q.w.Write(data)
	}
}

// parseRange parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range.
func parseRange(h string, size int64) (start, end int64, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	switch {
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		if n > size {
			n = size
		}
		return size - n, size - 1, size > 0
	default:
		s, err := strconv.ParseInt(a, 10, 64)
		if err != nil || s >= size {
			return 0, 0, false
		}
		e := size - 1
		if b != "" {
			if e2, err := strconv.ParseInt(b, 10, 64); err == nil && e2 < e {
				if e2 < s {
					return 0, 0, false
				}
				e = e2
			}
		}
		return s, e, true
	}
}

func (s *Server) deleteObject(q *request) {
	s.withBucket(q, "s3:DeleteObject", func(b *bucket) {
		vid, marker := s.remove(b, q.key, q.r.URL.Query().Get("versionId"))
		if vid != "" && vid != "null" {
			q.w.Header().Set("X-Amz-Version-Id", vid)
		}
		if marker {
			q.w.Header().Set("X-Amz-Delete-Marker", "true")
		}
		q.w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) deleteObjects(q *request) {
	if q.r.Header.Get("Content-Md5") == "" && q.r.Header.Get("X-Amz-Checksum-Crc32") == "" &&
		q.r.Header.Get("X-Amz-Checksum-Crc32c") == "" && q.r.Header.Get("X-Amz-Checksum-Sha256") == "" &&
		q.r.Header.Get("X-Amz-Checksum-Crc64nvme") == "" && q.r.Header.Get("X-Amz-Sdk-Checksum-Algorithm") == "" {
		q.fail(errf(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: Content-MD5"))
		return
	}
	if err := checkMD5(q); err != nil {
		q.fail(err)
		return
	}
	var req deleteRequest
	if err := xml.Unmarshal(q.body, &req); err != nil || len(req.Objects) == 0 || len(req.Objects) > 1000 {
		q.fail(errMalformedXML)
		return
	}
	s.withBucket(q, "s3:DeleteObject", func(b *bucket) {
		res := deleteResult{Xmlns: xmlns}
		for _, o := range req.Objects {
			vid, marker := s.remove(b, o.Key, o.VersionID)
			if !req.Quiet {
				d := deletedEntry{Key: o.Key, VersionID: o.VersionID}
				if marker {
					d.DeleteMarker = true
					d.DeleteMarkerVersionID = vid
				}
				res.Deleted = append(res.Deleted, d)
			}
		}
		writeXML(q.w, http.StatusOK, res)
	})
}

func (s *Server) listObjects(q *request) {
	v := q.r.URL.Query()
	_, versions := v["versions"]
	v2 := v.Get("list-type") == "2"
	action := "s3:ListBucket"
	if versions {
		action = "s3:ListBucketVersions"
	}
	prefix, delim := v.Get("prefix"), v.Get("delimiter")
	maxKeys := 1000
	if mk := v.Get("max-keys"); mk != "" {
		n, err := strconv.Atoi(mk)
		if err != nil || n < 0 {
			q.fail(errf(http.StatusBadRequest, "InvalidArgument", "Provided max-keys not an integer or within integer range"))
			return
		}
		maxKeys = min(n, 1000)
	}
	marker := v.Get("marker")
	switch {
	case versions:
		marker = v.Get("key-marker")
	case v2 && v.Get("continuation-token") != "":
		tok, err := base64.RawURLEncoding.DecodeString(v.Get("continuation-token"))
		if err != nil {
			q.fail(errf(http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect"))
			return
		}
		marker = string(tok)
	case v2:
		marker = v.Get("start-after")
	}
	enc := func(s string) string { return s }
	encType := ""
	if v.Get("encoding-type") == "url" {
		enc, encType = s3utils.EncodePath, "url"
	}
	s.withBucket(q, action, func(b *bucket) {
		var contents []objectEntry
		var prefixes []commonPrefix
		seen := map[string]bool{}
		truncated, next := false, ""
		keys := b.sortedKeys()
		if versions {
			keys = b.allKeys()
		}
		var versionEntries []versionEntry
		for _, k := range keys {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			if marker != "" && (k <= marker || (delim != "" && strings.HasSuffix(marker, delim) && strings.HasPrefix(k, marker))) {
				continue
			}
			entry := k
			isPrefix := false
			if delim != "" {
				if i := strings.Index(k[len(prefix):], delim); i >= 0 {
					entry, isPrefix = k[:len(prefix)+i+len(delim)], true
					if seen[entry] {
						continue
					}
				}
			}
			if len(contents)+len(prefixes) >= maxKeys {
				truncated = true
				break
			}
			next = entry
			if isPrefix {
				seen[entry] = true
				prefixes = append(prefixes, commonPrefix{Prefix: enc(entry)})
				continue
			}
			if versions {
				contents = append(contents, objectEntry{Key: k})
				for i, o := range b.versionsOf(k) {
					e := versionEntry{XMLName: xml.Name{Local: "Version"}, Key: enc(k), VersionID: versionID(o), IsLatest: i == 0,
						LastModified: o.Modified.Format(isoTime)}
					if o.DeleteMarker {
						e.XMLName.Local = "DeleteMarker"
					} else {
						e.ETag, e.Size, e.StorageClass = `"`+o.ETag+`"`, len(o.Data), "STANDARD"
					}
					versionEntries = append(versionEntries, e)
				}
				continue
			}
			o := b.Objects[k]
			contents = append(contents, objectEntry{Key: enc(k), LastModified: o.Modified.Format(isoTime),
				ETag: `"` + o.ETag + `"`, Size: len(o.Data), StorageClass: "STANDARD"})
		}
		if versions {
			res := listVersionsResult{Xmlns: xmlns, Name: b.Name, Prefix: enc(prefix), KeyMarker: marker, MaxKeys: maxKeys,
				Delimiter: enc(delim), EncodingType: encType, IsTruncated: truncated, CommonPrefixes: prefixes}
			if truncated {
				res.NextKeyMarker, res.NextVersionIDMarker = enc(next), "null"
			}
			res.Version = versionEntries
			writeXML(q.w, http.StatusOK, res)
			return
		}
		res := listBucketResult{Xmlns: xmlns, Name: b.Name, Prefix: enc(prefix), MaxKeys: maxKeys, Delimiter: enc(delim),
			EncodingType: encType, IsTruncated: truncated, Contents: contents, CommonPrefixes: prefixes}
		if v2 {
			n := len(contents) + len(prefixes)
			res.KeyCount = &n
			res.StartAfter = enc(v.Get("start-after"))
			res.ContinuationToken = v.Get("continuation-token")
			if truncated {
				res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(next))
			}
		} else {
			res.Marker = enc(marker)
			if truncated && delim != "" {
				res.NextMarker = enc(next)
			}
		}
		writeXML(q.w, http.StatusOK, res)
	})
}
