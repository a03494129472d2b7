package s3test

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is an S3 error: a code, its HTTP status and a message.
type apiError struct {
	Code    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// The errors S3 answers with, as AWS documents them.
var (
	errAccessDenied          = &apiError{"AccessDenied", http.StatusForbidden, "Access Denied"}
	errSignatureDoesNotMatch = &apiError{"SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	errInvalidAccessKeyID    = &apiError{"InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records."}
	errNoSuchBucket          = &apiError{"NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist"}
	errNoSuchKey             = &apiError{"NoSuchKey", http.StatusNotFound, "The specified key does not exist."}
	errNoSuchUpload          = &apiError{"NoSuchUpload", http.StatusNotFound, "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."}
	errBucketExists          = &apiError{"BucketAlreadyExists", http.StatusConflict, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."}
	errBucketOwnedByYou      = &apiError{"BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it."}
	errBucketNotEmpty        = &apiError{"BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty"}
	errNoSuchCORS            = &apiError{"NoSuchCORSConfiguration", http.StatusNotFound, "The CORS configuration does not exist"}
	errNoSuchPolicy          = &apiError{"NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist"}
	errNoObjectLock          = &apiError{"ObjectLockConfigurationNotFoundError", http.StatusNotFound, "Object Lock configuration does not exist for this bucket"}
	errMalformedXML          = &apiError{"MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema."}
	errInvalidBucketName     = &apiError{"InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid."}
	errNotImplemented        = &apiError{"NotImplemented", http.StatusNotImplemented, "A header or query you provided implies functionality that is not implemented."}
	errMethodNotAllowed      = &apiError{"MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."}
	errBadDigest             = &apiError{"BadDigest", http.StatusBadRequest, "The Content-MD5 you specified did not match what we received."}
	errSHA256Mismatch        = &apiError{"XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed."}
	errInvalidRange          = &apiError{"InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable"}
	errInvalidPart           = &apiError{"InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag."}
	errInvalidPartOrder      = &apiError{"InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. The parts list must be specified in order by part number."}
	errEntityTooSmall        = &apiError{"EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size."}
	errPrecondition          = &apiError{"PreconditionFailed", http.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold"}
	errInternal              = &apiError{"InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again."}
)

// codeForStatus names the S3 error an injected fault of a status looks like.
func codeForStatus(status int) *apiError {
	switch status {
	case http.StatusTooManyRequests:
		return &apiError{"SlowDown", status, "Please reduce your request rate."}
	case http.StatusServiceUnavailable:
		return &apiError{"ServiceUnavailable", status, "Please reduce your request rate."}
	case http.StatusForbidden:
		return errAccessDenied
	case http.StatusNotFound:
		return &apiError{"NotFound", status, "Not Found"}
	case http.StatusConflict:
		return &apiError{"OperationAborted", status, "A conflicting conditional operation is currently in progress against this resource. Please try again."}
	case http.StatusBadRequest:
		return &apiError{"InvalidRequest", status, "Invalid Request"}
	case http.StatusGatewayTimeout:
		return &apiError{"RequestTimeout", status, "Your socket connection to the server was not read from or written to within the timeout period."}
	}
	return &apiError{"InternalError", status, errInternal.Message}
}

type errorBody struct {
	XMLName    xml.Name `xml:"Error"`
	Code       string
	Message    string
	BucketName string `xml:",omitempty"`
	Key        string `xml:",omitempty"`
	Resource   string
	RequestID  string `xml:"RequestId"`
	HostID     string `xml:"HostId"`
}

// writeError writes e as S3 does: an XML body, except for HEAD requests,
// which carry no body.
func writeError(w http.ResponseWriter, r *http.Request, e *apiError, bucket, key string) {
	reqID := w.Header().Get("X-Amz-Request-Id")
	w.Header().Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		w.WriteHeader(e.Status)
		return
	}
	body, _ := xml.Marshal(errorBody{Code: e.Code, Message: e.Message, BucketName: bucket, Key: key,
		Resource: r.URL.Path, RequestID: reqID, HostID: "s3test"})
	body = append([]byte(xml.Header), body...)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// faultWriter is the sim.ErrorWriter: injected faults look like S3's own.
func faultWriter(w http.ResponseWriter, r *http.Request, status int) {
	writeError(w, r, codeForStatus(status), "", "")
}
