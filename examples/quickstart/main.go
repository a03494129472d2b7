// Command quickstart runs a whole assemble recipe and writes the Kamal files.
//
// With no credentials in the environment it runs against the embedded
// sandbox (every simulator in-process on loopback); the simulated world is
// kept in --dir so a second run reports everything unchanged.
//
//	go run ./examples/quickstart            # converge
//	go run ./examples/quickstart --plan     # show what would change
//	go run ./examples/quickstart --destroy  # remove what the recipe made
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/sshkey"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

type flags struct {
	dir     string
	name    string
	plan    bool
	destroy bool
	homeKey bool
}

func parse(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.dir, "dir", filepath.Join(os.TempDir(), "assemble-quickstart"), "directory for the app's Kamal files and the sandbox's state")
	fs.StringVar(&f.name, "name", "shop", "the app's name (Kamal's service)")
	fs.BoolVar(&f.plan, "plan", false, "show what would change; change nothing")
	fs.BoolVar(&f.destroy, "destroy", false, "remove everything the recipe made")
	fs.BoolVar(&f.homeKey, "home-key", false, "use ~/.ssh/id_ed25519 (generated if missing) instead of a key in --dir")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if f.plan && f.destroy {
		return f, errors.New("--plan and --destroy can't be combined")
	}
	return f, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	f, err := parse(args, os.Stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: filepath.Join(f.dir, ".sandbox")})
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintf(stdout, "assemble quickstart: app %q in %s (sandbox: no credentials in the environment)\n", f.name, f.dir)

	p := &printer{w: stdout}
	r := sb.Recipe(f.name, assemble.WithObserver(p.event))
	if f.homeKey {
		r = assemble.New(f.name, assemble.WithObserver(p.event)).SSHKey(sshkey.File("~/.ssh/id_ed25519"))
	}

	switch {
	case f.plan:
		plan, err := r.Plan(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nplan:")
		printChanges(stdout, plan)
		return nil
	case f.destroy:
		removed, err := r.Destroy(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nremoved:")
		printChanges(stdout, removed)
		return nil
	}
	out, err := r.Ensure(ctx)
	if err != nil {
		return err
	}
	summary(stdout, out)
	return nil
}

// printer turns events into one line per step state.
type printer struct{ w io.Writer }

func (p *printer) event(e assemble.Event) {
	switch e.Phase {
	case assemble.PhaseStarted:
		fmt.Fprintf(p.w, "  … %-10s %s\n", e.Step, e.Action)
	case assemble.PhaseProgress:
		fmt.Fprintf(p.w, "  ⋯ %-10s %s (%s)\n", e.Step, e.Message, e.Elapsed.Round(time.Second))
	case assemble.PhaseDone:
		fmt.Fprintf(p.w, "  ✓ %-10s %s (%s)\n", e.Step, e.Op, e.Elapsed.Round(time.Millisecond))
	case assemble.PhaseFailed:
		fmt.Fprintf(p.w, "  ✗ %-10s %s\n", e.Step, e.Message)
	case assemble.PhaseSkipped:
		fmt.Fprintf(p.w, "  - %-10s skipped\n", e.Step)
	}
}

func printChanges(w io.Writer, cs ensure.Changes) {
	if len(cs) == 0 {
		fmt.Fprintln(w, "  (nothing)")
	}
	for _, c := range cs {
		fmt.Fprintln(w, "  "+c.String())
	}
}

func summary(w io.Writer, out *assemble.Outputs) {
	counts := map[ensure.Op][]string{}
	for _, s := range out.Steps() {
		counts[s.Op] = append(counts[s.Op], s.Step)
	}
	fmt.Fprintln(w, "\nsummary:")
	ops := make([]string, 0, len(counts))
	for op := range counts {
		ops = append(ops, string(op))
	}
	sort.Strings(ops)
	for _, op := range ops {
		fmt.Fprintf(w, "  %-9s %s\n", op, strings.Join(counts[ensure.Op(op)], ", "))
	}
	if out.SSHKey != nil {
		fmt.Fprintf(w, "  ssh key   %s\n", out.SSHKey)
	}
}
