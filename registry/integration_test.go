//go:build integration

package registry_test

import (
	"testing"

	"github.com/assemblekit/assemble/internal/itest"
)

// TestIntegrationDistribution runs the contract table against a real CNCF
// Distribution registry with htpasswd authentication, started by
// scripts/integration.d/registry.sh.
func TestIntegrationDistribution(t *testing.T) {
	const what = "CNCF Distribution registry (docker-registry)"
	addr := itest.Require(t, "ASSEMBLE_REGISTRY_ADDR", what)
	user := itest.Require(t, "ASSEMBLE_REGISTRY_USER", what)
	pw := itest.Require(t, "ASSEMBLE_REGISTRY_PASSWORD", what)
	ro := itest.Require(t, "ASSEMBLE_REGISTRY_READONLY_ADDR", what+", read-only twin")
	runContract(t, contractTarget{Host: addr, User: user, Password: pw, ReadOnlyHost: ro})
}
