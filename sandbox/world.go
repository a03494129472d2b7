package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/assemblekit/assemble/builder"
	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
	"github.com/assemblekit/assemble/registry/registrytest"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
	"github.com/assemblekit/assemble/storage/s3/s3test"
)

// The files the world is saved in, under Dir.
const (
	hetznerFile    = "hetzner.json"
	cloudflareFile = "cloudflare.json"
	s3File         = "s3.json"
	hostsFile      = "hosts.json"
	// credentialsFile holds the sandbox's made-up credentials and addresses.
	credentialsFile = "sandbox.json"
)

func (s *Sandbox) path(name string) string { return filepath.Join(s.dir, name) }

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (s *Sandbox) startWorld(opts Options) error {
	var err error
	actionTime := opts.ActionTime
	if s.profile.Action > 0 {
		actionTime = s.profile.Action
	}
	if actionTime <= 0 {
		actionTime = 300 * time.Millisecond
	}
	if err := s.loadHosts(); err != nil {
		return err
	}

	s.actionTime = actionTime
	if s.Hetzner, err = hetznertest.Start(hetznertest.WithToken(s.creds.HetznerToken), hetznertest.WithActionDuration(actionTime)); err != nil {
		return fmt.Errorf("hetzner simulator: %w", err)
	}
	// Register the boot hook before loading, so servers saved by an earlier
	// run get their hosts back.
	s.Hetzner.OnBoot(s.boot)
	if err := s.Hetzner.LoadFile(s.path(hetznerFile)); err != nil {
		return fmt.Errorf("hetzner simulator: %w", err)
	}
	if s.profile.Boot > 0 {
		// Servers loaded above are up; new ones boot after their create.
		s.bootDelay = actionTime + s.profile.Boot
		s.Hetzner.OnBoot(s.bootLater)
	}

	if s.Cloudflare, err = cloudflaretest.Start(cloudflaretest.WithToken(s.creds.CloudflareToken)); err != nil {
		return fmt.Errorf("cloudflare simulator: %w", err)
	}
	if exists(s.path(cloudflareFile)) {
		if err := s.Cloudflare.LoadFile(s.path(cloudflareFile)); err != nil {
			return fmt.Errorf("cloudflare simulator: %w", err)
		}
	}
	if !s.hasZone() {
		s.Cloudflare.AddZone(s.zone)
	}

	s3opts := []s3test.Option{s3test.WithCredentials(s.creds.S3AccessKey, s.creds.S3SecretKey), s3test.WithRegion("fsn1")}
	if s.S3, err = s3test.Start(append(s3opts, s3test.WithAddr(orAny(s.creds.S3Addr)))...); err != nil {
		// The old port is taken: take any.
		if s.S3, err = s3test.Start(s3opts...); err != nil {
			return fmt.Errorf("s3 simulator: %w", err)
		}
	}
	if exists(s.path(s3File)) {
		if err := s.S3.LoadFile(s.path(s3File)); err != nil {
			return fmt.Errorf("s3 simulator: %w", err)
		}
	}

	if s.Registry, err = registrytest.Start(registrytest.WithBearer(), registrytest.WithAddr(orAny(s.creds.RegistryAddr))); err != nil {
		if s.Registry, err = registrytest.Start(registrytest.WithBearer()); err != nil {
			return fmt.Errorf("registry simulator: %w", err)
		}
	}
	s.Registry.AddUser(s.creds.RegistryUser, s.creds.RegistryPassword, "pull", "push")

	s.applyProfile()
	s.creds.S3Addr = strings.TrimPrefix(s.S3.URL(), "http://")
	s.creds.RegistryAddr = s.Registry.Host()
	return saveCredentials(s.path(credentialsFile), s.creds)
}

// orAny returns addr, or a free loopback port when there is none.
func orAny(addr string) string {
	if addr == "" {
		return "127.0.0.1:0"
	}
	return addr
}

func (s *Sandbox) hasZone() bool {
	for _, z := range s.Cloudflare.Zones() {
		if z.Name == s.zone {
			return true
		}
	}
	return false
}

// save writes every simulator's state and the simulated hosts' files.
func (s *Sandbox) save() error {
	var errs []error
	if s.Hetzner != nil {
		errs = append(errs, s.Hetzner.SaveFile(s.path(hetznerFile)))
	}
	if s.Cloudflare != nil {
		errs = append(errs, s.Cloudflare.SaveFile(s.path(cloudflareFile)))
	}
	if s.S3 != nil {
		errs = append(errs, s.S3.SaveFile(s.path(s3File)))
	}
	s.mu.Lock()
	r := s.robot
	s.mu.Unlock()
	if r != nil {
		errs = append(errs, r.Save(s.path(robotFile)))
	}
	errs = append(errs, s.saveHosts())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("save sandbox: %w", err)
	}
	return nil
}

// hostState is what a simulated host keeps between runs.
type hostState struct {
	Docker bool              `json:"docker"`
	Files  map[string]string `json:"files"`
}

func (s *Sandbox) loadHosts() error {
	b, err := os.ReadFile(s.path(hostsFile))
	if errors.Is(err, fs.ErrNotExist) {
		s.savedHost = map[string]hostState{}
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(b, &s.savedHost)
}

func (s *Sandbox) saveHosts() error {
	s.mu.Lock()
	state := map[string]hostState{}
	for ip, h := range s.hosts {
		files := map[string]string{}
		for name, content := range h.CronFiles() {
			files[builder.CronDir+name] = content
		}
		state[ip] = hostState{Docker: h.DockerInstalled(), Files: files}
	}
	s.mu.Unlock()
	b, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(s.path(hostsFile), b, 0o600)
}
