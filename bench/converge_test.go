package bench_test

import (
	"testing"
	"time"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/sim"
)

// The vendors' rate-limit budgets: Hetzner Cloud 3600 requests an hour per
// project, Cloudflare 1200 per five minutes per token.
const (
	hetznerBudget    = 3600
	cloudflareBudget = 1200
)

// BenchmarkCold converges a fresh sandbox world under the cold profile and
// compares the wall time with the profile's critical path. It also reports
// the requests each vendor got, the share of its rate-limit budget that
// is, and how often the waits polled per minute of real time they stand
// for.
func BenchmarkCold(b *testing.B) {
	p := coldProfile()
	crit := criticalPath(p)
	var (
		wall                 time.Duration
		reqs                 = map[string]int{}
		waitPolls, sshDials  int64
		dnsDials, dnsServers int64
		dnsWait              time.Duration // record write → the round that saw it
	)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b, p)
		r := w.recipe()
		m := w.mark()
		b.StartTimer()
		start := time.Now()
		out := run(b, r)
		wall += time.Since(start)
		b.StopTimer()
		for v, rs := range w.since(m) {
			reqs[v] += len(rs)
			for _, r := range rs {
				switch {
				case v == "hetzner" && isWaitPoll(r):
					waitPolls++
				case v == "cloudflare" && isRecordWrite(r):
					dnsWait += time.Unix(0, w.dnsLast.Load()).Sub(r.At)
				}
			}
		}
		sshDials += w.sshDials.Load()
		dnsDials += w.dnsDials.Load()
		if out.Record != nil {
			dnsServers += int64(len(out.Record.Nameservers))
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(crit.Milliseconds()), "crit-ms")
	b.ReportMetric(wall.Seconds()/n/crit.Seconds(), "cold/crit")
	for _, v := range vendors {
		b.ReportMetric(float64(reqs[v])/n, v+"-req/op")
	}
	b.ReportMetric(100*float64(reqs["hetzner"])/n/hetznerBudget, "hetzner-%budget")
	b.ReportMetric(100*float64(reqs["cloudflare"])/n/cloudflareBudget, "cloudflare-%budget")
	// Polls of the action and boot waits (Hetzner action and status reads,
	// SSH attempts) per minute of the real time those waits stand for.
	waitMin := p.RealSeconds(p.Action+p.Boot) / 60
	b.ReportMetric(float64(waitPolls+sshDials)/n/waitMin, "polls/real-min")
	// Rounds of DNS verification (a query to each nameserver) per minute of
	// the real time they stand for, from the record's write until the round
	// that found it served; and how long after propagation that round came.
	if dnsServers > 0 && dnsWait > 0 {
		rounds := float64(dnsDials) / float64(dnsServers)
		b.ReportMetric(rounds/(p.RealSeconds(dnsWait)/60), "dns-polls/real-min")
		b.ReportMetric(p.RealSeconds(dnsWait)/n-p.RealSeconds(p.Propagation), "dns-late-real-s")
	}
}

// BenchmarkColdSequential converges a fresh world one step at a time
// (assemble.WithConcurrency(1)), then another fresh world concurrently, and
// reports how much longer the sequential run took. ns/op is the sequential
// run's.
func BenchmarkColdSequential(b *testing.B) {
	p := coldProfile()
	var seq, conc time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newWorld(b, p)
		r := w.recipe(assemble.WithConcurrency(1))
		b.StartTimer()
		start := time.Now()
		run(b, r)
		seq += time.Since(start)
		b.StopTimer()
		w2 := newWorld(b, p)
		r2 := w2.recipe()
		start = time.Now()
		run(b, r2)
		conc += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(seq.Seconds()/conc.Seconds(), "seq/conc")
	b.ReportMetric(seq.Seconds()/float64(b.N)/criticalPath(p).Seconds(), "seq/crit")
}

// BenchmarkWarm re-converges a converged world under the warm profile: it
// must change nothing. It reports the mutating requests (0, the registry's
// included: its push permission is read from the token), every simulator's
// requests, and the wall time in units of the slowest request latency.
func BenchmarkWarm(b *testing.B) {
	p := warmProfile()
	w := newWorld(b, p)
	run(b, w.recipe())
	var (
		wall     time.Duration
		reqs     = map[string]int{}
		mutating int
	)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A re-run is a new process: new providers, nothing cached.
		b.StopTimer()
		r := w.recipe()
		m := w.mark()
		b.StartTimer()
		start := time.Now()
		out := run(b, r)
		wall += time.Since(start)
		b.StopTimer()
		requireUnchanged(b, out)
		for v, rs := range w.since(m) {
			reqs[v] += len(rs)
			mutating += len(sim.MutatingOf(rs))
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(mutating)/n, "mutating/op")
	for _, v := range vendors {
		b.ReportMetric(float64(reqs[v])/n, v+"-req/op")
	}
	b.ReportMetric(wall.Seconds()/n/requestLatency(p).Seconds(), "latencies/op")
	if mutating > 0 {
		b.Errorf("warm run sent %d mutating requests", mutating)
	}
}
