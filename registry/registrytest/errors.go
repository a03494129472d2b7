package registrytest

import (
	"encoding/json"
	"net/http"
)

// The registry error codes of the distribution specification that the
// simulator answers with.
const (
	CodeUnauthorized      = "UNAUTHORIZED"
	CodeDenied            = "DENIED"
	CodeNameUnknown       = "NAME_UNKNOWN"
	CodeBlobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
	CodeTooManyRequests   = "TOOMANYREQUESTS"
	CodeUnavailable       = "UNAVAILABLE"
	CodeUnknown           = "UNKNOWN"
)

type diagnostic struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail"`
}

// writeError writes the registry's {"errors":[…]} envelope.
func writeError(w http.ResponseWriter, status int, code, message string, detail any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Errors []diagnostic `json:"errors"`
	}{[]diagnostic{{Code: code, Message: message, Detail: detail}}})
}

// writeInjected is the sim.ErrorWriter: injected faults look like the
// registry's own errors.
func writeInjected(w http.ResponseWriter, _ *http.Request, status int) {
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	switch status {
	case http.StatusTooManyRequests:
		writeError(w, status, CodeTooManyRequests, "too many requests", nil)
	case http.StatusUnauthorized:
		writeError(w, status, CodeUnauthorized, "authentication required", nil)
	case http.StatusForbidden:
		writeError(w, status, CodeDenied, "requested access to the resource is denied", nil)
	case http.StatusNotFound:
		writeError(w, status, CodeNameUnknown, "repository name not known to registry", nil)
	case http.StatusServiceUnavailable:
		writeError(w, status, CodeUnavailable, "service unavailable", nil)
	default:
		writeError(w, status, CodeUnknown, http.StatusText(status), nil)
	}
}
