package robot_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
	"github.com/assemblekit/assemble/sim"
)

func hasRule(rs []robottest.Rule, proto, port, flags string) bool {
	for _, r := range rs {
		p := func(s *string) string {
			if s == nil {
				return ""
			}
			return *s
		}
		if p(r.Protocol) == proto && p(r.DstPort) == port && p(r.TCPFlags) == flags && r.Action == "accept" {
			return true
		}
	}
	return false
}

func TestEnsureExistingServerIsIdempotent(t *testing.T) {
	e := newEnv(t)
	s := e.sim.AddServer(robottest.Server{Name: "web", Product: "AX41-NVMe", DC: "FSN1-DC14"})
	var acc acceptAll
	p := e.provider(robot.WithHostKeyCallback(acc.cb))
	sp := spec(t, "web")

	got, op, err := p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, "web", got.Name)
	require.Equal(t, s.IPv4, got.IPv4)
	require.Equal(t, s.IPv4.String()+":22", got.SSHAddr)
	require.Equal(t, "amd64", got.Arch)
	require.Equal(t, "root", got.User)
	require.Equal(t, "fsn1", got.Location)
	require.Equal(t, e.sim.HostKey(s.Number).PublicKey().Marshal(), got.HostKey.Marshal())
	require.Len(t, acc.keys, 1, "the host key is shown to the callback")

	keys := e.sim.Keys()
	require.Len(t, keys, 1)
	require.Equal(t, "shop (assemble:shop)", keys[0].Name)
	require.Equal(t, ssh.FingerprintLegacyMD5(sp.SSHKey), keys[0].Fingerprint)

	fw, _ := e.sim.FirewallOf(s.Number)
	require.Equal(t, "active", fw.Status)
	require.True(t, fw.FilterIPv6, "IPv6 must be filtered too")
	for _, port := range []string{"22", "80", "443"} {
		require.True(t, hasRule(fw.Input, "tcp", port, ""), "tcp/%s allowed", port)
	}
	require.True(t, hasRule(fw.Input, "tcp", "32768-65535", "ack"), "reply rule for TCP")
	require.True(t, hasRule(fw.Input, "udp", "32768-65535", ""), "reply rule for UDP (DNS)")
	require.Len(t, fw.Input, 6)
	k := e.sim.Knobs()
	require.Equal(t, 1, k.Count("POST", "/key"))
	require.Equal(t, 1, k.Count("POST", "/firewall/*"))

	mark := k.Mark()
	got2, op, err := p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(k.Since(mark)), "second Ensure must not mutate")
	require.Equal(t, got.HostKey.Marshal(), got2.HostKey.Marshal())

	// Pinning the key from the first run works without a callback.
	mark = k.Mark()
	_, op, err = e.provider(robot.WithPinnedHostKey(got.HostKey)).Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(k.Since(mark)))
	for _, a := range e.h.Dialed() {
		require.Equal(t, s.IPv4.String()+":22", a)
	}
}

func TestEnsureByNumberAndForeignRulesKept(t *testing.T) {
	e := newEnv(t)
	s := e.sim.AddServer(robottest.Server{Name: "db"})
	mon := "monitoring"
	src, v4, port, tcp := "198.51.100.7/32", "ipv4", "9100", "tcp"
	require.NoError(t, e.sim.SetFirewall(s.Number, robottest.Firewall{Status: "active", WhitelistHOS: true,
		Input: []robottest.Rule{{Name: mon, IPVersion: &v4, SrcIP: &src, DstPort: &port, Protocol: &tcp, Action: "accept"}}}))
	var acc acceptAll
	p := e.provider(robot.WithServerNumber(s.Number), robot.WithHostKeyCallback(acc.cb))
	sp := spec(t, "other-name")
	sp.Firewall = []server.Rule{{Protocol: "tcp", Port: "22", Sources: server.DefaultFirewall()[0].Sources}}

	_, op, err := p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	fw, _ := e.sim.FirewallOf(s.Number)
	require.Len(t, fw.Input, 5)
	require.Equal(t, mon, fw.Input[4].Name, "a rule that isn't ours is kept, after ours")

	mark := e.sim.Knobs().Mark()
	_, op, err = p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(e.sim.Knobs().Since(mark)))
}

func TestFirewallRulesIncludeReplies(t *testing.T) {
	rules, err := robot.FirewallRules("shop", server.DefaultFirewall())
	require.NoError(t, err)
	var ack, udp bool
	for _, r := range rules {
		require.True(t, strings.HasPrefix(r.Name, "assemble:shop "), r.Name)
		ack = ack || (r.Protocol == "tcp" && r.TCPFlags == "ack" && r.DstPort == robot.EphemeralPorts)
		udp = udp || (r.Protocol == "udp" && r.DstPort == robot.EphemeralPorts)
	}
	require.True(t, ack && udp, "reply rules missing: %+v", rules)

	_, err = robot.FirewallRules("shop", []server.Rule{{Protocol: "tcp", Port: "22", Sources: []netipPrefix{mustPrefix("2001:db8::/32")}}})
	var ie *ensure.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "server.firewall[0].sources", ie.Field)
}

