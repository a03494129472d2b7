package s3test

import (
	"encoding/json"
	"net/http"
	"path"
	"strings"
)

// statement is one bucket-policy statement, with the fields that may be a
// string or a list already widened to lists.
type statement struct {
	Effect    string
	Principal []string // "*" or AWS principals
	Action    []string
	Resource  []string
	Condition bool // the statement has conditions (not evaluated: never matches)
}

// parsePolicy validates a bucket policy as S3 does for the fields it
// enforces, and returns its statements.
func parsePolicy(doc []byte, bucketName string) ([]statement, *apiError) {
	malformed := func(msg string) *apiError { return errf(http.StatusBadRequest, "MalformedPolicy", "%s", msg) }
	var raw struct {
		Version   string
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, malformed("Policies must be valid JSON and the first byte must be '{'")
	}
	if raw.Version != "" && raw.Version != "2012-10-17" && raw.Version != "2008-10-17" {
		return nil, malformed("The policy must contain a valid version string")
	}
	var rawStmts []map[string]json.RawMessage
	if err := json.Unmarshal(raw.Statement, &rawStmts); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw.Statement, &one); err != nil || one == nil {
			return nil, malformed("Missing required field Statement")
		}
		rawStmts = []map[string]json.RawMessage{one}
	}
	if len(rawStmts) == 0 {
		return nil, malformed("Could not parse the policy: Statement is empty!")
	}
	var out []statement
	for _, rs := range rawStmts {
		var st statement
		_ = json.Unmarshal(rs["Effect"], &st.Effect)
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, malformed("Invalid effect: " + st.Effect)
		}
		st.Principal = principals(rs["Principal"])
		if len(st.Principal) == 0 {
			return nil, malformed("Missing required field Principal")
		}
		st.Action = stringOrList(rs["Action"])
		if len(st.Action) == 0 {
			return nil, malformed("Missing required field Action")
		}
		for _, a := range st.Action {
			if a != "*" && !strings.HasPrefix(a, "s3:") {
				return nil, malformed("Policy has invalid action")
			}
		}
		st.Resource = stringOrList(rs["Resource"])
		if len(st.Resource) == 0 {
			return nil, malformed("Missing required field Resource")
		}
		for _, res := range st.Resource {
			b := strings.TrimPrefix(res, "arn:aws:s3:::")
			if b == res || (b != bucketName && !strings.HasPrefix(b, bucketName+"/")) {
				return nil, malformed("Policy has invalid resource")
			}
		}
		_, st.Condition = rs["Condition"]
		out = append(out, st)
	}
	return out, nil
}

func stringOrList(m json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(m, &s) == nil {
		return []string{s}
	}
	var l []string
	_ = json.Unmarshal(m, &l)
	return l
}

func principals(m json.RawMessage) []string {
	if out := stringOrList(m); out != nil {
		return out
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(m, &obj) != nil {
		return nil
	}
	var out []string
	for _, v := range obj {
		out = append(out, stringOrList(v)...)
	}
	return out
}

// allowsAnonymous reports whether the policy lets anyone do action on
// resource (an ARN). Deny wins over Allow; statements with conditions are
// not evaluated and never match.
func allowsAnonymous(policy, bucketName, action, resource string) bool {
	if policy == "" {
		return false
	}
	stmts, err := parsePolicy([]byte(policy), bucketName)
	if err != nil {
		return false
	}
	allowed := false
	for _, st := range stmts {
		if st.Condition || !contains(st.Principal, "*") || !matchAny(st.Action, action) || !matchAny(st.Resource, resource) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard(p, s) {
			return true
		}
	}
	return false
}

// wildcard matches s against an IAM pattern where * is any run and ? any one
// character (path.Match would stop * at slashes).
func wildcard(p, s string) bool {
	if !strings.ContainsAny(p, "*?") {
		return p == s
	}
	if p == "*" {
		return true
	}
	// Escape path.Match's other metacharacters and let * cross slashes by
	// matching on a slash-free rendering.
	const sep = "\x00"
	p2 := strings.NewReplacer("[", "\\[", "]", "\\]", "\\", "\\\\", "/", sep).Replace(p)
	ok, _ := path.Match(p2, strings.ReplaceAll(s, "/", sep))
	return ok
}
