package builder

import "github.com/assemblekit/assemble/ensure"

// Installer is how Docker gets onto a host that lacks it. Build one with
// ConvenienceScript, DistroPackage, AtBoot or Command; the zero value is
// ConvenienceScript.
type Installer struct {
	name string
	cmd  string // run as root; "" with atBoot means only wait and verify
	// atBoot: cloud-init installs Docker; wait for it and verify.
	atBoot bool
}

const (
	convenienceScriptCmd = "(curl -fsSL https://get.docker.com || wget -qO- https://get.docker.com) | sh"
	distroPackageCmd     = "DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io"
)

// ConvenienceScript installs Docker with get.docker.com, as
// "kamal server bootstrap" does. The host needs Internet access.
func ConvenienceScript() Installer {
	return Installer{name: "docker convenience script", cmd: convenienceScriptCmd}
}

// DistroPackage installs the distribution's docker.io package with apt-get.
func DistroPackage() Installer {
	return Installer{name: "apt package docker.io", cmd: distroPackageCmd}
}

// AtBoot installs nothing: the server's cloud-init user data installs
// Docker during boot. Ensure waits for cloud-init to finish ("cloud-init
// status --wait") and fails with an *InstallError if Docker still isn't
// there.
func AtBoot() Installer { return Installer{name: "cloud-init at boot", atBoot: true} }

// Command installs Docker with a shell command of your own, run as root
// (through "sudo -n" for a non-root user). It must be idempotent.
func Command(name, cmd string) Installer { return Installer{name: name, cmd: cmd} }

// String names the method, for plans and errors.
func (i Installer) String() string { return i.orDefault().name }

func (i Installer) orDefault() Installer {
	if i.name == "" && i.cmd == "" && !i.atBoot {
		return ConvenienceScript()
	}
	return i
}

func (i Installer) validate() error {
	i = i.orDefault()
	if !i.atBoot && i.cmd == "" {
		return ensure.Invalid("builder.install", i.name, "has no command", "use builder.Command(name, cmd) with a command")
	}
	return nil
}
