// Package registrytest is an in-process container registry for tests: the
// OCI distribution API of go-containerregistry's pkg/registry behind the two
// ways real registries authenticate.
//
//   - Basic (the default) answers like a CNCF Distribution registry with an
//     htpasswd file: 401 with `WWW-Authenticate: Basic realm=…` and
//     credentials on every request.
//   - Bearer answers like Docker Hub and ghcr.io: 401 with
//     `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, a token endpoint
//     (at /token on the same host) that checks the user's password and grants
//     only the scopes that user holds, and bearer tokens on every request.
//     Tokens are JWTs signed with ES256 whose "access" claim lists what they
//     grant, as Distribution's token servers issue (VerifyToken reads one);
//     WithOpaqueTokens issues tokens that say nothing, as ghcr.io's.
//
// Users are added with AddUser and hold scopes ("pull", "push", "delete", or
// per repository "me/shop:pull"). A user without push on a repository is
// refused with 403 DENIED, as ghcr.io and quay.io do, or — with
// WithDenyUnauthorized — with 401 and error="insufficient_scope", as Docker
// Hub and Distribution's token auth do.
//
// Upload sessions are tracked like Distribution tracks them: DELETE of an
// upload's Location cancels it (204), a second DELETE answers 404
// BLOB_UPLOAD_UNKNOWN, and OpenUploads tells a test whether a client left one
// behind.
//
// Transport routes requests for any host to the simulator, so a login for
// ghcr.io or docker.io can be checked against it without leaving the machine
// (with WithRealm naming the vendor's token endpoint).
//
// Every request passes through a sim.Knobs (Knobs) for latency, injected
// faults and the request log; injected errors use the registry's own
// {"errors":[{code,message}]} envelope. The server listens only on loopback.
package registrytest
