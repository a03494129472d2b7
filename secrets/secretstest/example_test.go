package secretstest_test

import (
	"fmt"
	"os/exec"

	"github.com/assemblekit/assemble/secrets/secretstest"
)

// The fakes are the test binary itself: TestMain must call
// secretstest.Main(m) so that a fake started by a provider answers from the
// scenario instead of running the tests.
func ExampleCLIs() {
	fakes, err := secretstest.OpenCLIs() // in a test: secretstest.NewCLIs(t)
	if err != nil {
		panic(err)
	}
	defer fakes.Close()
	fakes.On("bw", "status").Stdout(`{"userEmail":"ops@example.com","status":"unlocked"}`)

	out, err := exec.Command(fakes.Path("bw"), "status").Output()
	fmt.Println(string(out), err)
	fmt.Println(fakes.Commands(), fakes.Pending())
	// Output:
	// {"userEmail":"ops@example.com","status":"unlocked"} <nil>
	// [bw status] []
}
