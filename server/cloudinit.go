package server

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/secret"
)

// PruneCronPath is where cloud-init puts the builder's prune job. cron
// ignores files in /etc/cron.d whose names contain a dot.
const PruneCronPath = "/etc/cron.d/assemble-docker-prune"

// DefaultPruneSchedule is when the builder prunes Docker: daily at 03:17.
const DefaultPruneSchedule = "17 3 * * *"

// MaxUserData is the largest user data Hetzner accepts (32 KiB).
const MaxUserData = 32 << 10

// CloudInit is what a new server is told at first boot.
type CloudInit struct {
	// HostKey is pinned as the server's only SSH host key.
	HostKey *HostKey
	// User is the login user; root when empty. A non-root user is created
	// with passwordless sudo (and docker group membership on a builder).
	User string
	// AuthorizedKey is the login key for User. Providers that pass the key
	// to the vendor (Hetzner's ssh_keys) still set it for non-root users.
	AuthorizedKey ssh.PublicKey
	// Builder installs Docker and the prune cron job.
	Builder bool
	// PruneSchedule is the cron schedule of the prune job;
	// DefaultPruneSchedule when empty.
	PruneSchedule string
}

type cloudConfig struct {
	SSHDeleteKeys   bool              `yaml:"ssh_deletekeys"`
	SSHKeys         map[string]string `yaml:"ssh_keys"`
	SSHGenKeyTypes  []string          `yaml:"ssh_genkeytypes"`
	SSHPwAuth       bool              `yaml:"ssh_pwauth"`
	DisableRoot     bool              `yaml:"disable_root"`
	Users           []any             `yaml:"users,omitempty"`
	PackageUpdate   bool              `yaml:"package_update,omitempty"`
	Packages        []string          `yaml:"packages,omitempty"`
	WriteFiles      []writeFile       `yaml:"write_files,omitempty"`
	RunCmd          [][]string        `yaml:"runcmd,omitempty"`
	SSHAuthorizedKs []string          `yaml:"ssh_authorized_keys,omitempty"`
}

type cloudUser struct {
	Name              string   `yaml:"name"`
	Groups            string   `yaml:"groups,omitempty"`
	Shell             string   `yaml:"shell"`
	Sudo              string   `yaml:"sudo"`
	LockPasswd        bool     `yaml:"lock_passwd"`
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
}

type writeFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Content     string `yaml:"content"`
}

// Render returns the #cloud-config user data. It holds the host's private
// key, so it is a secret.Value: reveal it only to hand it to the vendor.
func (c CloudInit) Render() (secret.Value, error) {
	if c.HostKey == nil {
		return secret.Value{}, errors.New("render cloud-init: no host key")
	}
	priv, err := c.HostKey.privatePEM()
	if err != nil {
		return secret.Value{}, err
	}
	cfg := cloudConfig{
		SSHDeleteKeys: true,
		SSHKeys: map[string]string{
			"ed25519_private": priv.Reveal(),
			"ed25519_public":  strings.TrimSpace(string(ssh.MarshalAuthorizedKey(c.HostKey.PublicKey()))),
		},
		SSHGenKeyTypes: []string{},
		SSHPwAuth:      false,
		DisableRoot:    false,
	}
	user := c.User
	if user == "" {
		user = DefaultUser
	}
	var authorized []string
	if c.AuthorizedKey != nil {
		authorized = []string{strings.TrimSpace(string(ssh.MarshalAuthorizedKey(c.AuthorizedKey)))}
	}
	if user != "root" {
		u := cloudUser{Name: user, Shell: "/bin/bash", Sudo: "ALL=(ALL) NOPASSWD:ALL", LockPasswd: true, SSHAuthorizedKeys: authorized}
		if c.Builder {
			u.Groups = "docker"
		}
		cfg.Users = []any{"default", u}
	}
	if c.Builder {
		sched := c.PruneSchedule
		if sched == "" {
			sched = DefaultPruneSchedule
		}
		if strings.Count(strings.TrimSpace(sched), " ") != 4 || strings.ContainsAny(sched, "%\n") {
			return secret.Value{}, fmt.Errorf("render cloud-init: prune schedule %q is not five cron fields", sched)
		}
		cfg.PackageUpdate = true
		cfg.Packages = []string{"docker.io", "cron"}
		cfg.WriteFiles = []writeFile{{
			Path:        PruneCronPath,
			Owner:       "root:root",
			Permissions: "0644",
			Content:     "# installed by assemble: keep the builder's disk from filling up\n" + sched + " root docker system prune -f >/dev/null 2>&1\n",
		}}
		cfg.RunCmd = [][]string{{"systemctl", "enable", "--now", "docker"}, {"systemctl", "enable", "--now", "cron"}}
	}
	var b bytes.Buffer
	b.WriteString("#cloud-config\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return secret.Value{}, fmt.Errorf("render cloud-init: %w", err)
	}
	if err := enc.Close(); err != nil {
		return secret.Value{}, fmt.Errorf("render cloud-init: %w", err)
	}
	if b.Len() > MaxUserData {
		return secret.Value{}, fmt.Errorf("render cloud-init: %d bytes, more than the %d allowed", b.Len(), MaxUserData)
	}
	return secret.New(b.String()), nil
}

// UserData is what ParseUserData found in cloud-init user data: what a
// simulated host needs to behave like the real one would after boot.
type UserData struct {
	// HostKey is the pinned host key, as a signer a simulated SSH server
	// can present.
	HostKey ssh.Signer
	// Builder is true when Docker and the prune job are installed.
	Builder bool
	// Packages are the packages cloud-init installs.
	Packages []string
	// Files maps each written path to its content.
	Files map[string]string
	// Users are the non-default users created.
	Users []string
	// PasswordAuth reports ssh_pwauth.
	PasswordAuth bool
}

// ParseUserData reads user data rendered by CloudInit.Render. The sandbox
// uses it to give a simulated host the pinned host key.
func ParseUserData(data string) (*UserData, error) {
	if !strings.HasPrefix(data, "#cloud-config") {
		return nil, errors.New("parse user data: not #cloud-config")
	}
	var cfg struct {
		SSHKeys    map[string]string `yaml:"ssh_keys"`
		SSHPwAuth  bool              `yaml:"ssh_pwauth"`
		Packages   []string          `yaml:"packages"`
		WriteFiles []writeFile       `yaml:"write_files"`
		Users      []any             `yaml:"users"`
	}
	if err := yaml.Unmarshal([]byte(data), &cfg); err != nil {
		return nil, fmt.Errorf("parse user data: %w", err)
	}
	out := &UserData{PasswordAuth: cfg.SSHPwAuth, Packages: cfg.Packages, Files: map[string]string{}}
	if pemKey := cfg.SSHKeys["ed25519_private"]; pemKey != "" {
		s, err := ssh.ParsePrivateKey([]byte(pemKey))
		if err != nil {
			return nil, errors.New("parse user data: ed25519_private is not a valid key")
		}
		out.HostKey = s
	}
	for _, f := range cfg.WriteFiles {
		out.Files[f.Path] = f.Content
		if f.Path == PruneCronPath {
			out.Builder = true
		}
	}
	for _, u := range cfg.Users {
		if m, ok := u.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				out.Users = append(out.Users, n)
			}
		}
	}
	return out, nil
}
