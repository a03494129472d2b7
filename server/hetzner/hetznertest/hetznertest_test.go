package hetznertest_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/internal/oapitest"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/sim"
)

// successesOnly validates every response with a body with c, error
// envelopes included (oapitest reads Hetzner's "4xx" as "4XX"); the name is
// historical.
func successesOnly(c *oapitest.Checker) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			replay := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
			})
			if rec.Body.Len() == 0 && rec.Code != http.StatusNoContent {
				replay.ServeHTTP(w, r)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			c.Wrap(replay).ServeHTTP(w, r)
		})
	}
}

func client(s *hetznertest.Server) *hcloud.Client {
	return hcloud.NewClient(hcloud.WithToken(s.Token()), hcloud.WithEndpoint(s.URL()),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: hcloud.ConstantBackoff(5 * time.Millisecond)}),
		hcloud.WithRetryOpts(hcloud.RetryOpts{BackoffFunc: hcloud.ConstantBackoff(time.Millisecond), MaxRetries: 0}))
}

func pubKey(t testing.TB) string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	k, err := ssh.NewPublicKey(pub)
	require.NoError(t, err)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// TestContract drives every simulated endpoint through hcloud-go and checks
// each successful response against Hetzner's OpenAPI description.
func TestContract(t *testing.T) {
	check := oapitest.New(t, "hetzner-cloud.openapi.json")
	s := hetznertest.New(t, hetznertest.WithActionDuration(5*time.Millisecond), hetznertest.WithMiddleware(successesOnly(check)))
	c := client(s)
	ctx := context.Background()

	types, err := c.ServerType.All(ctx)
	require.NoError(t, err)
	require.Len(t, types, 10)
	st, _, err := c.ServerType.GetByID(ctx, types[0].ID)
	require.NoError(t, err)
	require.NotEmpty(t, st.Locations)
	locs, err := c.Location.All(ctx)
	require.NoError(t, err)
	require.Len(t, locs, 6)
	_, _, err = c.Location.GetByID(ctx, locs[0].ID)
	require.NoError(t, err)
	img, _, err := c.Image.GetForArchitecture(ctx, "ubuntu-24.04", hcloud.ArchitectureARM)
	require.NoError(t, err)
	require.Equal(t, hcloud.ArchitectureARM, img.Architecture)
	_, _, err = c.Image.GetByID(ctx, img.ID)
	require.NoError(t, err)
	pr, _, err := c.Pricing.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, "EUR", pr.Currency)

	key, _, err := c.SSHKey.Create(ctx, hcloud.SSHKeyCreateOpts{Name: "k", PublicKey: pubKey(t), Labels: map[string]string{"a": "1"}})
	require.NoError(t, err)
	_, _, err = c.SSHKey.Update(ctx, key, hcloud.SSHKeyUpdateOpts{Name: "k2"})
	require.NoError(t, err)
	got, _, err := c.SSHKey.GetByFingerprint(ctx, key.Fingerprint)
	require.NoError(t, err)
	require.Equal(t, "k2", got.Name)

	port := "22"
	fwRes, _, err := c.Firewall.Create(ctx, hcloud.FirewallCreateOpts{Name: "fw", Rules: []hcloud.FirewallRule{{
		Direction: hcloud.FirewallRuleDirectionIn, Protocol: hcloud.FirewallRuleProtocolTCP, Port: &port,
		SourceIPs: []net.IPNet{{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}},
	}}})
	require.NoError(t, err)
	fw := fwRes.Firewall

	res, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{
		Name: "web-1", ServerType: &hcloud.ServerType{Name: "cx23"}, Image: &hcloud.Image{Name: "ubuntu-24.04"},
		Location: &hcloud.Location{Name: "nbg1"}, SSHKeys: []*hcloud.SSHKey{key},
		Firewalls: []*hcloud.ServerCreateFirewall{{Firewall: *fw}}, Labels: map[string]string{"role": "web"},
	})
	require.NoError(t, err)
	require.Equal(t, hcloud.ServerStatusInitializing, res.Server.Status)
	require.NoError(t, c.Action.WaitFor(ctx, append([]*hcloud.Action{res.Action}, res.NextActions...)...))
	srv, _, err := c.Server.GetByID(ctx, res.Server.ID)
	require.NoError(t, err)
	require.Equal(t, hcloud.ServerStatusRunning, srv.Status)
	require.Equal(t, "127.0.1.1", srv.PublicNet.IPv4.IP.String())
	require.Equal(t, "2001:db8:0:1::/64", srv.PublicNet.IPv6.Network.String())
	require.Len(t, srv.PublicNet.Firewalls, 1)
	_, _, err = c.Action.GetByID(ctx, res.Action.ID)
	require.NoError(t, err)
	_, _, err = c.Server.Action.GetByID(ctx, res.Action.ID)
	require.NoError(t, err)

	acts, _, err := c.Firewall.SetRules(ctx, fw, hcloud.FirewallSetRulesOpts{Rules: []hcloud.FirewallRule{}})
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, acts...))
	acts, _, err = c.Firewall.RemoveResources(ctx, fw, []hcloud.FirewallResource{{Type: hcloud.FirewallResourceTypeServer, Server: &hcloud.FirewallResourceServer{ID: srv.ID}}})
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, acts...))
	acts, _, err = c.Firewall.ApplyResources(ctx, fw, []hcloud.FirewallResource{{Type: hcloud.FirewallResourceTypeLabelSelector, LabelSelector: &hcloud.FirewallResourceLabelSelector{Selector: "role=web"}}})
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, acts...))
	fw, _, err = c.Firewall.GetByID(ctx, fw.ID)
	require.NoError(t, err)
	require.Len(t, fw.AppliedTo, 1)
	require.Len(t, fw.AppliedTo[0].AppliedToResources, 1)
	_, _, err = c.Firewall.Update(ctx, fw, hcloud.FirewallUpdateOpts{Labels: map[string]string{"x": "y"}})
	require.NoError(t, err)

	srv, _, err = c.Server.Update(ctx, srv, hcloud.ServerUpdateOpts{Labels: map[string]string{"role": "web", "env": "prod"}})
	require.NoError(t, err)
	a, _, err := c.Server.Poweroff(ctx, srv)
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, a))
	a, _, err = c.Server.Poweron(ctx, srv)
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, a))

	all, err := c.Server.AllWithOpts(ctx, hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "env in (prod,staging),role"}, Status: []hcloud.ServerStatus{hcloud.ServerStatusRunning}})
	require.NoError(t, err)
	require.Len(t, all, 1)

	del, _, err := c.Server.DeleteWithResult(ctx, srv)
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, del.Action))
	acts, _, err = c.Firewall.RemoveResources(ctx, fw, []hcloud.FirewallResource{{Type: hcloud.FirewallResourceTypeLabelSelector, LabelSelector: &hcloud.FirewallResourceLabelSelector{Selector: "role=web"}}})
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, acts...))
	_, err = c.Firewall.Delete(ctx, fw)
	require.NoError(t, err)
	_, err = c.SSHKey.Delete(ctx, key)
	require.NoError(t, err)
	require.Empty(t, s.Servers())
	require.Empty(t, s.Firewalls())
	require.Empty(t, s.SSHKeys())

	require.Empty(t, check.Failures())
	require.Greater(t, check.Checked(), 30)
	require.Empty(t, check.Unmatched())
	t.Logf("%d responses validated against the OpenAPI description", check.Checked())
}

