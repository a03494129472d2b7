package s3test

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// readBody reads the request body and checks it against the payload hash the
// request declared: a hex SHA-256, UNSIGNED-PAYLOAD, or one of the
// aws-chunked streaming forms (whose chunk signatures are checked in turn).
func readBody(r *http.Request, a *auth, limit int64) ([]byte, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, errf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	if int64(len(raw)) > limit {
		return nil, errf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if a.anonymous || a.presigned {
		payload = unsignedPayload
		if h := r.Header.Get("X-Amz-Content-Sha256"); h == unsignedTrailer {
			payload = h
		}
	}
	switch payload {
	case unsignedPayload:
		return raw, nil
	case streamingPayload, streamingTrailer:
		return decodeChunks(raw, a, true, r.Header.Get("X-Amz-Decoded-Content-Length"))
	case unsignedTrailer:
		return decodeChunks(raw, a, false, r.Header.Get("X-Amz-Decoded-Content-Length"))
	}
	sum := sha256.Sum256(raw)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), payload) {
		return nil, errSHA256Mismatch
	}
	return raw, nil
}

// decodeChunks decodes an aws-chunked body: "hex-size[;chunk-signature=sig]
// CRLF data CRLF" repeated, ending with a zero-size chunk and optional
// trailer lines.
func decodeChunks(raw []byte, a *auth, signed bool, decodedLen string) ([]byte, *apiError) {
	bad := errf(http.StatusBadRequest, "IncompleteBody", "The aws-chunked body is malformed.")
	br := bufio.NewReader(bytes.NewReader(raw))
	var out bytes.Buffer
	prev := a.signature
	for i := 0; ; i++ {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, bad
		}
		line = strings.TrimRight(line, "\r\n")
		sizeStr, ext, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(sizeStr, 16, 64)
		if err != nil || size < 0 || size > int64(len(raw)) {
			return nil, bad
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, bad
		}
		if signed && !a.anonymous {
			sig, ok := strings.CutPrefix(ext, "chunk-signature=")
			if !ok {
				return nil, errSignatureDoesNotMatch
			}
			sum := sha256.Sum256(data)
			sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + a.amzDate + "\n" + a.scope + "\n" + prev + "\n" + emptySHA256 + "\n" + hex.EncodeToString(sum[:])
			want := sign(sts, a.date, a.secret, a.region)
			if !hmac.Equal([]byte(want), []byte(sig)) {
				return nil, errSignatureDoesNotMatch
			}
			prev = want
		}
		out.Write(data)
		if size == 0 {
			// Trailers (checksums, a trailer signature) follow; the
			// simulator does not check them.
			break
		}
		if crlf, err := br.ReadString('\n'); err != nil || strings.TrimRight(crlf, "\r\n") != "" {
			return nil, bad
		}
	}
	if decodedLen != "" {
		if n, err := strconv.ParseInt(decodedLen, 10, 64); err == nil && n != int64(out.Len()) {
			return nil, bad
		}
	}
	return out.Bytes(), nil
}
