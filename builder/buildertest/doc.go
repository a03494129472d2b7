// Package buildertest is a simulated Ubuntu 24.04 host for tests: an
// in-process SSH server (golang.org/x/crypto/ssh) on loopback that answers
// the commands assemble's builder sends — uname, /proc/meminfo, df, id,
// docker -v, sudo, the Docker install, cron files in /etc/cron.d — from a
// small state model, and records every command it received.
//
// A command it does not know exits 127 the way bash says "command not
// found", so a builder that starts sending something new fails its tests
// instead of silently passing. Tests fail chosen commands with Fail, cut the
// connection after a command committed with DropAfter, and slow every
// command with SetLatency.
//
//	h := buildertest.New(t, buildertest.WithoutDocker(), buildertest.Memory(16<<30))
//	b, op, err := builder.Ensure(ctx, h.BuilderHost("root"), spec)
//	// h.DockerInstalled() == true, h.CronFiles() holds the prune job,
//	// len(h.Mutating()) counts the commands that changed the host.
package buildertest
