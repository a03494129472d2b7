package registry

import "strings"

// What to tell a person, per registry, about the user, the password, and
// what push permission takes there.

func userHint(host string) string {
	switch {
	case host == "ghcr.io":
		return "your GitHub user or organization member name"
	case host == "quay.io":
		return "a robot account, ORG+NAME"
	case host == "public.ecr.aws":
		return "AWS"
	case host == "registry.gitlab.com":
		return "a deploy token's username, gitlab+deploy-token-N"
	case garHost.MatchString(host):
		return "_json_key_base64, _json_key or oauth2accesstoken"
	case host == DockerHubServer:
		return "your Docker Hub user"
	}
	return "the user the registry's login accepts, e.g. from its htpasswd file"
}

func passwordHint(host string) string {
	switch {
	case host == "ghcr.io":
		return "a GitHub personal access token with write:packages"
	case host == "quay.io":
		return "the robot account's token"
	case host == "public.ecr.aws":
		return "the output of `aws ecr-public get-login-password --region us-east-1`"
	case host == "registry.gitlab.com":
		return "a deploy token with write_registry"
	case garHost.MatchString(host):
		return "a service-account key (base64) with roles/artifactregistry.writer"
	case host == DockerHubServer:
		return "a Docker Hub access token with Read & Write scope"
	}
	return "the registry password or token"
}

// unauthorizedFix says what to do when the credentials are refused.
func unauthorizedFix(host, user string) string {
	return "check registry.username " + quote(user) + " and " + DefaultPasswordSecret + " (" + passwordHint(host) + ")"
}

// forbiddenFix says what to do when the credentials work but may not push.
func forbiddenFix(host, user, repo string) string {
	switch {
	case host == "ghcr.io":
		return "use a token with write:packages, and give " + quote(user) + " write access to the package " + repo + " (package settings → Manage access)"
	case host == DockerHubServer:
		return "use an access token with Read & Write scope, and check that " + quote(user) + " may push to " + repo
	case host == "quay.io":
		return "give the robot account write permission on the repository " + repo
	case host == "registry.gitlab.com":
		return "use a deploy token with write_registry on the project " + repo
	case garHost.MatchString(host):
		return "grant the service account roles/artifactregistry.writer on the repository"
	}
	return "grant " + quote(user) + " push permission on " + repo
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
