package s3test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/cors"
)

// world is everything the server stores. It is guarded by Server.mu.
type world struct {
	Creds   map[string]cred    `json:"credentials"` // by access key
	Buckets map[string]*bucket `json:"buckets"`
	Uploads map[string]*upload `json:"uploads"` // by upload ID
	Seq     int                `json:"seq"`
}

type cred struct {
	Secret  string `json:"secret"`
	Account string `json:"account"`
}

type bucket struct {
	Name       string       `json:"name"`
	Region     string       `json:"region"`
	Account    string       `json:"account"`
	Created    time.Time    `json:"created"`
	Policy     string       `json:"policy,omitempty"`
	CORS       *cors.Config `json:"cors,omitempty"`
	Versioning string       `json:"versioning,omitempty"`
	ObjectLock bool         `json:"object_lock,omitempty"`
	// Objects holds the current version of every key that is not deleted.
	Objects map[string]*object `json:"objects"`
	// History holds, per key, older versions and delete markers, newest
	// first. When a key's newest entry is a delete marker it is History[0]
	// and the key is absent from Objects.
	History map[string][]*object `json:"history,omitempty"`
}

type object struct {
	Data        []byte            `json:"data"`
	ContentType string            `json:"content_type,omitempty"`
	ETag        string            `json:"etag"` // without quotes
	Modified    time.Time         `json:"modified"`
	Meta        map[string]string `json:"meta,omitempty"` // x-amz-meta-* lower-cased, without the prefix
	// VersionID is "" for an object written while versioning was never
	// enabled or suspended (S3 calls it "null").
	VersionID string `json:"version_id,omitempty"`
	// DeleteMarker marks a delete marker (no data) in History.
	DeleteMarker bool `json:"delete_marker,omitempty"`
}

type upload struct {
	ID          string            `json:"id"`
	Bucket      string            `json:"bucket"`
	Key         string            `json:"key"`
	Account     string            `json:"account"`
	Initiated   time.Time         `json:"initiated"`
	ContentType string            `json:"content_type,omitempty"`
	Meta        map[string]string `json:"meta,omitempty"`
	Parts       map[int]*object   `json:"parts"`
}

func newWorld() *world {
	return &world{Creds: map[string]cred{}, Buckets: map[string]*bucket{}, Uploads: map[string]*upload{}}
}

func newObject(data []byte, contentType string, meta map[string]string) *object {
	sum := md5.Sum(data)
	return &object{Data: data, ContentType: contentType, ETag: hex.EncodeToString(sum[:]),
		Modified: time.Now().UTC().Truncate(time.Second), Meta: meta}
}

func (b *bucket) sortedKeys() []string {
	keys := make([]string, 0, len(b.Objects))
	for k := range b.Objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// BucketInfo is a snapshot of one bucket, for tests to inspect.
type BucketInfo struct {
	Name    string
	Region  string
	Account string
	Created time.Time
	// Policy is the bucket policy JSON as it was put; empty when none.
	Policy string
	// CORSOrigins lists every AllowedOrigin of every CORS rule, in order.
	CORSOrigins []string
	// CORSRules is the number of CORS rules; zero when there is no CORS
	// configuration.
	CORSRules  int
	Versioning string
	ObjectLock bool
	// Keys lists the object keys, sorted.
	Keys []string
	// Versions counts noncurrent versions and delete markers.
	Versions int
}

func (b *bucket) info() BucketInfo {
	bi := BucketInfo{Name: b.Name, Region: b.Region, Account: b.Account, Created: b.Created, Policy: b.Policy,
		Versioning: b.Versioning, ObjectLock: b.ObjectLock, Keys: b.sortedKeys()}
	for _, h := range b.History {
		bi.Versions += len(h)
	}
	if b.CORS != nil {
		bi.CORSRules = len(b.CORS.CORSRules)
		for _, r := range b.CORS.CORSRules {
			bi.CORSOrigins = append(bi.CORSOrigins, r.AllowedOrigin...)
		}
	}
	return bi
}

// Buckets returns a snapshot of every bucket, sorted by name.
func (s *Server) Buckets() []BucketInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]BucketInfo, 0, len(s.w.Buckets))
	for _, b := range s.w.Buckets {
		out = append(out, b.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Bucket returns a snapshot of one bucket.
func (s *Server) Bucket(name string) (BucketInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.Buckets[name]
	if !ok {
		return BucketInfo{}, false
	}
	return b.info(), true
}

// Object returns a copy of an object's content and whether it exists.
func (s *Server) Object(bucketName, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.Buckets[bucketName]
	if !ok {
		return nil, false
	}
	o, ok := b.Objects[key]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), o.Data...), true
}

