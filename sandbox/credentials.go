package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
)

// credentials are the sandbox's made-up tokens and keys, kept in Dir so that
// a second run presents the same ones (a changed key would be a change).
type credentials struct {
	HetznerToken     string `json:"hetzner_token"`
	CloudflareToken  string `json:"cloudflare_token"`
	S3AccessKey      string `json:"s3_access_key"`
	S3SecretKey      string `json:"s3_secret_key"`
	RegistryUser     string `json:"registry_user"`
	RegistryPassword string `json:"registry_password"`
	RobotUser        string `json:"robot_user,omitempty"`
	RobotPassword    string `json:"robot_password,omitempty"`
	// S3Addr and RegistryAddr are where those simulators listened last
	// time: their addresses end up in the Kamal files, so a second run
	// listens there again when it can.
	S3Addr       string `json:"s3_addr,omitempty"`
	RegistryAddr string `json:"registry_addr,omitempty"`
}

// saveCredentials writes c to path, 0600.
func saveCredentials(path string, c credentials) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loadCredentials reads path, or makes new credentials and writes them 0600.
func loadCredentials(path string) (credentials, error) {
	var c credentials
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c); err != nil {
			return c, err
		}
		if c.RobotUser == "" {
			// Written by a sandbox from before Robot was simulated.
			c.RobotUser, c.RobotPassword = "#ws+sandbox", "sandbox-robot-"+random(12)
		}
		return c, nil
	case !errors.Is(err, fs.ErrNotExist):
		return c, err
	}
	c = credentials{
		HetznerToken:     "sandbox-hcloud-" + random(16),
		CloudflareToken:  "sandbox-cf-" + random(16),
		S3AccessKey:      "SANDBOX" + random(6),
		S3SecretKey:      random(20),
		RegistryUser:     "sandbox",
		RegistryPassword: "sandbox-registry-" + random(12),
		RobotUser:        "#ws+sandbox",
		RobotPassword:    "sandbox-robot-" + random(12),
	}
	return c, saveCredentials(path, c)
}
