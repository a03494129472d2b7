package sim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/assemblekit/assemble/sim"
)

func Example() {
	knobs := sim.NewKnobs(nil)
	vendor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "created")
	})
	srv := httptest.NewServer(knobs.Wrap(vendor))
	defer srv.Close()

	knobs.Inject(sim.Fault{Kind: sim.FailBeforeCommit, Method: "POST", Path: "/things", Status: 503})
	for range 2 {
		resp, err := http.Post(srv.URL+"/things", "text/plain", strings.NewReader("{}"))
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	fmt.Println("mutating requests:", knobs.Mutating())
	// Output:
	// 503
	// 200
	// mutating requests: 2
}
