package cloudflaretest

import (
	"encoding/json"
	"net/http"
)

// apiError is one entry of the envelope's errors array.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type envelope struct {
	Success    bool        `json:"success"`
	Errors     []apiError  `json:"errors"`
	Messages   []apiError  `json:"messages"`
	Result     any         `json:"result"`
	ResultInfo *resultInfo `json:"result_info,omitempty"`
}

type resultInfo struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Count      int `json:"count"`
	TotalCount int `json:"total_count"`
	TotalPages int `json:"total_pages"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeResult(w http.ResponseWriter, status int, result any, info *resultInfo) {
	writeJSON(w, status, envelope{Success: true, Errors: []apiError{}, Messages: []apiError{}, Result: result, ResultInfo: info})
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, envelope{Success: false, Errors: []apiError{{Code: code, Message: msg}}, Messages: []apiError{}, Result: nil})
}

// errorForStatus writes the envelope Cloudflare sends for a bare status, for
// faults injected through sim.Knobs.
func errorForStatus(w http.ResponseWriter, _ *http.Request, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		writeError(w, status, codeRateLimited, "More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed")
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		writeError(w, status, codeAuthError, "Authentication error")
	case status == http.StatusNotFound:
		writeError(w, status, codeRecordNotFound, "Record does not exist.")
	case status >= 500:
		writeError(w, status, codeInternal, "Internal server error")
	default:
		writeError(w, status, codeBadRequest, http.StatusText(status))
	}
}

// Cloudflare's error codes the simulator sends.
const (
	// CodeInvalidToken is sent by /user/tokens/verify for an unknown token.
	CodeInvalidToken = 1000
	// CodeBadRequest: malformed request headers or body.
	CodeBadRequest = 6003
	// CodeNoRoute: unknown path or object identifier (an unknown zone ID).
	CodeNoRoute = 7003
	// CodeInvalidContent: the record content is invalid for its type.
	CodeInvalidContent = 9005
	// CodeInvalidName: the record name is invalid.
	CodeInvalidName = 9000
	// CodeInvalidTTL: the TTL is out of range.
	CodeInvalidTTL = 9021
	// CodeInvalidType: unsupported record type.
	CodeInvalidType = 9008
	// CodeProxyNotAllowed: the record type can't be proxied.
	CodeProxyNotAllowed = 9041
	// CodeBadToken: the token was refused for this request.
	CodeBadToken = 9109
	// CodeAuthError: the token may not perform this request.
	CodeAuthError = 10000
	// CodeRateLimited: more than the allowed requests per window.
	CodeRateLimited = 971
	// CodeInternal: an internal error (injected 5xx).
	CodeInternal = 10001
	// CodeRecordNotFound: no record with that ID.
	CodeRecordNotFound = 81044
	// CodeCNAMEClash: a CNAME can't coexist with A, AAAA or CNAME at a name.
	CodeCNAMEClash = 81053
	// CodeHostHasCNAME: an A or AAAA can't be added where a CNAME is.
	CodeHostHasCNAME = 81054
	// CodeRecordExists: the record already exists.
	CodeRecordExists = 81057
	// CodeIdenticalRecord: an identical record (name, type, content) exists.
	CodeIdenticalRecord = 81058
)

const (
	codeBadRequest     = CodeBadRequest
	codeAuthError      = CodeAuthError
	codeRateLimited    = CodeRateLimited
	codeInternal       = CodeInternal
	codeRecordNotFound = CodeRecordNotFound
)
