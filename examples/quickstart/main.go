// Command quickstart runs a whole assemble recipe — SSH key, server,
// bucket, DNS record, registry login, secrets, remote builder — prints live
// progress, a summary and a monthly estimate, and writes the Kamal files
// (config/deploy.yml, .kamal/secrets) into --dir.
//
// With no credentials in the environment it runs against the embedded
// sandbox (every simulator in-process on loopback); the simulated world is
// kept in --dir so a second run reports everything unchanged. With
// HCLOUD_TOKEN set it uses the real services: see real.go for the variables.
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
	"strings"

	"github.com/assemblekit/assemble"
	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/kamal"
	"github.com/assemblekit/assemble/sandbox"
	"github.com/assemblekit/assemble/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
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
	server  string
	dns     string
}

func parse(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.dir, "dir", filepath.Join(os.TempDir(), "assemble-quickstart"), "the app's directory: Kamal files go here, and the sandbox keeps its world in DIR/.sandbox")
	fs.StringVar(&f.name, "name", "shop", "the app's name (Kamal's service)")
	fs.BoolVar(&f.plan, "plan", false, "show what would change; change nothing")
	fs.BoolVar(&f.destroy, "destroy", false, "remove everything the recipe made")
	fs.BoolVar(&f.homeKey, "home-key", false, "use ~/.ssh/id_ed25519 (generated if missing) instead of a key kept in the sandbox")
	fs.StringVar(&f.server, "server", "hetzner", "the server: hetzner (a new Hetzner Cloud VPS), robot (a Hetzner Robot dedicated server) or static (a host you already have)")
	fs.StringVar(&f.dns, "dns", "cloudflare", "the DNS provider: cloudflare or hetzner (Hetzner DNS, in the Cloud API)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if f.dns != "cloudflare" && f.dns != "hetzner" {
		return f, fmt.Errorf("--dns %q: use cloudflare or hetzner", f.dns)
	}
	if _, ok := serverVars[f.server]; !ok {
		return f, fmt.Errorf("--server %q: use hetzner, robot or static", f.server)
	}
	if f.plan && f.destroy {
		return f, errors.New("--plan and --destroy can't be combined")
	}
	return f, nil
}

func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	f, err := parse(args, os.Stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	p := newPrinter(stdout)
	observe := assemble.WithObserver(p.event)

	var r *assemble.Recipe
	if realMode(f.server, getenv) {
		fmt.Fprintf(stdout, "assemble quickstart: app %q in %s, against the real services (%s is set)\n", f.name, f.dir, serverVars[f.server][0].name)
		if r, err = realRecipe(f, getenv, observe); err != nil {
			return err
		}
	} else {
		opts := sandbox.Options{Dir: filepath.Join(f.dir, ".sandbox"), AppDir: f.dir, DNS: f.dns}
		if f.homeKey {
			opts.SSHKeyPath = "~/.ssh/id_ed25519"
		}
		sb, err := sandbox.Start(ctx, opts)
		if err != nil {
			return err
		}
		defer sb.Close()
		fmt.Fprintf(stdout, "assemble quickstart: app %q in %s, against the sandbox (no credentials in the environment)\n", f.name, f.dir)
		switch f.server {
		case "hetzner":
			r = sb.Recipe(f.name, observe)
		case "robot":
			p, err := sb.RobotProvider(f.name + "-dedicated")
			if err != nil {
				return err
			}
			r = sb.RecipeOn(f.name, p, server.Spec{Name: f.name + "-dedicated"}, observe)
		case "static":
			p, err := sb.StaticProvider()
			if err != nil {
				return err
			}
			r = sb.RecipeOn(f.name, p, server.Spec{Name: f.name + "-1"}, observe)
		}
	}

	switch {
	case f.plan:
		plan, err := r.Plan(ctx)
		p.flush()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nplan:")
		printChanges(stdout, plan)
		return nil
	case f.destroy:
		removed, err := r.Destroy(ctx)
		p.flush()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nremoved:")
		printChanges(stdout, removed)
		return nil
	}

	out, err := r.Ensure(ctx)
	p.flush()
	if err != nil {
		return err
	}
	op, err := kamal.Write(f.dir, out, kamal.App{})
	if err != nil {
		return err
	}
	summary(stdout, out)
	fmt.Fprintf(stdout, "  kamal     config/deploy.yml and .kamal/secrets %s in %s\n", op, f.dir)
	if est, err := r.Estimate(ctx); err == nil {
		fmt.Fprintln(stdout, "\nmonthly estimate:")
		for _, l := range strings.Split(strings.TrimRight(est.String(), "\n"), "\n") {
			fmt.Fprintln(stdout, "  "+l)
		}
	} else {
		fmt.Fprintf(stdout, "\nmonthly estimate unavailable: %v\n", err)
	}
	fmt.Fprintf(stdout, "\nnext: cd %s && kamal setup\n", f.dir)
	return nil
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
	byOp := map[ensure.Op][]string{}
	for _, s := range out.Steps() {
		byOp[s.Op] = append(byOp[s.Op], s.Step)
	}
	fmt.Fprintln(w, "\nsummary:")
	for _, op := range []ensure.Op{ensure.Created, ensure.Updated, ensure.Unchanged} {
		if len(byOp[op]) > 0 {
			fmt.Fprintf(w, "  %-9s %s\n", op, strings.Join(byOp[op], ", "))
		}
	}
	if out.Server != nil {
		fmt.Fprintf(w, "  server    %s %s (%s, %s, %s)\n", out.Server.Name, out.Server.IPv4, out.Server.Type, out.Server.Location, out.Server.Arch)
	}
	if out.Record != nil {
		fmt.Fprintf(w, "  domain    %s → %s\n", out.Record.Name, out.Record.Content)
	}
	if out.Bucket != nil {
		fmt.Fprintf(w, "  bucket    %s at %s\n", out.Bucket.Name, out.Bucket.Endpoint)
	}
	if out.Registry != nil {
		fmt.Fprintf(w, "  registry  %s\n", out.Registry.Repository())
	}
	if out.Builder != nil {
		fmt.Fprintf(w, "  builder   %s %s\n", out.Builder.Remote, out.Builder.Arch)
	}
}
