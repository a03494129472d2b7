package hetzner_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sim"
)

func TestPlanOnConvergedWorldIsAllUnchanged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	mark := e.sim.Knobs().Mark()
	plan, err := e.p.Plan(ctx, e.spec)
	require.NoError(t, err)
	require.Len(t, plan, 3)
	require.Empty(t, plan.Mutating())
	require.Empty(t, sim.MutatingOf(e.sim.Knobs().Since(mark)))
}

func TestLabelsAndPowerAreConverged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.p.Ensure(ctx, e.spec)
	require.NoError(t, err)
	id := e.sim.Servers()[0].ID
	require.True(t, e.sim.SetServerStatus(id, "off"))
	spec := e.spec
	spec.Labels = map[string]string{"env": "prod"}

	plan, err := e.p.Plan(ctx, spec)
	require.NoError(t, err)
	require.Len(t, plan.Mutating(), 2, "%v", plan)
	require.Equal(t, "labels, power on", plan.Mutating()[1].Detail)

	k := e.sim.Knobs()
	mark := k.Mark()
	srv, op, err := e.p.Ensure(ctx, spec)
	require.NoError(t, err)
	require.Equal(t, ensure.Updated, op)
	require.Equal(t, "prod", srv.Labels["env"])
	got := e.sim.Servers()[0]
	require.Equal(t, "running", got.Status)
	require.Equal(t, "prod", got.Labels["env"])
	require.Equal(t, "shop", got.Labels["assemble-owner"])
	require.NotEmpty(t, got.Labels["assemble-hostkey"], "the pinned key's label survives a label update")
	require.Equal(t, "prod", e.sim.Firewalls()[0].Labels["env"])
	require.Len(t, sim.MutatingOf(k.Since(mark)), 3) // firewall labels, server labels, poweron
}

func TestConcurrentEnsuresMakeOneOfEach(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	ids := make([]string, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv, _, err := e.p.Ensure(context.Background(), e.spec)
			errs[i] = err
			if srv != nil {
				ids[i] = srv.ID
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err)
		require.Equal(t, ids[0], ids[i])
	}
	require.Len(t, e.sim.Servers(), 1)
	require.Len(t, e.sim.Firewalls(), 1)
	require.Len(t, e.sim.SSHKeys(), 1)
}
