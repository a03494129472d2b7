package hetznertest

import (
	"encoding/json"
	"net/http"
)

// apiError is an error the simulator answers with.
type apiError struct {
	status  int
	code    string
	message string
	details any
}

// Error renders the code and message.
func (e *apiError) Error() string { return e.code + ": " + e.message }

func errf(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

func invalidInput(field, message string) *apiError {
	return &apiError{status: 422, code: "invalid_input", message: "invalid input in field '" + field + "'",
		details: map[string]any{"fields": []map[string]any{{"name": field, "messages": []string{message}}}}}
}

func notFound(what string) *apiError {
	return errf(404, "not_found", what+" not found")
}

func uniqueness(field string) *apiError {
	return &apiError{status: 409, code: "uniqueness_error", message: "SSH key with the same " + field + " already exists",
		details: map[string]any{"fields": []map[string]any{{"name": field}}}}
}

// codeFor maps a status to the code Hetzner uses for it.
func codeFor(status int) string {
	switch status {
	case 400:
		return "json_error"
	case 401:
		return "unauthorized"
	case 403:
		return "forbidden"
	case 404:
		return "not_found"
	case 409:
		return "conflict"
	case 412:
		return "resource_unavailable"
	case 422:
		return "invalid_input"
	case 423:
		return "locked"
	case 429:
		return "rate_limit_exceeded"
	case 502:
		return "bad_gateway"
	case 503:
		return "unavailable"
	case 504:
		return "timeout"
	}
	return "server_error"
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"error": map[string]any{"code": e.code, "message": e.message, "details": e.details}}
	writeJSON(w, e.status, body)
}

// writeStatusError is the sim.ErrorWriter: injected faults look like
// Hetzner's own errors.
func writeStatusError(w http.ResponseWriter, _ *http.Request, status int) {
	msg := http.StatusText(status)
	if status == 429 {
		msg = "limit of 3600 requests per hour reached"
	}
	writeError(w, errf(status, codeFor(status), msg))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}
