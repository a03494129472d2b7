package robot_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/server/robot"
	"github.com/assemblekit/assemble/server/robot/robottest"
	"github.com/assemblekit/assemble/sim"
)

func TestBadCredentialsNoRetryStorm(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	var acc acceptAll
	wrong := "not-the-password"
	p := robot.New(e.sim.User(), secret.New(wrong), robot.WithEndpoint(e.sim.URL()), robot.WithHostKeyCallback(acc.cb),
		robot.WithRetry(5, time.Millisecond))

	_, _, err := p.Ensure(e.ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	var re *robot.Error
	require.ErrorAs(t, err, &re)
	require.Equal(t, robot.CodeUnauthorized, re.Code)
	require.NotContains(t, err.Error(), wrong)

	_, err = p.Plan(e.ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	_, err = p.Destroy(e.ctx, spec(t, "web"))
	require.ErrorIs(t, err, ensure.ErrUnauthorized)
	require.Len(t, e.sim.Knobs().Requests(), 1, "one refused login, then no more requests")
	require.False(t, e.sim.Blocked())
}

func TestFailedLoginBlock(t *testing.T) {
	e := newEnv(t, robottest.WithLoginBlock(3, time.Hour))
	e.sim.AddServer(robottest.Server{Name: "web"})
	for range 3 {
		_, err := robot.NewClient("#ws+someone", secret.New("wrong"), robot.WithEndpoint(e.sim.URL())).Servers(e.ctx)
		require.ErrorIs(t, err, ensure.ErrUnauthorized)
	}
	require.True(t, e.sim.Blocked())

	_, err := e.provider().Client().Servers(e.ctx)
	require.ErrorIs(t, err, ensure.ErrUnauthorized, "right credentials are refused while blocked")
	require.True(t, robot.IsCode(err, robot.CodeBlocked))
	require.Contains(t, err.Error(), "wait 10 minutes")

	e.sim.Unblock()
	_, err = e.provider().Client().Servers(e.ctx)
	require.NoError(t, err)
}

func TestRateLimitExceeded(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	e.sim.SetRateLimit("GET", "/server", 1, time.Hour)
	c := e.provider().Client()
	ss, err := c.Servers(e.ctx)
	require.NoError(t, err)
	require.Len(t, ss, 1)

	_, err = c.Servers(e.ctx)
	require.ErrorIs(t, err, ensure.ErrRateLimited)
	var re *robot.Error
	require.ErrorAs(t, err, &re)
	require.Equal(t, robot.CodeRateLimitExceeded, re.Code)
	require.Equal(t, 1, re.MaxRequest)
	require.Equal(t, 3600, re.Interval)
	require.Equal(t, 2, e.sim.Knobs().Count("GET", "/server"), "an hour-long limit is not retried")
}

func TestRateLimitWithShortRetryAfterIsRetried(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	e.sim.Knobs().Inject(sim.Fault{Kind: sim.RateLimit, Method: "GET", Path: "/server", RetryAfter: time.Second})
	ss, err := e.provider().Client().Servers(e.ctx)
	require.NoError(t, err)
	require.Len(t, ss, 1)
	require.Equal(t, 2, e.sim.Knobs().Count("GET", "/server"))
}

func TestTransientReadErrorsRetriedWritesNot(t *testing.T) {
	e := newEnv(t)
	e.sim.AddServer(robottest.Server{Name: "web"})
	k := e.sim.Knobs()
	k.Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "GET", Path: "/server", Status: 503})
	c := e.provider().Client()
	_, err := c.Servers(e.ctx)
	require.NoError(t, err)
	require.Equal(t, 2, k.Count("GET", "/server"))

	k.Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/key", Status: 500})
	_, err = c.CreateKey(e.ctx, "k", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x")
	require.ErrorIs(t, err, ensure.ErrUnavailable)
	require.Equal(t, 1, k.Count("POST", "/key"), "a POST is not retried blindly")
}

func TestMissingCredentials(t *testing.T) {
	_, err := robot.NewClient("", secret.New("x")).Servers(t.Context())
	var ie *ensure.InvalidError
	require.True(t, errors.As(err, &ie))
	require.Equal(t, "robot.user", ie.Field)
	_, err = robot.NewClient("u", secret.Value{}).Servers(t.Context())
	require.True(t, strings.Contains(err.Error(), "robot.password"))
}
