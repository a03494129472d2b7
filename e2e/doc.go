// Package e2e holds whole-recipe reliability tests run against the sandbox.
//
// The tests live in package e2e_test: a fault matrix built from the mutating
// requests a cold run sends, a cancellation at every event, concurrent runs,
// a catalogue of bad input, a scan for leaked secrets, and Destroy after
// failed runs. Run them with
//
//	go test -race -count=1 ./e2e/
package e2e
