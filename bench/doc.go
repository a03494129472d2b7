// Package bench measures whole-recipe convergence in the sandbox.
//
// The package holds benchmarks only; run them with
//
//	go test -run '^$' -bench . -count 6 ./bench/ | tee new.txt
//
// and compare runs with benchstat. Each benchmark runs the sandbox's recipe
// under a sandbox.Profile (per-request latency of every simulator, the
// Hetzner create action, the boot until SSH answers, DNS propagation) and
// reports, besides ns/op, ratios and counts with b.ReportMetric: see
// BENCHMARKS.md at the repository root for what each metric means and the
// latest figures.
package bench
