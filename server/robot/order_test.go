package robot_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
	"github.com/assemblekit/assemble/sim"
)

var ax41 = robot.Order{Product: "AX41-NVMe", Location: "fsn1"}

func TestOrderTestModeInPlanRealOrderInEnsure(t *testing.T) {
	e := newEnv(t)
	p := e.provider(robot.WithOrder(ax41)) // the order's host key fingerprints verify SSH
	sp := spec(t, "web")
	k := e.sim.Knobs()

	plan, err := p.Plan(e.ctx, sp)
	require.NoError(t, err)
	require.Len(t, plan.Mutating(), 3, "%v", plan)
	require.Contains(t, plan[1].Detail, "test order accepted")
	require.Equal(t, 1, k.Count("POST", "/order/server/transaction"))
	require.Zero(t, e.sim.Orders(), "a test order places nothing")
	require.Empty(t, e.sim.Servers())
	require.Empty(t, e.sim.Keys(), "Plan uploads nothing")

	got, op, err := p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, 1, e.sim.Orders())
	srvs := e.sim.Servers()
	require.Len(t, srvs, 1)
	require.Equal(t, "web", srvs[0].Name, "the ordered server gets the spec's name")
	require.True(t, srvs[0].IPv4.IsValid(), "primary_ipv4 is ordered by default")
	require.Equal(t, srvs[0].IPv4, got.IPv4)
	require.Equal(t, e.sim.HostKey(srvs[0].Number).PublicKey().Marshal(), got.HostKey.Marshal())
	require.Len(t, e.sim.AuthorizedKeys(srvs[0].Number), 1, "the SSH key went into the order")

	mark := k.Mark()
	_, op, err = p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Unchanged, op)
	require.Empty(t, sim.MutatingOf(k.Since(mark)))
	require.Equal(t, 1, e.sim.Orders())

	plan, err = p.Plan(e.ctx, sp)
	require.NoError(t, err)
	require.Empty(t, plan.Mutating(), "%v", plan)
}

func TestOrderIPv6Only(t *testing.T) {
	e := newEnv(t)
	o := ax41
	o.IPv6Only = true
	got, _, err := e.provider(robot.WithOrder(o)).Ensure(e.ctx, spec(t, "v6"))
	require.NoError(t, err)
	require.False(t, got.IPv4.IsValid())
	require.True(t, got.IPv6.IsValid())
	require.Contains(t, got.SSHAddr, "::2]:22")
}

func TestOrderResumedAfterInterruptedWait(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	e := newEnv(t, robottest.WithOrderDelay(time.Hour), robottest.WithClock(clock))
	p := e.provider(robot.WithOrder(ax41))
	sp := spec(t, "web")

	ctx, cancel := context.WithTimeout(e.ctx, 100*time.Millisecond)
	defer cancel()
	_, _, err := p.Ensure(ctx, sp)
	require.ErrorIs(t, err, ensure.ErrTimeout)
	require.Contains(t, err.Error(), "the order stands")
	require.Equal(t, 1, e.sim.Orders())

	advance(2 * time.Hour)
	_, op, err := p.Ensure(e.ctx, sp)
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, 1, e.sim.Orders(), "the earlier order was found, not repeated")
	require.Len(t, e.sim.Servers(), 1)
}

func TestOrderWithLostResponse(t *testing.T) {
	e := newEnv(t)
	e.sim.Knobs().Inject(sim.Fault{Kind: sim.DropAfterCommit, Method: "POST", Path: "/order/server/transaction"})
	_, op, err := e.provider(robot.WithOrder(ax41)).Ensure(e.ctx, spec(t, "web"))
	require.NoError(t, err)
	require.Equal(t, ensure.Created, op)
	require.Equal(t, 1, e.sim.Orders())
	require.Equal(t, 1, e.sim.Knobs().Count("POST", "/order/server/transaction"))
}

func TestOrderValidatedBeforeMutating(t *testing.T) {
	e := newEnv(t)
	for _, o := range []robot.Order{
		{Product: "AX999", Location: "FSN1"},
		{Product: "AX52", Location: "HEL1"},
		{Product: "AX41-NVMe", Location: "FSN1", Dist: "Windows 95"},
	} {
		_, _, err := e.provider(robot.WithOrder(o)).Ensure(e.ctx, spec(t, "web"))
		var ie *ensure.InvalidError
		require.ErrorAs(t, err, &ie, "%+v", o)
		require.Contains(t, ie.Fix, "use one of")
	}
	require.Zero(t, e.sim.Knobs().Mutating())
}

func TestOrdersDisabled(t *testing.T) {
	e := newEnv(t)
	e.sim.SetOrdersEnabled(false)
	_, err := e.provider(robot.WithOrder(ax41)).Plan(e.ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrForbidden)
	require.True(t, robot.IsCode(err, robot.CodeNotAllowed))
}
