// Package registry proves, before the first `kamal setup`, that a container
// registry login works and may push to the app's image repository — the most
// common first-deploy failure (a token without write scope, an empty
// password, an image on ghcr.io with Docker Hub as the registry) — and says
// what Kamal's registry section and image get.
//
// A Spec names the registry, the user, the password (a secret.Value) and the
// image repository. Presets fill in each registry's conventions: DockerHub,
// GHCR, Quay, ECRPublic, GAR and GCR, GitLab, Distribution (self-hosted) and
// Local (Kamal's local registry on localhost:5555, which has nothing to
// check).
//
// Ensure checks the Spec offline first (every field, and that the image's
// registry is the configured server), then speaks the registry protocol with
// go-containerregistry: the version check and, when the registry asks for
// one, the Bearer token exchange for push. Where the token lists what it
// grants — the JWTs of Docker Hub, GitLab, Harbor, quay.io and Distribution's
// token auth carry an "access" claim, which the registry enforces — that
// decides, with two reads and nothing written, so a re-run costs two
// requests. Otherwise (ghcr.io's opaque tokens, Basic auth, or
// WithUploadCheck) it starts a blob upload to the repository — the one
// request that only push permission passes — and cancels it at once. It
// creates nothing, so its Op is always ensure.Unchanged. Failures are
// *CheckError or *MismatchError values that unwrap to the ensure sentinels
// (ErrUnauthorized, ErrForbidden, ErrInvalidSpec, ErrNotFound,
// ErrUnavailable, ErrRateLimited) and say what to fix; the password and the
// token appear in no error and no log line.
//
// Plan runs the same offline checks and the credential check with reads
// only; when the token lists what it grants, Plan knows push permission too.
//
// The simulator in registry/registrytest serves the same protocol with Basic
// or Bearer authentication (signed JWT tokens, or opaque ones); the contract tests run against it and against a
// real CNCF Distribution registry (scripts/integration.d/registry.sh).
package registry