func raw(t *testing.T, s *hetznertest.Server, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), string(b))
	}
	return resp.StatusCode, resp.Header, out
}

func errCode(t *testing.T, body map[string]any) string {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, "error envelope: %v", body)
	require.IsType(t, "", e["message"])
	require.Contains(t, e, "details")
	return e["code"].(string)
}

func TestErrorEnvelope(t *testing.T) {
	s := hetznertest.New(t)
	k := pubKey(t)
	st, _, body := raw(t, s, "GET", "/servers", "", "")
	require.Equal(t, 401, st)
	require.Equal(t, "unauthorized", errCode(t, body))
	st, _, body = raw(t, s, "GET", "/servers", "nope", "")
	require.Equal(t, 401, st)
	require.Equal(t, "unauthorized", errCode(t, body))

	tok := s.Token()
	st, _, _ = raw(t, s, "POST", "/ssh_keys", tok, fmt.Sprintf(`{"name":"a","public_key":%q}`, k))
	require.Equal(t, 201, st)
	st, _, body = raw(t, s, "POST", "/ssh_keys", tok, fmt.Sprintf(`{"name":"a","public_key":%q}`, pubKey(t)))
	require.Equal(t, 409, st)
	require.Equal(t, "uniqueness_error", errCode(t, body))
	st, _, body = raw(t, s, "POST", "/ssh_keys", tok, fmt.Sprintf(`{"name":"b","public_key":%q}`, k))
	require.Equal(t, 409, st)
	require.Equal(t, "uniqueness_error", errCode(t, body))
	st, _, body = raw(t, s, "POST", "/ssh_keys", tok, `{"name":"c","public_key":"ssh-rsa nonsense"}`)
	require.Equal(t, 422, st)
	require.Equal(t, "invalid_input", errCode(t, body))

	st, _, body = raw(t, s, "POST", "/servers", tok, `{"name":"x","server_type":"cx99","image":"ubuntu-24.04"}`)
	require.Equal(t, 422, st)
	require.Equal(t, "invalid_input", errCode(t, body))
	st, _, body = raw(t, s, "POST", "/servers", tok, `{"name":"x","server_type":"cax11","image":"ubuntu-24.04","location":"ash"}`)
	require.Equal(t, 412, st)
	require.Equal(t, "resource_unavailable", errCode(t, body))
	st, _, body = raw(t, s, "POST", "/servers", tok, `{"name":"x","server_type":"cx43","image":"ubuntu-24.04","location":"hel1"}`)
	require.Equal(t, 412, st, "the deprecated combination")
	require.Equal(t, "resource_unavailable", errCode(t, body))
	st, _, body = raw(t, s, "GET", "/servers/999999", tok, "")
	require.Equal(t, 404, st)
	require.Equal(t, "not_found", errCode(t, body))
	st, _, body = raw(t, s, "GET", "/servers?label_selector=a%20in%20b", tok, "")
	require.Equal(t, 422, st)
	require.Equal(t, "invalid_input", errCode(t, body))

	s.Knobs().Inject(sim.Fault{Kind: sim.FailBeforeCommit, Path: "/v1/servers", Status: 503})
	st, _, body = raw(t, s, "GET", "/servers", tok, "")
	require.Equal(t, 503, st)
	require.Equal(t, "unavailable", errCode(t, body))
	require.Empty(t, s.Servers())
}

