package cloudflaretest_test

import (
	"fmt"
	"net/http"

	"github.com/assemblekit/assemble/dns/cloudflare/cloudflaretest"
)

// The simulator holds zones and records and answers DNS for them.
func Example() {
	s, err := cloudflaretest.Start()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	z := s.AddZone("example.com")
	s.AddRecord("example.com", cloudflaretest.Record{Name: "shop", Content: "127.0.0.5"})

	req, _ := http.NewRequest("GET", s.URL()+"/zones/"+z.ID+"/dns_records?name.exact=shop.example.com", nil)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, len(s.Records("example.com")), s.Records("example.com")[0].Name)
	fmt.Println(len(s.NameserverAddrs()), "nameservers")
	fmt.Println(s.Knobs().Count("GET", "*"), "request logged")
	// Output:
	// 200 1 shop.example.com
	// 2 nameservers
	// 1 request logged
}
