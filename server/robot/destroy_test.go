package robot_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
	"github.com/assemblekit/assemble/sim"
)

func TestDestroyRemovesOnlyOurs(t *testing.T) {
	e := newEnv(t)
	s := e.sim.AddServer(robottest.Server{Name: "web"})
	var acc acceptAll
	p := e.provider(robot.WithHostKeyCallback(acc.cb))
	sp := spec(t, "web")
	_, _, err := p.Ensure(e.ctx, sp)
	require.NoError(t, err)

	// Someone adds a rule of their own in Robot.
	fw, _ := e.sim.FirewallOf(s.Number)
	port, tcp := "8080", "tcp"
	fw.Input = append(fw.Input, robottest.Rule{Name: "mine", DstPort: &port, Protocol: &tcp, Action: "accept"})
	require.NoError(t, e.sim.SetFirewall(s.Number, fw))

	cs, err := p.Destroy(e.ctx, sp)
	require.NoError(t, err)
	require.Len(t, cs, 2, "%v", cs)
	for _, c := range cs {
		require.Equal(t, ensure.Deleted, c.Op)
	}
	fw, _ = e.sim.FirewallOf(s.Number)
	require.Len(t, fw.Input, 1)
	require.Equal(t, "mine", fw.Input[0].Name)
	require.Empty(t, e.sim.Keys())
	require.Len(t, e.sim.Servers(), 1, "a server is never cancelled")

	mark := e.sim.Knobs().Mark()
	cs, err = p.Destroy(e.ctx, sp)
	require.NoError(t, err)
	require.Empty(t, cs)
	require.Empty(t, sim.MutatingOf(e.sim.Knobs().Since(mark)))
}

func TestDestroyClearsFirewallWhenOnlyOurs(t *testing.T) {
	e := newEnv(t)
	s := e.sim.AddServer(robottest.Server{Name: "web"})
	var acc acceptAll
	p := e.provider(robot.WithHostKeyCallback(acc.cb))
	_, _, err := p.Ensure(e.ctx, spec(t, "web"))
	require.NoError(t, err)
	_, err = p.Destroy(e.ctx, spec(t, "web"))
	require.NoError(t, err)
	fw, _ := e.sim.FirewallOf(s.Number)
	require.Empty(t, fw.Input)
	require.Equal(t, "disabled", fw.Status)
	require.Equal(t, 1, e.sim.Knobs().Count("DELETE", "/firewall/*"))
}
