package builder_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/builder/buildertest"
)

// Prepare a fresh host as Kamal's remote builder, then run again: the second
// run finds everything in place and changes nothing.
func ExampleEnsure() {
	h, err := buildertest.Start(buildertest.WithoutDocker(), buildertest.Arch("arm64"))
	if err != nil {
		panic(err)
	}
	defer h.Close()

	host := builder.Host{Addr: h.Addr(), User: "root", HostKey: h.HostKey(), Signer: h.ClientSigner()}
	spec := builder.Spec{Owner: "shop", Prune: builder.Prune{Until: "24h"}}

	b, op, err := builder.Ensure(context.Background(), host, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op, b.Arch, b.DockerVersion, b.CronPath)
	fmt.Print(h.CronFiles()["assemble-prune-shop"])

	_, op, err = builder.Ensure(context.Background(), host, spec)
	if err != nil {
		panic(err)
	}
	fmt.Println(op)
	// Output:
	// created arm64 27.5.1 /etc/cron.d/assemble-prune-shop
	// # Written by assemble (recipe shop): prune unused Docker data and build cache.
	// # Rewritten on every run; remove with the recipe's Destroy.
	// SHELL=/bin/sh
	// PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	// 17 3 * * * root docker system prune -f --filter until=24h >/dev/null 2>&1
	// unchanged
}

// The cron job both Ensure and a server's cloud-init write.
func ExampleCronFile() {
	name, content := builder.CronFile(builder.Spec{Owner: "shop", Prune: builder.Prune{Schedule: "@daily"}})
	fmt.Println(name)
	lines := strings.Split(strings.TrimSpace(content), "\n")
	fmt.Println(lines[len(lines)-1])
	// Output:
	// assemble-prune-shop
	// @daily root docker system prune -f >/dev/null 2>&1
}

// Plan shows what Ensure would do, reading the host only.
func ExamplePlan() {
	h, err := buildertest.Start(buildertest.WithoutDocker(), buildertest.User("deploy", true))
	if err != nil {
		panic(err)
	}
	defer h.Close()
	host := builder.Host{Addr: h.Addr(), User: "deploy", HostKey: h.HostKey(), Signer: h.ClientSigner()}

	changes, err := builder.Plan(context.Background(), host, builder.Spec{Owner: "shop"})
	if err != nil {
		panic(err)
	}
	for _, c := range changes.Mutating() {
		if c.Kind == "docker" {
			c.Name = "HOST" // the address changes on every run
		}
		fmt.Println(c)
	}
	// Output:
	// created docker "HOST": install with the docker convenience script
	// updated docker group "deploy": add deploy to the docker group
	// created cron file "/etc/cron.d/assemble-prune-shop": docker system prune at 17 3 * * *
}
