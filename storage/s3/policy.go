package s3

import (
	"encoding/json"
	"sort"
	"strings"
)

// publicReadSid names the statement assemble writes.
const publicReadSid = "AssemblePublicRead"

// desiredPolicy returns the bucket policy for prefixes: anyone may GET
// objects under them. "" when there are none.
func desiredPolicy(bucket string, prefixes []string) string {
	if len(prefixes) == 0 {
		return ""
	}
	res := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		res = append(res, "arn:aws:s3:::"+bucket+"/"+p+"*")
	}
	sort.Strings(res)
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":       publicReadSid,
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": []string{"*"}},
			"Action":    []string{"s3:GetObject"},
			"Resource":  res,
		}},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// samePolicy compares two policies by meaning: statement order, list order,
// string-or-list, "*" or {"AWS":"*"}, Sid and whitespace don't matter.
func samePolicy(a, b string) bool {
	if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
		return strings.TrimSpace(a) == strings.TrimSpace(b)
	}
	na, okA := normalizePolicy(a)
	nb, okB := normalizePolicy(b)
	if !okA || !okB {
		return false
	}
	if len(na) != len(nb) {
		return false
	}
	for i := range na {
		if na[i] != nb[i] {
			return false
		}
	}
	return true
}

// normalizePolicy renders each statement as a canonical string, sorted.
func normalizePolicy(doc string) ([]string, bool) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, false
	}
	var stmts []map[string]json.RawMessage
	if err := json.Unmarshal(raw.Statement, &stmts); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, false
		}
		stmts = append(stmts, one)
	}
	out := make([]string, 0, len(stmts))
	for _, st := range stmts {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		parts := []string{
			"effect=" + effect,
			"principal=" + strings.Join(principalSet(st["Principal"]), ","),
			"notprincipal=" + strings.Join(principalSet(st["NotPrincipal"]), ","),
			"action=" + strings.Join(lowerSet(st["Action"]), ","),
			"notaction=" + strings.Join(lowerSet(st["NotAction"]), ","),
			"resource=" + strings.Join(set(st["Resource"]), ","),
			"notresource=" + strings.Join(set(st["NotResource"]), ","),
			"condition=" + canonicalJSON(st["Condition"]),
		}
		out = append(out, strings.Join(parts, ";"))
	}
	sort.Strings(out)
	return out, true
}

func set(m json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	var s string
	var l []string
	if json.Unmarshal(m, &s) == nil {
		l = []string{s}
	} else {
		_ = json.Unmarshal(m, &l)
	}
	sort.Strings(l)
	out := l[:0]
	for i, v := range l {
		if i == 0 || v != l[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func lowerSet(m json.RawMessage) []string {
	l := set(m)
	for i := range l {
		l[i] = strings.ToLower(l[i])
	}
	sort.Strings(l)
	return l
}

// principalSet flattens "*", {"AWS": "*"} and {"AWS": ["*", …]} alike;
// "*" and an AWS "*" both mean everyone.
func principalSet(m json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	if l := set(m); l != nil {
		return l
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(m, &obj) != nil {
		return []string{string(m)}
	}
	var out []string
	for k, v := range obj {
		for _, p := range set(v) {
			if k == "AWS" && p == "*" {
				out = append(out, "*")
			} else {
				out = append(out, k+":"+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func canonicalJSON(m json.RawMessage) string {
	if len(m) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(m, &v) != nil {
		return string(m)
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(b)
}
