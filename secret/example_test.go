package secret_test

import (
	"fmt"

	"github.com/assemblekit/assemble/secret"
)

func ExampleValue() {
	token := secret.New("hcloud-token-123")
	fmt.Println(token)
	fmt.Printf("%+v\n", struct{ Token secret.Value }{token})
	fmt.Println(len(token.Reveal()))
	// Output:
	// [REDACTED]
	// {Token:[REDACTED]}
	// 16
}

func ExampleScrub() {
	pw := secret.New("s3cr3t")
	stderr := "login failed for s3cr3t"
	fmt.Println(secret.Scrub(stderr, pw))
	// Output: login failed for [REDACTED]
}
