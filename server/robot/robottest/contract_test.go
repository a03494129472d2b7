package robottest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/internal/oapitest"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
)

// TestContract drives the simulator with the robot client and validates
// every answer against the unofficial Robot description. That description
// routes the firewall as /firewall/{server}/{port}; the client uses
// /firewall/{server}, so firewall calls are made with the description's
// route here too.
func TestContract(t *testing.T) {
	chk := oapitest.New(t, "hetzner-robot.unofficial.openapi.yaml")
	r := robottest.NewHandler()
	srv := httptest.NewServer(chk.Wrap(r))
	t.Cleanup(srv.Close)
	s := r.AddServer(robottest.Server{Name: "web"})
	c := robot.NewClient(r.User(), secret.New(r.Password()), robot.WithEndpoint(srv.URL))
	ctx := context.Background()

	_, err := c.Servers(ctx)
	require.NoError(t, err)
	_, err = c.Server(ctx, s.Number)
	require.NoError(t, err)
	require.NoError(t, c.RenameServer(ctx, s.Number, "web-1"))
	k, err := c.CreateKey(ctx, "k", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me")
	require.NoError(t, err)
	_, err = c.Keys(ctx)
	require.NoError(t, err)
	_, err = c.Key(ctx, k.Fingerprint)
	require.NoError(t, err)
	_, err = c.CreateKey(ctx, "k2", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me")
	require.True(t, robot.IsCode(err, robot.CodeKeyExists))
	_, err = c.Products(ctx)
	require.NoError(t, err)
	tx, err := c.OrderServer(ctx, robot.OrderRequest{Order: robot.Order{Product: "AX41-NVMe", Location: "FSN1"}, Keys: []string{k.Fingerprint}})
	require.NoError(t, err)
	_, err = c.Transaction(ctx, tx.ID)
	require.NoError(t, err)
	_, err = c.Transactions(ctx)
	require.NoError(t, err)
	require.NoError(t, c.DeleteKey(ctx, k.Fingerprint))
	_, err = c.Server(ctx, 1)
	require.Error(t, err)

	fw := "/firewall/" + strconv.Itoa(s.Number) + "/main"
	for _, m := range []string{"GET", "POST", "DELETE"} {
		var body io.Reader
		if m == "POST" {
			body = strings.NewReader("status=active&rules[input][0][name]=ssh&rules[input][0][protocol]=tcp&rules[input][0][dst_port]=22&rules[input][0][action]=accept")
		}
		req, err := http.NewRequest(m, srv.URL+fw, body)
		require.NoError(t, err)
		req.SetBasicAuth(r.User(), r.Password())
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, m)
	}
	require.Positive(t, chk.Checked())
	t.Logf("contract: %d responses checked, unmatched: %v", chk.Checked(), chk.Unmatched())
}
