// Package assemble prepares everything a Kamal deployment needs before the
// first `kamal setup` — an SSH key, a server behind a 22/80/443 firewall,
// object storage, a DNS record, a registry login that works, a password
// manager holding the secrets, a remote Docker builder — and hands back typed
// Outputs from which package kamal writes config/deploy.yml and
// .kamal/secrets.
//
// A Recipe is built with a fluent, typed builder; nothing runs until Plan,
// Ensure or Destroy:
//
//	r := assemble.New("shop").
//		SSHKey(sshkey.File("~/.ssh/id_ed25519"))
//	plan, err := r.Plan(ctx)    // what would change; nothing mutated
//	out, err := r.Ensure(ctx)   // converge; typed Outputs
//	_, err = r.Destroy(ctx)     // tear down what the recipe owns
//
// The Recipe runs its steps as a dependency graph (key → server → DNS record
// and builder; storage, registry and secrets don't wait for the server):
// independent steps run concurrently, the first failure cancels the rest, and
// Destroy runs in reverse order. Every step is idempotent: a second Ensure on
// a converged world changes nothing.
//
// Progress arrives as typed Events at the observer given by WithObserver;
// logs go to the *slog.Logger given by WithLogger (discarded by default).
package assemble