func TestListFiltersSortAndPages(t *testing.T) {
	s := hetznertest.New(t)
	for i, l := range []map[string]string{
		{"env": "prod", "tier": "web"}, {"env": "prod"}, {"env": "dev", "tier": "db"}, {}, {"tier": "web"},
	} {
		s.AddServer(hetznertest.ServerRecord{Name: fmt.Sprintf("s%d", 5-i), Labels: l})
	}
	names := func(q string) []string {
		st, _, body := raw(t, s, "GET", "/servers?"+q, s.Token(), "")
		require.Equal(t, 200, st, body)
		var out []string
		for _, sv := range body["servers"].([]any) {
			out = append(out, sv.(map[string]any)["name"].(string))
		}
		return out
	}
	sel := func(q string) string { return "label_selector=" + strings.ReplaceAll(q, " ", "%20") }
	require.Equal(t, []string{"s5", "s4"}, names(sel("env=prod")))
	require.Equal(t, []string{"s5", "s3", "s1"}, names(sel("tier")))
	require.Equal(t, []string{"s4", "s2"}, names(sel("!tier")))
	require.Equal(t, []string{"s3", "s2", "s1"}, names(sel("env!=prod")))
	require.Equal(t, []string{"s5", "s4", "s3"}, names(sel("env in (prod, dev)")))
	require.Equal(t, []string{"s2", "s1"}, names(sel("env notin (prod,dev)")))
	require.Equal(t, []string{"s5"}, names(sel("env==prod,tier=web")))
	require.Equal(t, []string{"s3"}, names("name=s3"))
	require.Equal(t, []string{"s1", "s2", "s3", "s4", "s5"}, names("sort=name"))
	require.Equal(t, []string{"s1", "s2", "s3", "s4", "s5"}, names("sort=id:desc"))

	st, _, body := raw(t, s, "GET", "/servers?per_page=2&page=2&sort=name:asc", s.Token(), "")
	require.Equal(t, 200, st)
	p := body["meta"].(map[string]any)["pagination"].(map[string]any)
	require.EqualValues(t, 2, p["page"])
	require.EqualValues(t, 1, p["previous_page"])
	require.EqualValues(t, 3, p["next_page"])
	require.EqualValues(t, 3, p["last_page"])
	require.EqualValues(t, 5, p["total_entries"])
	require.Len(t, body["servers"], 2)

	// hcloud-go pages through everything.
	all, err := client(s).Server.AllWithOpts(context.Background(), hcloud.ServerListOpts{ListOpts: hcloud.ListOpts{PerPage: 2}})
	require.NoError(t, err)
	require.Len(t, all, 5)
}

