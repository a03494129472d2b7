// Package builder prepares a host — usually the app's own server — as
// Kamal's remote Docker builder, over SSH with the host key pinned.
//
// Ensure checks the host's architecture, memory and free disk against a
// floor, makes sure Docker is there (installing it the way Kamal does when
// the spec says how, or only verifying when cloud-init did it at boot), adds
// a non-root login user to the docker group, keeps a cron job in
// /etc/cron.d that runs "docker system prune -f" so build cache doesn't fill
// the disk, and writes the host's line to a known_hosts file, because Kamal
// reaches the builder through the system ssh, which must already trust it.
// It returns what Kamal's builder section needs: arch, remote
// (ssh://user@host[:port]) and local.
//
// Plan reads and reports; Destroy removes the cron file and never uninstalls
// Docker. CronFile is the one definition of the cron job, shared with the
// cloud-init user data the server ingredient renders.
//
// builder/buildertest is a simulated host to test against.
package builder
