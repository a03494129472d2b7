package hcloudx

import "github.com/assemblekit/assemble/ensure"

// Sentinel returns the ensure sentinel for a Hetzner Cloud API error code
// (the `error.code` of its envelope), for both resource providers. Unknown
// codes are treated as transient: ensure.ErrUnavailable.
func Sentinel(code string) error {
	switch code {
	case "unauthorized", "token_readonly":
		return ensure.ErrUnauthorized
	case "forbidden", "maintenance", "protected":
		return ensure.ErrForbidden
	case "resource_limit_exceeded":
		return ensure.ErrQuota
	case "not_found", "firewall_resource_not_found":
		return ensure.ErrNotFound
	case "uniqueness_error", "conflict", "locked", "firewall_already_applied", "resource_in_use":
		return ensure.ErrConflict
	case "rate_limit_exceeded":
		return ensure.ErrRateLimited
	case "invalid_input", "json_error", "invalid_server_type":
		return ensure.ErrInvalidSpec
	case "resource_unavailable", "placement_error", "unsupported_error", "incorrect_zone_mode":
		return ensure.ErrPrecondition
	case "timeout":
		return ensure.ErrTimeout
	}
	return ensure.ErrUnavailable
}
