package builder

import (
	"fmt"
	"strings"
)

// CronDir is where the prune job's file goes.
const CronDir = "/etc/cron.d/"

// cronMarker starts every cron file this package writes; Destroy removes
// only files that carry it.
const cronMarker = "# Written by assemble"

// CronFile renders the prune job: the file name (no directory; no dots, or
// cron ignores it) and its exact content (trailing newline, '%' escaped,
// root as the user field). Both Ensure and the cloud-init user data of a
// server that is its own builder write this, so the next Ensure finds the
// file unchanged. It returns empty strings when the spec disables pruning.
func CronFile(spec Spec) (name, content string) {
	name = cronName(spec)
	if spec.Prune.Disabled {
		return "", ""
	}
	cmd := "docker system prune -f"
	if spec.Prune.Until != "" {
		cmd += " --filter until=" + spec.Prune.Until
	}
	// cron sends output by mail, and there is no mail here: drop it.
	cmd += " >/dev/null 2>&1"
	owner := spec.Owner
	if owner == "" {
		owner = "-"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (recipe %s): prune unused Docker data and build cache.\n", cronMarker, owner)
	b.WriteString("# Rewritten on every run; remove with the recipe's Destroy.\n")
	b.WriteString("SHELL=/bin/sh\n")
	b.WriteString("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
	fmt.Fprintf(&b, "%s root %s\n", spec.schedule(), escapeCron(cmd))
	return name, b.String()
}

// CronPath returns the full path of the prune job's file.
func CronPath(spec Spec) string { return CronDir + cronName(spec) }

func cronName(spec Spec) string {
	if spec.Owner == "" {
		return "assemble-prune"
	}
	return "assemble-prune-" + spec.Owner
}

// escapeCron escapes '%', which cron turns into a newline in the command
// field.
func escapeCron(cmd string) string { return strings.ReplaceAll(cmd, "%", `\%`) }
