package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assemblekit/assemble/sandbox"
)

func noEnv(string) string { return "" }

func TestQuickstartTwice(t *testing.T) {
	dir := t.TempDir()
	var first, second bytes.Buffer
	if err := run(context.Background(), []string{"--dir", dir}, &first, noEnv); err != nil {
		t.Fatalf("%v\n%s", err, first.String())
	}
	for _, want := range []string{"created   ", "ssh-key", "server", "next: cd " + dir + " && kamal setup", "monthly estimate:"} {
		if !strings.Contains(first.String(), want) {
			t.Fatalf("first run output lacks %q:\n%s", want, first.String())
		}
	}
	deploy, err := os.ReadFile(filepath.Join(dir, "config", "deploy.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(deploy), "service: shop") {
		t.Fatalf("deploy.yml:\n%s", deploy)
	}
	if err := run(context.Background(), []string{"--dir", dir}, &second, noEnv); err != nil {
		t.Fatalf("%v\n%s", err, second.String())
	}
	sum := second.String()[strings.Index(second.String(), "summary:"):]
	if strings.Contains(sum, "created ") || strings.Contains(sum, "updated ") {
		t.Fatalf("second run changed something:\n%s", second.String())
	}
}

func TestRealModeNamesMissingVariables(t *testing.T) {
	env := map[string]string{"HCLOUD_TOKEN": "x"}
	err := run(context.Background(), []string{"--dir", t.TempDir()}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "CLOUDFLARE_API_TOKEN") || strings.Contains(err.Error(), "HCLOUD_TOKEN:") {
		t.Fatalf("err = %v", err)
	}
	env = map[string]string{"ROBOT_USER": "x"}
	err = run(context.Background(), []string{"--dir", t.TempDir(), "--server", "robot"}, &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "ASSEMBLE_ROBOT_HOST_KEY") {
		t.Fatalf("err = %v", err)
	}
}

func TestQuickstartOnRobotAndStatic(t *testing.T) {
	for _, kind := range []string{"robot", "static"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			var first, second bytes.Buffer
			if err := run(context.Background(), []string{"--dir", dir, "--server", kind}, &first, noEnv); err != nil {
				t.Fatalf("%v\n%s", err, first.String())
			}
			if !strings.Contains(first.String(), "created   ") {
				t.Fatalf("first run created nothing:\n%s", first.String())
			}
			if err := run(context.Background(), []string{"--dir", dir, "--server", kind}, &second, noEnv); err != nil {
				t.Fatalf("%v\n%s", err, second.String())
			}
			sum := second.String()[strings.Index(second.String(), "summary:"):]
			if strings.Contains(sum, "created ") || strings.Contains(sum, "updated ") {
				t.Fatalf("second run changed something:\n%s", second.String())
			}
		})
	}
}

func TestUnknownServerKind(t *testing.T) {
	err := run(context.Background(), []string{"--dir", t.TempDir(), "--server", "aws"}, &bytes.Buffer{}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "use hetzner, robot or static") {
		t.Fatalf("err = %v", err)
	}
}

func TestQuickstartWithHetznerDNS(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--dir", dir, "--dns", "hetzner"}, &out, noEnv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "domain    shop.example.com → 127.0.1.") {
		t.Fatalf("no record:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"--dir", dir, "--dns", "hetzner"}, &out, noEnv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	sum := out.String()[strings.Index(out.String(), "summary:"):]
	if strings.Contains(sum, "created ") || strings.Contains(sum, "updated ") {
		t.Fatalf("second run changed something:\n%s", out.String())
	}
}

func TestQuickstartPlanAndDestroy(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--dir", dir, "--plan"}, &out, noEnv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `created server "shop-1"`) {
		t.Fatalf("plan on an empty world:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "config", "deploy.yml")); !os.IsNotExist(err) {
		t.Fatalf("--plan wrote the Kamal config: %v", err)
	}
	if err := run(context.Background(), []string{"--dir", dir}, &bytes.Buffer{}, noEnv); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"--dir", dir, "--destroy"}, &out, noEnv); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{`deleted server "shop-1"`, `deleted bucket "shop-uploads"`, `deleted dns record "shop.example.com`} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("--destroy output lacks %q:\n%s", want, out.String())
		}
	}
	// The saved world holds nothing of the recipe's.
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: filepath.Join(dir, ".sandbox"), AppDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if n := len(sb.Hetzner.Servers()) + len(sb.Hetzner.Firewalls()) + len(sb.Hetzner.SSHKeys()) + len(sb.S3.Buckets()) + len(sb.Cloudflare.Records(sb.Zone())); n != 0 {
		t.Fatalf("%d resources left after --destroy", n)
	}
}
