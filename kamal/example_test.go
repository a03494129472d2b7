package kamal_test

import (
	"fmt"

	"github.com/assemblekit/assemble/kamal"
)

func ExampleRender() {
	cfg := kamal.Config{
		Service:  "shop",
		Image:    "shop",
		Servers:  map[string][]string{"web": {"127.0.1.5"}},
		Proxy:    &kamal.Proxy{Host: "shop.example.com", SSL: true},
		Registry: &kamal.Registry{Server: "localhost:5555"},
		Builder:  &kamal.Builder{Arch: "amd64"},
	}
	existing := []byte("# ours\nservice: shop\nasset_path: /rails/public/assets # keep me\n")
	out, err := kamal.Render(cfg, existing)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(out))
	fmt.Println(kamal.Validate(out))
	// Output:
	// # ours
	// service: shop
	// asset_path: /rails/public/assets # keep me
	// image: shop
	// servers:
	//   web:
	//     - 127.0.1.5
	// proxy:
	//   host: shop.example.com
	//   ssl: true
	// registry:
	//   server: localhost:5555
	// builder:
	//   arch: amd64
	// <nil>
}
