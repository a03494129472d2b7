package builder

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/assemblekit/assemble/ensure"
)

// Default floors. A server sold as "8 GB" reports a MemTotal a few hundred
// MiB under 8 GiB (the kernel keeps some), so the memory floor sits at
// 7.5 GiB to accept it.
const (
	DefaultMinMemory int64 = 7680 << 20 // 7.5 GiB
	DefaultMinDisk   int64 = 20e9       // 20 GB free where Docker keeps its data
)

// DefaultPruneSchedule runs the prune job daily at 03:17, off the full hour
// when every other cron job on the machine starts.
const DefaultPruneSchedule = "17 3 * * *"

// Spec is what the builder host must look like.
type Spec struct {
	// MinMemory and MinDisk are floors in bytes for MemTotal and the free
	// space under /var/lib. Zero means the default (DefaultMinMemory,
	// DefaultMinDisk); negative disables the check.
	MinMemory, MinDisk int64
	// WarnOnly turns a host below a floor into a warning (Debug log and
	// ensure.Report) instead of a *FloorError.
	WarnOnly bool
	// Install says how to install Docker when "docker -v" fails. The zero
	// value is ConvenienceScript(), what Kamal itself runs; use AtBoot()
	// when the server's cloud-init installs Docker.
	Install Installer
	// Prune configures the cron job that runs "docker system prune -f".
	Prune Prune
	// Local is Kamal's builder.local: false (the default) means the user's
	// machine never builds; every build runs on this host.
	Local bool
	// KnownHostsPath is the known_hosts file where the host's key line is
	// written (usually ~/.ssh/known_hosts, as docker contexts use the system
	// ssh). Empty: don't write one. A leading "~/" is the home directory.
	KnownHostsPath string
	// Owner is the recipe's name. It names the cron file
	// (/etc/cron.d/assemble-prune-OWNER) so Destroy finds what this recipe
	// wrote. Letters, digits, '-' and '_' only: cron ignores files whose
	// name has a dot.
	Owner string
}

// Prune is the Docker prune cron job.
type Prune struct {
	// Schedule is the five cron time fields, or @daily/@hourly/@weekly/…;
	// DefaultPruneSchedule when empty.
	Schedule string
	// Until, when set, only prunes what is older than this Go duration
	// (e.g. "24h"): docker system prune -f --filter until=24h.
	Until string
	// Disabled means no prune job; Ensure removes one it wrote before.
	Disabled bool
}

var (
	reOwner     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	reCronField = regexp.MustCompile(`^[0-9A-Za-z*,/-]+$`)
)

// Validate reports the first invalid field, naming it and the fix.
func (s Spec) Validate() error {
	if s.Owner != "" && !reOwner.MatchString(s.Owner) {
		return ensure.Invalid("builder.owner", s.Owner, "may hold only letters, digits, '-' and '_' (cron ignores files with dots in their name)",
			"use the recipe name without dots, e.g. "+strings.NewReplacer(".", "-", " ", "-").Replace(s.Owner))
	}
	if err := s.Install.validate(); err != nil {
		return err
	}
	if s.Prune.Disabled {
		return nil
	}
	if err := validateSchedule(s.Prune.Schedule); err != nil {
		return err
	}
	if s.Prune.Until != "" {
		d, err := time.ParseDuration(s.Prune.Until)
		if err != nil || d <= 0 {
			return ensure.Invalid("builder.prune.until", s.Prune.Until, "is not a positive duration", `use a Go duration such as "24h" or "168h"`)
		}
	}
	return nil
}

func validateSchedule(sched string) error {
	if sched == "" {
		return nil
	}
	bad := func(reason string) error {
		return ensure.Invalid("builder.prune.schedule", sched, reason, `use five cron fields such as "17 3 * * *", or @daily`)
	}
	if strings.HasPrefix(sched, "@") {
		switch sched {
		case "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually":
			return nil
		}
		return bad("is not a cron shortcut this job can use")
	}
	fields := strings.Fields(sched)
	if len(fields) != 5 || strings.Join(fields, " ") != sched {
		return bad("needs exactly five fields separated by single spaces")
	}
	max := []int{59, 23, 31, 12, 7}
	for i, f := range fields {
		if !reCronField.MatchString(f) {
			return bad("field " + strconv.Itoa(i+1) + " has characters cron doesn't accept")
		}
		for _, part := range strings.FieldsFunc(f, func(r rune) bool { return r == ',' || r == '-' || r == '/' }) {
			if n, err := strconv.Atoi(part); err == nil && n > max[i] {
				return bad("field " + strconv.Itoa(i+1) + " is out of range")
			}
		}
	}
	return nil
}

func (s Spec) minMemory() int64 {
	if s.MinMemory == 0 {
		return DefaultMinMemory
	}
	return s.MinMemory
}

func (s Spec) minDisk() int64 {
	if s.MinDisk == 0 {
		return DefaultMinDisk
	}
	return s.MinDisk
}

func (s Spec) schedule() string {
	if s.Prune.Schedule == "" {
		return DefaultPruneSchedule
	}
	return s.Prune.Schedule
}