// PutObject stores an object directly, without a request (no log entry).
// The bucket must exist.
func (s *Server) PutObject(bucketName, key string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.Buckets[bucketName]
	if !ok {
		return fmt.Errorf("put object %q: no bucket %q", key, bucketName)
	}
	b.Objects[key] = newObject(append([]byte(nil), data...), "application/octet-stream", nil)
	return nil
}

// SetPolicy replaces a bucket's policy directly (empty removes it), as
// someone editing it in a console would: tests use it to make drift.
func (s *Server) SetPolicy(bucketName, policyJSON string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.Buckets[bucketName]
	if !ok {
		return fmt.Errorf("set policy: no bucket %q", bucketName)
	}
	b.Policy = policyJSON
	return nil
}

// SetCORSOrigins replaces a bucket's CORS configuration directly with one
// rule allowing GET from origins (none removes it): a way to make drift.
func (s *Server) SetCORSOrigins(bucketName string, origins ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.w.Buckets[bucketName]
	if !ok {
		return fmt.Errorf("set cors: no bucket %q", bucketName)
	}
	if len(origins) == 0 {
		b.CORS = nil
		return nil
	}
	b.CORS = cors.NewConfig([]cors.Rule{{AllowedOrigin: origins, AllowedMethod: []string{"GET"}}})
	return nil
}

// ForeignAccount is the account SeedForeignBucket's buckets belong to.
const ForeignAccount = "foreign"

// SeedForeignBucket creates a bucket that belongs to another account, as a
// name already taken by someone else on a shared S3 service.
func (s *Server) SeedForeignBucket(name string) {
	s.seedBucket(name, ForeignAccount)
}

// SeedBucket creates a bucket owned by the server's own credentials,
// without a request.
func (s *Server) SeedBucket(name string) {
	s.seedBucket(name, s.account)
}

func (s *Server) seedBucket(name, account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.w.Buckets[name]; ok {
		return
	}
	s.w.Buckets[name] = &bucket{Name: name, Region: s.defaultRegion(), Account: account,
		Created: time.Now().UTC().Truncate(time.Second), Objects: map[string]*object{}}
}

// AddCredentials adds an access key pair belonging to account (the access key
// itself when empty). Buckets made with it belong to that account.
func (s *Server) AddCredentials(accessKey, secretKey, account string) {
	if account == "" {
		account = accessKey
	}
	s.mu.Lock()
	s.w.Creds[accessKey] = cred{Secret: secretKey, Account: account}
	s.mu.Unlock()
}

// Save writes the whole world (credentials, buckets, objects, unfinished
// uploads) as JSON. The request log and armed faults are not saved.
func (s *Server) Save(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	enc := json.NewEncoder(w)
	if err := enc.Encode(s.w); err != nil {
		return fmt.Errorf("save s3 world: %w", err)
	}
	return nil
}

// Load replaces the world with one written by Save. The server's own
// credentials stay valid.
func (s *Server) Load(r io.Reader) error {
	w := newWorld()
	if err := json.NewDecoder(r).Decode(w); err != nil {
		return fmt.Errorf("load s3 world: %w", err)
	}
	for _, b := range w.Buckets {
		for k, h := range b.History {
			if len(h) == 0 {
				delete(b.History, k)
			}
		}
		if b.Objects == nil {
			b.Objects = map[string]*object{}
		}
	}
	for _, u := range w.Uploads {
		if u.Parts == nil {
			u.Parts = map[int]*object{}
		}
	}
	if w.Creds == nil {
		w.Creds = map[string]cred{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Creds[s.accessKey] = cred{Secret: s.secretKey, Account: s.account}
	s.w = w
	return nil
}

// SaveFile saves the world to path (mode 0600: it holds secret keys), via a
// temporary file so a crash never leaves half a file.
func (s *Server) SaveFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("save s3 world: %w", err)
	}
	if err := s.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save s3 world: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save s3 world: %w", err)
	}
	return nil
}

// LoadFile loads a world saved by SaveFile. A missing file is not an error:
// the world stays as it is, so a first run starts empty.
func (s *Server) LoadFile(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load s3 world: %w", err)
	}
	defer f.Close()
	return s.Load(f)
}

func (s *Server) nextID(prefix string) string {
	s.w.Seq++
	return fmt.Sprintf("%s%08d%s", prefix, s.w.Seq, strings.Repeat("0", 8))
}