func TestRateLimitHeaders(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := hetznertest.New(t, hetznertest.WithRateLimit(2, time.Second), hetznertest.WithClock(func() time.Time { return now }))
	st, h, _ := raw(t, s, "GET", "/locations", s.Token(), "")
	require.Equal(t, 200, st)
	require.Equal(t, "2", h.Get("RateLimit-Limit"))
	require.Equal(t, "1", h.Get("RateLimit-Remaining"))
	require.Equal(t, "1800000001", h.Get("RateLimit-Reset"))
	raw(t, s, "GET", "/locations", s.Token(), "")
	st, h, body := raw(t, s, "GET", "/locations", s.Token(), "")
	require.Equal(t, 429, st)
	require.Equal(t, "rate_limit_exceeded", errCode(t, body))
	require.Equal(t, "0", h.Get("RateLimit-Remaining"))
	require.Equal(t, "1800000002", h.Get("RateLimit-Reset"))
	now = now.Add(time.Second) // one request back
	st, _, _ = raw(t, s, "GET", "/locations", s.Token(), "")
	require.Equal(t, 200, st)
}

func TestOnBootAndSaveLoad(t *testing.T) {
	s := hetznertest.New(t, hetznertest.WithActionDuration(time.Hour))
	var boots []hetznertest.Boot
	s.OnBoot(func(_ context.Context, b hetznertest.Boot) error { boots = append(boots, b); return nil })
	c := client(s)
	ctx := context.Background()
	res, _, err := c.Server.Create(ctx, hcloud.ServerCreateOpts{Name: "a", ServerType: &hcloud.ServerType{Name: "cax11"}, Image: &hcloud.Image{Name: "ubuntu-24.04"}, UserData: "#cloud-config\n"})
	require.NoError(t, err)
	require.Len(t, boots, 1)
	require.Equal(t, "arm", boots[0].Arch)
	require.Equal(t, "#cloud-config\n", boots[0].UserData)
	require.Equal(t, res.Server.ID, boots[0].ID)
	require.Equal(t, "initializing", s.Servers()[0].Status)

	var buf bytes.Buffer
	require.NoError(t, s.Save(&buf))
	require.Equal(t, "running", s.Servers()[0].Status, "a saved world is at rest")

	s2 := hetznertest.New(t)
	var reboots []hetznertest.Boot
	s2.OnBoot(func(_ context.Context, b hetznertest.Boot) error { reboots = append(reboots, b); return nil })
	require.NoError(t, s2.Load(&buf))
	require.Equal(t, s.Servers(), s2.Servers())
	require.Len(t, reboots, 1)
	// IDs and addresses continue where they were.
	res2, _, err := client(s2).Server.Create(ctx, hcloud.ServerCreateOpts{Name: "b", ServerType: &hcloud.ServerType{Name: "cx23"}, Image: &hcloud.Image{Name: "ubuntu-24.04"}})
	require.NoError(t, err)
	require.Greater(t, res2.Server.ID, res.Server.ID)
	require.Equal(t, "127.0.1.2", res2.Server.PublicNet.IPv4.IP.String())

	path := t.TempDir() + "/world.json"
	require.NoError(t, s2.SaveFile(path))
	s3 := hetznertest.New(t)
	require.NoError(t, s3.LoadFile(path))
	require.Len(t, s3.Servers(), 2)
	require.NoError(t, hetznertest.New(t).LoadFile(t.TempDir()+"/missing.json"))
}

func TestBootHookFailureFailsTheAction(t *testing.T) {
	s := hetznertest.New(t, hetznertest.WithActionDuration(5*time.Millisecond))
	s.OnBoot(func(context.Context, hetznertest.Boot) error { return fmt.Errorf("no host") })
	c := client(s)
	res, _, err := c.Server.Create(context.Background(), hcloud.ServerCreateOpts{Name: "a", ServerType: &hcloud.ServerType{Name: "cx23"}, Image: &hcloud.Image{Name: "ubuntu-24.04"}})
	require.NoError(t, err)
	err = c.Action.WaitFor(context.Background(), res.Action)
	require.Error(t, err)
	require.Equal(t, "off", s.Servers()[0].Status)
}

func TestStartRefusesNonLoopback(t *testing.T) {
	_, err := hetznertest.Start(hetznertest.WithAddr("0.0.0.0:0"))
	require.Error(t, err)
}

func TestConcurrentCreatesOneWins(t *testing.T) {
	s := hetznertest.New(t)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, _, err := client(s).Server.Create(context.Background(), hcloud.ServerCreateOpts{Name: "same", ServerType: &hcloud.ServerType{Name: "cx23"}, Image: &hcloud.Image{Name: "ubuntu-24.04"}})
			errs <- err
		}()
	}
	ok := 0
	for range 8 {
		if err := <-errs; err == nil {
			ok++
		} else {
			require.True(t, hcloud.IsError(err, hcloud.ErrorCodeUniquenessError), err)
		}
	}
	require.Equal(t, 1, ok)
	require.Len(t, s.Servers(), 1)
}
