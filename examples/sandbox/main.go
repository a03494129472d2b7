// Command sandbox serves every assemble simulator on loopback until
// interrupted and prints the environment variables that point standard
// tools at them: the hcloud CLI, the aws CLI, curl against Cloudflare's API,
// docker login, or programs of your own.
//
//	go run ./examples/sandbox [--dir DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/assemblekit/assemble/sandbox"
)

func main() {
	dir := flag.String("dir", "", "keep the simulated world in DIR between runs (default: a temporary directory)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}

func serve(ctx context.Context, dir string, w io.Writer) error {
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: dir})
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintln(w, "# assemble sandbox: every simulator on loopback. Paste into your shell:")
	for _, v := range sb.Env() {
		fmt.Fprintf(w, "export %s=%s\n", v.Name, shellQuote(v.Value))
	}
	fmt.Fprintln(w, "# Ctrl-C stops the sandbox.")
	<-ctx.Done()
	return nil
}

func shellQuote(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@') {
			return "'" + s + "'"
		}
	}
	return s
}