func TestFirewallWaitsWhileInProcess(t *testing.T) {
	e := newEnv(t, robottest.WithFirewallApplyDelay(60*time.Millisecond))
	s := e.sim.AddServer(robottest.Server{Name: "web"})
	var acc acceptAll
	var reports []string
	ctx := ensure.WithReporter(e.ctx, func(m string) { reports = append(reports, m) })
	_, _, err := e.provider(robot.WithHostKeyCallback(acc.cb)).Ensure(ctx, spec(t, "web"))
	require.NoError(t, err)
	fw, _ := e.sim.FirewallOf(s.Number)
	require.Equal(t, "active", fw.Status)
	require.Greater(t, e.sim.Knobs().Count("GET", "/firewall/*"), 2, "polled while in process")
	require.NotEmpty(t, reports)
	require.Contains(t, reports[0], "firewall")
}

func TestKeyUnderAnotherNameIsUsedAndKept(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	sp := spec(t, "web")
	_, err := e.sim.AddKey("laptop", string(ssh.MarshalAuthorizedKey(sp.SSHKey)))
	require.NoError(t, err)
	var acc acceptAll
	p := e.provider(robot.WithHostKeyCallback(acc.cb))
	_, _, err = p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, 0, e.sim.Knobs().Count("POST", "/key"))

	cs, err := p.Destroy(e.ctx, sp)
	require.NoError(t, err)
	require.Len(t, e.sim.Keys(), 1, "a key we didn't upload is not deleted")
	for _, c := range cs {
		require.NotEqual(t, "ssh key", c.Kind)
	}
}

func TestKeyUploadWithLostResponse(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	e.sim.Knobs().Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "POST", Path: "/key"})
	var acc acceptAll
	_, op, err := e.provider(robot.WithHostKeyCallback(acc.cb)).Ensure(e.ctx, spec(t, "web"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Len(t, e.sim.Keys(), 1)
	require.Equal(t, 1, e.sim.Knobs().Count("POST", "/key"), "looked instead of uploading again")
}

func TestValidationBeforeAnyRequest(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	k := e.sim.Knobs()

	_, _, err := e.provider().Ensure(e.ctx, spec(t, "web"))
	var ie *ensure.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "robot host key", ie.Field)
	require.Zero(t, len(k.Requests()), "nothing sent without a way to check the host key")

	var acc acceptAll
	sp := spec(t, "web")
	for i := range 8 {
		sp.Firewall = append(sp.Firewall, server.Rule{Protocol: "tcp", Port: strings.Repeat("1", 1) + string(rune('0'+i)) + "00"})
	}
	_, _, err = e.provider(robot.WithHostKeyCallback(acc.cb)).Ensure(e.ctx, sp)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Zero(t, len(k.Requests()), "too many rules is refused before any request")

	sp = spec(t, "web")
	sp.Owner = ""
	_, _, err = e.provider(robot.WithHostKeyCallback(acc.cb)).Ensure(e.ctx, sp)
	require.ErrorIs(t, err, ensure.ErrInvalidSpec)
	require.Zero(t, len(k.Requests()))
}

func TestMissingServerWithoutOrder(t *testing.T) {
	e := newEnv(t)
	var acc acceptAll
	p := e.provider(robot.WithHostKeyCallback(acc.cb))
	_, _, err := p.Ensure(e.ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrNotFound)
	require.Contains(t, err.Error(), "WithOrder")
	_, err = p.Plan(e.ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrNotFound)
	require.Zero(t, e.sim.Knobs().Mutating())
	require.Zero(t, e.sim.Orders())
}

func TestHostKeyMismatchRefused(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	_, _, err := e.provider(robot.WithPinnedHostKey(newSigner(t).PublicKey())).Ensure(e.ctx, spec(t, "web"))
	var he *robot.HostKeyError
	require.ErrorAs(t, err, &he)
	require.ErrorIs(t, err, ensure.ErrPrecondition)

	refuse := func(string, netAddr, ssh.PublicKey) error { return errors.New("operator said no") }
	_, _, err = e.provider(robot.WithHostKeyCallback(refuse)).Ensure(e.ctx, spec(t, "web"))
	require.ErrorAs(t, err, &he)
	require.Contains(t, err.Error(), "operator said no")
}

func TestSSHWaitReportsAndTimesOut(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	e.h.down = true
	var reports []string
	ctx, cancel := contextWithTimeout(e.ctx, 150*time.Millisecond)
	defer cancel()
	ctx = ensure.WithReporter(ctx, func(m string) { reports = append(reports, m) })
	var acc acceptAll
	_, _, err := e.provider(robot.WithHostKeyCallback(acc.cb)).Ensure(ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.NotEmpty(t, reports)
	require.Contains(t, reports[len(reports)-1], "waiting for SSH")
	require.Greater(t, len(e.h.Dialed()), 1)
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	var acc acceptAll
	_, _, err := e.provider(robot.WithHostKeyCallback(acc.cb)).Ensure(e.ctx, spec(t, "web"))
	require.NoError(t, err)
	require.NotZero(t, e.logs.Len(), "debug logs were written")
	require.False(t, bytes.Contains(e.logs.Bytes(), []byte(e.sim.Password())))
}
