package buildertest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

const cronDir = "/etc/cron.d/"

// The exact command lines the simulated host understands. They are spelled
// out here, independently of the builder, so that a builder that changes
// what it sends fails against the simulator until the simulator learns it.
const (
	cmdConvenienceScript = "(curl -fsSL https://get.docker.com || wget -qO- https://get.docker.com) | sh"
	cmdDistroPackage     = "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io"
	dockerVersionLine    = "Docker version 27.5.1, build 9f9e405\n"
)

var (
	reCronRead  = regexp.MustCompile(`^stat -c %a /etc/cron\.d/([A-Za-z0-9_-]+) && cat /etc/cron\.d/([A-Za-z0-9_-]+)$`)
	reCronWrite = regexp.MustCompile(`^umask 022 && cat > /etc/cron\.d/\.([A-Za-z0-9_-]+)\.tmp && chmod 0644 /etc/cron\.d/\.([A-Za-z0-9_-]+)\.tmp && mv -f /etc/cron\.d/\.([A-Za-z0-9_-]+)\.tmp /etc/cron\.d/([A-Za-z0-9_-]+)$`)
	reCronRm    = regexp.MustCompile(`^rm -f /etc/cron\.d/([A-Za-z0-9_-]+)$`)
	reUsermod   = regexp.MustCompile(`^usermod -aG docker ([a-z_][a-z0-9_-]*)$`)
	rePrune     = regexp.MustCompile(`^docker system prune -f( --filter until=[0-9a-zA-Z.:-]+)?$`)
	reSleep     = regexp.MustCompile(`^sleep ([0-9]+)$`)
	reEcho      = regexp.MustCompile(`^echo ([A-Za-z0-9 _.-]*)$`)
)

// isMutating classifies a command line by what it would do if it ran.
func isMutating(cmd string) bool {
	inner := cmd
	if rest, ok := strings.CutPrefix(inner, "sudo -n "); ok {
		inner = rest
		if q, ok := strings.CutPrefix(rest, "sh -c "); ok {
			if s, ok := unquote(q); ok {
				inner = s
			}
		}
	}
	return reCronWrite.MatchString(inner) || reCronRm.MatchString(inner) || reUsermod.MatchString(inner) ||
		rePrune.MatchString(inner) || inner == cmdConvenienceScript || inner == cmdDistroPackage
}

// run interprets cmd as userName would see it on a fresh Ubuntu 24.04.
func (h *Host) run(ctx context.Context, userName, cmd string, stdin io.Reader, stdout, stderr *bytes.Buffer) (int, bool) {
	h.mu.Lock()
	u := h.users[userName]
	h.mu.Unlock()
	if rest, ok := strings.CutPrefix(cmd, "sudo -n "); ok {
		if userName != "root" && !u.sudo {
			stderr.WriteString("sudo: a password is required\n")
			return 1, isMutating(cmd)
		}
		h.mu.Lock()
		u = h.users["root"]
		h.mu.Unlock()
		if q, ok := strings.CutPrefix(rest, "sh -c "); ok {
			s, ok := unquote(q)
			if !ok {
				stderr.WriteString("sh: 1: Syntax error: Unterminated quoted string\n")
				return 2, false
			}
			rest = s
		}
		cmd = rest
	}
	return h.shell(ctx, u, cmd, stdin, stdout, stderr)
}

