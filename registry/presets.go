package registry

import (
	"net/url"
	"strings"

	"github.com/assemblekit/assemble/secret"
)

// KamalLocal is the server of Kamal's local registry, which Kamal runs on
// each host and pushes to over SSH tunnels.
const KamalLocal = "localhost:5555"

// DockerHub is a Docker Hub login: user and an access token with Read &
// Write scope. image is "user/name" (or "docker.io/user/name"). Docker Hub is
// also what Kamal uses when registry.server is unset; the Login names it
// explicitly as docker.io.
func DockerHub(user string, token secret.Value, image string) Spec {
	return Spec{Server: DockerHubServer, Username: user, Password: token, Image: image}
}

// GHCR is a GitHub Container Registry login: the GitHub user and a personal
// access token with write:packages (classic) or a fine-grained token with
// packages write. image is "owner/name" (or "ghcr.io/owner/name").
func GHCR(user string, token secret.Value, image string) Spec {
	return Spec{Server: "ghcr.io", Username: user, Password: token, Image: image}
}

// Quay is a quay.io login with a robot account ("org+name") and its token.
// image is "org/name".
func Quay(robot string, token secret.Value, image string) Spec {
	return Spec{Server: "quay.io", Username: robot, Password: token, Image: image}
}

// ECRPublic is an Amazon ECR Public login: user AWS and the output of
// `aws ecr-public get-login-password --region us-east-1` (valid for 12
// hours). image is "alias/name".
func ECRPublic(password secret.Value, image string) Spec {
	return Spec{Server: "public.ecr.aws", Username: "AWS", Password: password, Image: image}
}

// GAR is a Google Artifact Registry login in region ("europe-west3" →
// europe-west3-docker.pkg.dev). key is a service-account key with
// roles/artifactregistry.writer — base64-encoded (user _json_key_base64, as
// Kamal's docs recommend), raw JSON (user _json_key) — or an OAuth access
// token "ya29.…" (user oauth2accesstoken). image is
// "PROJECT/REPOSITORY/name".
func GAR(region string, key secret.Value, image string) Spec {
	return Spec{Server: region + "-docker.pkg.dev", Username: googleUser(key), Password: key, Image: image}
}

// GCR is a Google Container Registry login on gcr.io, with a key as for GAR.
// image is "PROJECT/name".
func GCR(key secret.Value, image string) Spec {
	return Spec{Server: "gcr.io", Username: googleUser(key), Password: key, Image: image}
}

func googleUser(key secret.Value) string {
	k := strings.TrimSpace(key.Reveal())
	switch {
	case strings.HasPrefix(k, "{"):
		return "_json_key"
	case strings.HasPrefix(k, "ya29."):
		return "oauth2accesstoken"
	}
	return "_json_key_base64"
}

// GitLab is a registry.gitlab.com login: a deploy token's username
// ("gitlab+deploy-token-N") and the token, with write_registry. image is
// "group/project" or "group/project/name".
func GitLab(user string, token secret.Value, image string) Spec {
	return Spec{Server: "registry.gitlab.com", Username: user, Password: token, Image: image}
}

// Distribution is a self-hosted registry (CNCF Distribution, Harbor, Zot…).
// rawURL is its address: "https://registry.example.com",
// "registry.example.com:5000", or "http://127.0.0.1:5000" — plain HTTP is
// honoured only for loopback hosts (Validate refuses the others).
func Distribution(rawURL, user string, password secret.Value, image string) Spec {
	s := Spec{Username: user, Password: password, Image: image}
	u := strings.TrimSpace(rawURL)
	if strings.Contains(u, "://") {
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			s.Server = p.Host
			s.Insecure = p.Scheme == "http"
			return s
		}
	}
	s.Server = strings.TrimSuffix(u, "/")
	return s
}

// Local is Kamal's local registry (localhost:5555): no credentials, and
// nothing to check but the form of the server. image is the bare name
// ("shop").
func Local(image string) Spec {
	return Spec{Server: KamalLocal, Image: image}
}
