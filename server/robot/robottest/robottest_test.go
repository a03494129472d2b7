package robottest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/server/robot/robottest"
)

func call(t *testing.T, r *robottest.Robot, method, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, r.URL()+path, body)
	require.NoError(t, err)
	req.SetBasicAuth(r.User(), r.Password())
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func code(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func TestFirewallRulesLimitAndInProcess(t *testing.T) {
	r := robottest.New(t, robottest.WithFirewallApplyDelay(time.Hour))
	s := r.AddServer(robottest.Server{Name: "web"})
	path := "/firewall/" + strconv.Itoa(s.Number)

	f := url.Values{"status": {"active"}}
	for i := range 11 {
		p := "rules[input][" + strconv.Itoa(i) + "]"
		f.Set(p+"[name]", "r"+strconv.Itoa(i))
		f.Set(p+"[protocol]", "tcp")
		f.Set(p+"[dst_port]", strconv.Itoa(1000+i))
		f.Set(p+"[action]", "accept")
	}
	st, m := call(t, r, "POST", path, f)
	require.Equal(t, 400, st)
	require.Equal(t, robottest.CodeInvalidInput, code(m))

	bad := url.Values{"rules[input][0][src_ip]": {"2001:db8::/32"}, "rules[input][0][action]": {"accept"}}
	st, _ = call(t, r, "POST", path, bad)
	require.Equal(t, 400, st, "IPv6 addresses can't be filtered")

	for i := 10; i >= 10; i-- {
		p := "rules[input][" + strconv.Itoa(i) + "]"
		for _, k := range []string{"[name]", "[protocol]", "[dst_port]", "[action]"} {
			f.Del(p + k)
		}
	}
	st, m = call(t, r, "POST", path, f)
	require.Equal(t, 200, st)
	require.Equal(t, "in process", m["firewall"].(map[string]any)["status"])
	st, m = call(t, r, "POST", path, f)
	require.Equal(t, 409, st)
	require.Equal(t, robottest.CodeFirewallInProcess, code(m))
	fw, _ := r.FirewallOf(s.Number)
	require.Len(t, fw.Input, 10)
}

func TestKeysConflictAndNotFound(t *testing.T) {
	r := robottest.New(t)
	data := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me"
	st, m := call(t, r, "POST", "/key", url.Values{"name": {"a"}, "data": {data}})
	require.Equal(t, 201, st)
	fp := m["key"].(map[string]any)["fingerprint"].(string)
	require.Len(t, strings.Split(fp, ":"), 16, "MD5 colon hex")
	st, m = call(t, r, "POST", "/key", url.Values{"name": {"b"}, "data": {data}})
	require.Equal(t, 409, st)
	require.Equal(t, robottest.CodeKeyExists, code(m))
	st, _ = call(t, r, "DELETE", "/key/"+fp, nil)
	require.Equal(t, 204, st)
	st, m = call(t, r, "GET", "/key/"+fp, nil)
	require.Equal(t, 404, st)
	require.Equal(t, robottest.CodeNotFound, code(m))
	st, _ = call(t, r, "POST", "/key", url.Values{"name": {"c"}})
	require.Equal(t, 400, st)
}

func TestOrderProgressesToReadyServer(t *testing.T) {
	r := robottest.New(t)
	form := url.Values{"product_id": {"AX41-NVMe"}, "location": {"FSN1"}, "dist": {"Ubuntu 24.04 LTS base"}, "test": {"true"}}
	st, _ := call(t, r, "POST", "/order/server/transaction", form)
	require.Equal(t, 201, st)
	require.Zero(t, r.Orders())

	form.Del("test")
	st, m := call(t, r, "POST", "/order/server/transaction", form)
	require.Equal(t, 201, st)
	id := m["transaction"].(map[string]any)["id"].(string)
	st, m = call(t, r, "GET", "/order/server/transaction/"+id, nil)
	require.Equal(t, 200, st)
	tx := m["transaction"].(map[string]any)
	require.Equal(t, "ready", tx["status"])
	require.Nil(t, tx["server_ip"], "IPv6-only without the primary_ipv4 addon")
	require.Len(t, tx["host_key"], 1)
	srvs := r.Servers()
	require.Len(t, srvs, 1)
	require.False(t, srvs[0].IPv4.IsValid())

	form.Set("location", "XYZ1")
	st, m = call(t, r, "POST", "/order/server/transaction", form)
	require.Equal(t, 400, st)
	require.Equal(t, robottest.CodeInvalidInput, code(m))
}

func TestAuthBlockAndRateLimit(t *testing.T) {
	r := robottest.New(t, robottest.WithLoginBlock(3, time.Hour))
	for range 3 {
		req, _ := http.NewRequest("GET", r.URL()+"/server", nil)
		req.SetBasicAuth(r.User(), "wrong")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 401, resp.StatusCode)
	}
	st, m := call(t, r, "GET", "/server", nil)
	require.Equal(t, 403, st)
	require.Equal(t, robottest.CodeBlocked, code(m))
	r.Unblock()

	r.AddServer(robottest.Server{Name: "a"})
	r.SetRateLimit("GET", "/server", 2, time.Hour)
	for range 2 {
		st, _ = call(t, r, "GET", "/server", nil)
		require.Equal(t, 200, st)
	}
	st, m = call(t, r, "GET", "/server", nil)
	require.Equal(t, 403, st)
	require.Equal(t, robottest.CodeRateLimitExceeded, code(m))
}

func TestSaveLoad(t *testing.T) {
	r := robottest.New(t)
	s := r.AddServer(robottest.Server{Name: "web"})
	_, err := r.AddKey("k", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "robot.json")
	require.NoError(t, r.Save(path))

	r2 := robottest.New(t)
	require.NoError(t, r2.Load(path))
	require.Equal(t, r.Servers(), r2.Servers())
	require.Equal(t, r.Keys(), r2.Keys())
	require.Equal(t, r.HostKey(s.Number).PublicKey().Marshal(), r2.HostKey(s.Number).PublicKey().Marshal())
}
