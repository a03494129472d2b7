package s3test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// minPartSize is S3's smallest part, except for the last one.
const minPartSize = 5 << 20

func (s *Server) initiateUpload(q *request) {
	s.withBucket(q, "s3:PutObject", func(b *bucket) {
		u := &upload{ID: s.nextID("upload-"), Bucket: b.Name, Key: q.key, Account: q.auth.account,
			Initiated: time.Now().UTC(), ContentType: q.r.Header.Get("Content-Type"),
			Meta: userMeta(q.r.Header), Parts: map[int]*object{}}
		s.w.Uploads[u.ID] = u
		writeXML(q.w, http.StatusOK, initiateMultipartUploadResult{Xmlns: xmlns, Bucket: b.Name, Key: q.key, UploadID: u.ID})
	})
}

// withUpload runs f with s.mu held on an upload of the request's bucket and
// key.
func (s *Server) withUpload(q *request, id string, f func(b *bucket, u *upload)) {
	s.withBucket(q, "s3:PutObject", func(b *bucket) {
		u, ok := s.w.Uploads[id]
		if !ok || u.Bucket != b.Name || u.Key != q.key {
			q.fail(errNoSuchUpload)
			return
		}
		f(b, u)
	})
}

func (s *Server) uploadPart(q *request, id, num string) {
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 10000 {
		q.fail(errf(http.StatusBadRequest, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive"))
		return
	}
	if err := checkMD5(q); err != nil {
		q.fail(err)
		return
	}
	s.withUpload(q, id, func(_ *bucket, u *upload) {
		p := newObject(q.body, "", nil)
		u.Parts[n] = p
		q.w.Header().Set("ETag", `"`+p.ETag+`"`)
		q.w.WriteHeader(http.StatusOK)
	})
}

func (s *Server) completeUpload(q *request, id string) {
	var req completeMultipartUpload
	if err := xml.Unmarshal(q.body, &req); err != nil || len(req.Parts) == 0 {
		q.fail(errMalformedXML)
		return
	}
	s.withUpload(q, id, func(b *bucket, u *upload) {
		var data []byte
		sums := md5.New()
		last := 0
		for i, p := range req.Parts {
			if p.PartNumber <= last {
				q.fail(errInvalidPartOrder)
				return
			}
			last = p.PartNumber
			part, ok := u.Parts[p.PartNumber]
			if !ok || strings.Trim(p.ETag, `"`) != part.ETag {
				q.fail(errInvalidPart)
				return
			}
			if i < len(req.Parts)-1 && len(part.Data) < minPartSize {
				q.fail(errEntityTooSmall)
				return
			}
			data = append(data, part.Data...)
			raw, _ := hex.DecodeString(part.ETag)
			sums.Write(raw)
		}
		ct := u.ContentType
		if ct == "" {
			ct = "binary/octet-stream"
		}
		o := newObject(data, ct, u.Meta)
		o.ETag = fmt.Sprintf("%s-%d", hex.EncodeToString(sums.Sum(nil)), len(req.Parts))
		s.store(b, u.Key, o)
		setVersionHeader(q.w, o)
		delete(s.w.Uploads, id)
		writeXML(q.w, http.StatusOK, completeMultipartUploadResult{Xmlns: xmlns, Location: "/" + b.Name + "/" + u.Key,
			Bucket: b.Name, Key: u.Key, ETag: `"` + o.ETag + `"`})
	})
}

func (s *Server) abortUpload(q *request, id string) {
	s.withUpload(q, id, func(_ *bucket, _ *upload) {
		delete(s.w.Uploads, id)
		q.w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Server) listParts(q *request, id string) {
	s.withUpload(q, id, func(b *bucket, u *upload) {
		res := listPartsResult{Xmlns: xmlns, Bucket: b.Name, Key: u.Key, UploadID: id, MaxParts: 1000}
		nums := make([]int, 0, len(u.Parts))
		for n := range u.Parts {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		for _, n := range nums {
			p := u.Parts[n]
			res.Part = append(res.Part, partEntry{PartNumber: n, LastModified: p.Modified.Format(isoTime), ETag: `"` + p.ETag + `"`, Size: len(p.Data)})
		}
		writeXML(q.w, http.StatusOK, res)
	})
}

func (s *Server) listUploads(q *request) {
	prefix := q.r.URL.Query().Get("prefix")
	s.withBucket(q, "s3:ListBucketMultipartUploads", func(b *bucket) {
		res := listMultipartUploadsResult{Xmlns: xmlns, Bucket: b.Name, Prefix: prefix, MaxUploads: 1000}
		for _, u := range s.w.Uploads {
			if u.Bucket == b.Name && strings.HasPrefix(u.Key, prefix) {
				res.Upload = append(res.Upload, uploadEntry{Key: u.Key, UploadID: u.ID, Initiated: u.Initiated.Format(isoTime), StorageClass: "STANDARD"})
			}
		}
		sort.Slice(res.Upload, func(i, j int) bool {
			if res.Upload[i].Key != res.Upload[j].Key {
				return res.Upload[i].Key < res.Upload[j].Key
			}
			return res.Upload[i].UploadID < res.Upload[j].UploadID
		})
		writeXML(q.w, http.StatusOK, res)
	})
}
