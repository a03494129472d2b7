package sandbox_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/server"
)

func TestRecipeOnRobotAndStatic(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"robot", "static"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			run := func() *assemble.Outputs {
				sb, err := sandbox.Start(ctx, sandbox.Options{Dir: dir})
				require.NoError(t, err)
				defer func() { require.NoError(t, sb.Close()) }()
				var p server.Provider
				if kind == "robot" {
					p, err = sb.RobotProvider("shop-dedicated")
				} else {
					p, err = sb.StaticProvider()
				}
				require.NoError(t, err)
				out, err := sb.RecipeOn("shop", p, server.Spec{Name: "shop-dedicated"}).Ensure(ctx)
				require.NoError(t, err)
				require.NotNil(t, out.Builder)
				require.Equal(t, "amd64", out.Builder.Arch)
				require.Equal(t, out.Server.IPv4.String(), out.Record.Content)
				host := sb.Host(out.Server.IPv4)
				require.NotNil(t, host)
				require.True(t, host.DockerInstalled(), "the builder installs Docker on a host without it")
				require.Len(t, host.CronFiles(), 1)
				return out
			}
			first := run()
			require.Equal(t, ensure.Created, first.Op(assemble.StepBuilder))
			second := run()
			for _, s := range second.Steps() {
				require.Equal(t, ensure.Unchanged, s.Op, "%s on the second run", s.Step)
			}
		})
	}
}
