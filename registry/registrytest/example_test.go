package registrytest_test

import (
	"fmt"
	"net/http"

	"github.com/assemblekit/assemble/registry/registrytest"
)

// A registry with Docker Hub's token flow: the challenge names the token
// endpoint, which grants only what the user holds.
func Example() {
	srv, err := registrytest.Start(registrytest.WithBearer())
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.AddUser("alice", "s3cret", "push")
	srv.AddUser("reader", "r3ader", "pull")

	resp, err := http.Post(srv.URL()+"/v2/me/shop/blobs/uploads/", "", nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate") != "")
	fmt.Println("requests:", len(srv.Knobs().Requests()))
	// Output:
	// 401 true
	// requests: 1
}
