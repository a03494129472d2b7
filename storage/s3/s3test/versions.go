package s3test

import (
	"net/http"
	"sort"
	"time"
)

// versionID renders an object's version ID as S3 does.
func versionID(o *object) string {
	if o.VersionID == "" {
		return "null"
	}
	return o.VersionID
}

// store writes o as the key's current version, keeping the previous one in
// History when versioning is enabled. Called with s.mu held.
func (s *Server) store(b *bucket, key string, o *object) {
	if b.Versioning == "Enabled" {
		o.VersionID = s.nextID("v")
		if cur, ok := b.Objects[key]; ok {
			s.pushHistory(b, key, cur)
		}
	} else if cur, ok := b.Objects[key]; ok && cur.VersionID != "" {
		// Suspended: the new "null" version goes on top of kept versions.
		s.pushHistory(b, key, cur)
	}
	b.Objects[key] = o
}

func (s *Server) pushHistory(b *bucket, key string, o *object) {
	if b.History == nil {
		b.History = map[string][]*object{}
	}
	b.History[key] = append([]*object{o}, b.History[key]...)
}

// remove deletes key (or one version of it) and says what it did: the
// version ID removed or created, and whether that is a delete marker.
// Called with s.mu held.
func (s *Server) remove(b *bucket, key, version string) (vid string, marker bool) {
	if version == "" {
		if b.Versioning == "" {
			delete(b.Objects, key)
			return "", false
		}
		if cur, ok := b.Objects[key]; ok {
			s.pushHistory(b, key, cur)
			delete(b.Objects, key)
		}
		dm := &object{DeleteMarker: true, Modified: time.Now().UTC().Truncate(time.Second)}
		if b.Versioning == "Enabled" {
			dm.VersionID = s.nextID("v")
		}
		s.pushHistory(b, key, dm)
		return versionID(dm), true
	}
	if cur, ok := b.Objects[key]; ok && versionID(cur) == version {
		delete(b.Objects, key)
		s.promote(b, key)
		return version, false
	}
	h := b.History[key]
	for i, o := range h {
		if versionID(o) == version {
			b.History[key] = append(h[:i:i], h[i+1:]...)
			if i == 0 && o.DeleteMarker {
				s.promote(b, key)
			}
			if len(b.History[key]) == 0 {
				delete(b.History, key)
			}
			return version, o.DeleteMarker
		}
	}
	return version, false
}

// promote makes the newest kept version current after the current one went,
// unless the newest is a delete marker.
func (s *Server) promote(b *bucket, key string) {
	h := b.History[key]
	if _, ok := b.Objects[key]; ok || len(h) == 0 || h[0].DeleteMarker {
		return
	}
	b.Objects[key] = h[0]
	if b.History[key] = h[1:]; len(b.History[key]) == 0 {
		delete(b.History, key)
	}
}

// findVersion returns one version of key, current or kept.
func findVersion(b *bucket, key, version string) *object {
	if cur, ok := b.Objects[key]; ok && versionID(cur) == version {
		return cur
	}
	for _, o := range b.History[key] {
		if versionID(o) == version {
			return o
		}
	}
	return nil
}

// allKeys lists every key with a current version or kept history, sorted.
func (b *bucket) allKeys() []string {
	seen := map[string]bool{}
	for k := range b.Objects {
		seen[k] = true
	}
	for k := range b.History {
		seen[k] = true
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// versionsOf returns every version of key, newest first, and which is latest.
func (b *bucket) versionsOf(key string) []*object {
	var out []*object
	if cur, ok := b.Objects[key]; ok {
		out = append(out, cur)
	}
	return append(out, b.History[key]...)
}

func setVersionHeader(w http.ResponseWriter, o *object) {
	if o.VersionID != "" {
		w.Header().Set("X-Amz-Version-Id", o.VersionID)
	}
}
