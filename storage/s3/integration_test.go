//go:build integration

package s3_test

import (
	"os"
	"testing"

	"github.com/assemblekit/assemble/internal/itest"
)

// TestIntegrationContractVersityGW runs the contract table against a real S3
// server (versitygw, started by scripts/integration.d/versitygw.sh).
func TestIntegrationContractVersityGW(t *testing.T) {
	endpoint := itest.Require(t, "ASSEMBLE_S3_ENDPOINT", "a real S3 server (versitygw)")
	tg := target{
		endpoint:       endpoint,
		region:         os.Getenv("ASSEMBLE_S3_REGION"),
		accessKey:      itest.Require(t, "ASSEMBLE_S3_ACCESS_KEY", "the S3 server's access key"),
		secretKey:      itest.Require(t, "ASSEMBLE_S3_SECRET_KEY", "the S3 server's secret key"),
		otherAccessKey: os.Getenv("ASSEMBLE_S3_OTHER_ACCESS_KEY"),
		otherSecretKey: os.Getenv("ASSEMBLE_S3_OTHER_SECRET_KEY"),
	}
	if tg.region == "" {
		tg.region = "us-east-1"
	}
	runContract(t, tg)
	runRawContract(t, tg)
}
