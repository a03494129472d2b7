package robottest

import (
	"encoding/json"
	"net/http"
)

// Robot's error codes that the simulator answers with.
const (
	CodeUnauthorized      = "UNAUTHORIZED"
	CodeBlocked           = "BLOCKED"
	CodeRateLimitExceeded = "RATE_LIMIT_EXCEEDED"
	CodeNotFound          = "NOT_FOUND"
	CodeServerNotFound    = "SERVER_NOT_FOUND"
	CodeInvalidInput      = "INVALID_INPUT"
	CodeKeyExists         = "KEY_ALREADY_EXISTS"
	CodeFirewallInProcess = "FIREWALL_IN_PROCESS"
	CodeProductNotFound   = "PRODUCT_NOT_FOUND"
	CodeTransactionNotFnd = "TRANSACTION_NOT_FOUND"
	CodeNotAllowed        = "NOT_ALLOWED"
	CodeInternalError     = "INTERNAL_ERROR"
	CodeMaintenance       = "MAINTENANCE"
)

type apiError struct {
	Status     int      `json:"status"`
	Code       string   `json:"code"`
	Message    string   `json:"message"`
	Missing    []string `json:"missing,omitempty"`
	Invalid    []string `json:"invalid,omitempty"`
	MaxRequest int      `json:"max_request,omitempty"`
	Interval   int      `json:"interval,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.Status, map[string]apiError{"error": e})
}

func notFound(w http.ResponseWriter, code, msg string) {
	writeErr(w, apiError{Status: http.StatusNotFound, Code: code, Message: msg})
}

func invalid(w http.ResponseWriter, msg string, fields ...string) {
	writeErr(w, apiError{Status: http.StatusBadRequest, Code: CodeInvalidInput, Message: msg, Invalid: fields})
}

func missing(w http.ResponseWriter, fields ...string) {
	writeErr(w, apiError{Status: http.StatusBadRequest, Code: CodeInvalidInput, Message: "invalid input", Missing: fields})
}

// writeFault is the sim.ErrorWriter: injected faults look like Robot's own.
// A RateLimit fault (429) becomes Robot's 403 RATE_LIMIT_EXCEEDED; the
// Retry-After header the knobs set stays.
func writeFault(w http.ResponseWriter, _ *http.Request, status int) {
	switch status {
	case http.StatusTooManyRequests:
		writeErr(w, apiError{Status: http.StatusForbidden, Code: CodeRateLimitExceeded, Message: "Rate limit exceeded", MaxRequest: 200, Interval: 3600})
	case http.StatusServiceUnavailable:
		writeErr(w, apiError{Status: status, Code: CodeMaintenance, Message: "Webservice is in maintenance"})
	case http.StatusUnauthorized:
		writeErr(w, apiError{Status: status, Code: CodeUnauthorized, Message: "Unauthorized"})
	case http.StatusNotFound:
		writeErr(w, apiError{Status: status, Code: CodeNotFound, Message: "Not found"})
	default:
		writeErr(w, apiError{Status: status, Code: CodeInternalError, Message: http.StatusText(status)})
	}
}