func (h *Host) shell(ctx context.Context, u *user, cmd string, stdin io.Reader, stdout, stderr *bytes.Buffer) (int, bool) {
	root := u.uid == 0
	denied := func(what string) (int, bool) {
		fmt.Fprintf(stderr, "%s: Permission denied\n", what)
		return 1, true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch cmd {
	case "true":
		return 0, false
	case "uname -m":
		arch := h.arch
		switch arch {
		case "amd64":
			arch = "x86_64"
		case "arm64":
			arch = "aarch64"
		}
		stdout.WriteString(arch + "\n")
		return 0, false
	case "cat /proc/meminfo":
		kb := h.memory / 1024
		fmt.Fprintf(stdout, "MemTotal:       %d kB\nMemFree:        %d kB\nMemAvailable:   %d kB\nBuffers:          123456 kB\nCached:          1234567 kB\nSwapCached:            0 kB\n", kb, kb*9/10, kb*95/100)
		return 0, false
	case "df -B1 --output=avail /var/lib":
		fmt.Fprintf(stdout, "      Avail\n%d\n", h.disk)
		return 0, false
	case "id -u":
		fmt.Fprintf(stdout, "%d\n", u.uid)
		return 0, false
	case "id -un":
		stdout.WriteString(u.name + "\n")
		return 0, false
	case "id -Gn":
		stdout.WriteString(strings.Join(u.groups, " ") + "\n")
		return 0, false
	case "docker -v":
		if !h.docker {
			stderr.WriteString("bash: line 1: docker: command not found\n")
			return 127, false
		}
		stdout.WriteString(dockerVersionLine)
		return 0, false
	case "cloud-init status --wait":
		if h.dockerAtBoot {
			h.docker, h.dockerAtBoot = true, false
		}
		stdout.WriteString("\nstatus: done\n")
		return 0, false
	case "cat":
		h.mu.Unlock()
		stdout.WriteString(stdinOf(stdin))
		h.mu.Lock()
		return 0, false
	case cmdConvenienceScript:
		if !root {
			stderr.WriteString("ERROR: this installer needs the ability to run commands as root.\n")
			return 1, true
		}
		h.installDocker()
		stdout.WriteString("# Executing docker install script, commit: 4c94a56999e10efcf48c5b8e3f6afea464f9108e\n")
		return 0, true
	case cmdDistroPackage:
		if !root {
			stderr.WriteString("E: Could not open lock file /var/lib/apt/lists/lock - open (13: Permission denied)\n")
			return 100, true
		}
		h.installDocker()
		return 0, true
	}
	if m := reCronRead.FindStringSubmatch(cmd); m != nil && m[1] == m[2] {
		f, ok := h.files[cronDir+m[1]]
		if !ok {
			fmt.Fprintf(stderr, "stat: cannot statx '/etc/cron.d/%s': No such file or directory\n", m[1])
			return 1, false
		}
		fmt.Fprintf(stdout, "%o\n%s", f.mode, f.content)
		return 0, false
	}
	if m := reCronWrite.FindStringSubmatch(cmd); m != nil && m[1] == m[2] && m[2] == m[3] && m[3] == m[4] {
		if !root {
			return denied("sh: 1: cannot create /etc/cron.d/." + m[1] + ".tmp")
		}
		h.mu.Unlock()
		content := stdinOf(stdin)
		h.mu.Lock()
		h.files[cronDir+m[4]] = file{content: content, mode: 0o644}
		return 0, true
	}
	if m := reCronRm.FindStringSubmatch(cmd); m != nil {
		if !root {
			if _, ok := h.files[cronDir+m[1]]; ok {
				return denied("rm: cannot remove '/etc/cron.d/" + m[1] + "'")
			}
			return 0, true
		}
		delete(h.files, cronDir+m[1])
		return 0, true
	}
	if m := reUsermod.FindStringSubmatch(cmd); m != nil {
		if !root {
			stderr.WriteString("usermod: Permission denied.\nusermod: cannot lock /etc/passwd; try again later.\n")
			return 1, true
		}
		if !h.docker {
			stderr.WriteString("usermod: group 'docker' does not exist\n")
			return 6, true
		}
		t := h.users[m[1]]
		if t == nil {
			fmt.Fprintf(stderr, "usermod: user '%s' does not exist\n", m[1])
			return 6, true
		}
		if !slices.Contains(t.groups, "docker") {
			t.groups = append(t.groups, "docker")
		}
		return 0, true
	}
	if rePrune.MatchString(cmd) {
		if !h.docker {
			stderr.WriteString("bash: line 1: docker: command not found\n")
			return 127, true
		}
		if !root && !slices.Contains(u.groups, "docker") {
			stderr.WriteString("permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.47/info\": dial unix /var/run/docker.sock: connect: permission denied\n")
			return 1, true
		}
		stdout.WriteString("Total reclaimed space: 0B\n")
		return 0, true
	}
	if m := reSleep.FindStringSubmatch(cmd); m != nil {
		n, _ := strconv.Atoi(m[1])
		h.mu.Unlock()
		t := time.NewTimer(time.Duration(n) * time.Second)
		var code int
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			code = 137
		}
		h.mu.Lock()
		return code, false
	}
	if m := reEcho.FindStringSubmatch(cmd); m != nil {
		stdout.WriteString(m[1] + "\n")
		return 0, false
	}
	word, _, _ := strings.Cut(cmd, " ")
	fmt.Fprintf(stderr, "bash: line 1: %s: command not found\n", word)
	return 127, false
}

// installDocker is what both install methods leave behind. h.mu is held.
func (h *Host) installDocker() {
	h.docker = true
	h.dockerAtBoot = false
}

// unquote undoes sshx.Quote: one single-quoted word, with '"'"' for quotes
// inside.
func unquote(s string) (string, bool) {
	var b strings.Builder
	for len(s) > 0 {
		switch s[0] {
		case '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[1 : 1+end])
			s = s[end+2:]
		case '"':
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[1 : 1+end])
			s = s[end+2:]
		default:
			return "", false
		}
	}
	return b.String(), true
}
