package buildertest_test

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/assemblekit/assemble/builder/buildertest"
)

// A simulated Ubuntu host answers the builder's commands over real SSH, and
// records what it was asked.
func Example() {
	host, err := buildertest.Start(buildertest.Arch("arm64"), buildertest.WithoutDocker())
	if err != nil {
		panic(err)
	}
	defer host.Close()

	client, err := ssh.Dial("tcp", host.Addr(), &ssh.ClientConfig{
		User:            "root",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(host.ClientSigner())},
		HostKeyCallback: ssh.FixedHostKey(host.HostKey()),
	})
	if err != nil {
		panic(err)
	}
	defer client.Close()
	for _, cmd := range []string{"uname -m", "docker -v"} {
		s, err := client.NewSession()
		if err != nil {
			panic(err)
		}
		out, err := s.CombinedOutput(cmd)
		s.Close()
		fmt.Printf("%s: %q, err=%v\n", cmd, strings.TrimSpace(string(out)), err != nil)
	}
	fmt.Println(host.Commands())
	fmt.Println("docker installed:", host.DockerInstalled())
	// Output:
	// uname -m: "aarch64", err=false
	// docker -v: "bash: line 1: docker: command not found", err=true
	// [uname -m docker -v]
	// docker installed: false
}
