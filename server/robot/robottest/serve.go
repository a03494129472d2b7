package robottest

import (
	"net/http"
	"strings"
)

// serve runs behind the knobs: authentication, rate limits, form parsing,
// then the route.
func (r *Robot) serve(w http.ResponseWriter, req *http.Request) {
	if !r.authorize(w, req) || r.rateLimited(w, req) {
		return
	}
	if req.Method == http.MethodPost {
		ct := req.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			invalid(w, "requests must be form-encoded (application/x-www-form-urlencoded)")
			return
		}
		if err := req.ParseForm(); err != nil {
			invalid(w, "malformed form body")
			return
		}
	}
	r.mux.ServeHTTP(w, req)
}

func (r *Robot) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /server", r.listServers)
	m.HandleFunc("GET /server/{n}", r.getServer)
	m.HandleFunc("POST /server/{n}", r.renameServer)
	m.HandleFunc("GET /key", r.listKeys)
	m.HandleFunc("POST /key", r.createKey)
	m.HandleFunc("GET /key/{fp}", r.getKey)
	m.HandleFunc("POST /key/{fp}", r.renameKey)
	m.HandleFunc("DELETE /key/{fp}", r.deleteKey)
	for _, p := range []string{"/firewall/{n}", "/firewall/{n}/{port}"} {
		m.HandleFunc("GET "+p, r.getFirewall)
		m.HandleFunc("POST "+p, r.postFirewall)
		m.HandleFunc("DELETE "+p, r.deleteFirewall)
	}
	m.HandleFunc("GET /order/server/product", r.listProducts)
	m.HandleFunc("GET /order/server/product/{id}", r.getProduct)
	m.HandleFunc("GET /order/server/transaction", r.listTransactions)
	m.HandleFunc("POST /order/server/transaction", r.createTransaction)
	m.HandleFunc("GET /order/server/transaction/{id}", r.getTransaction)
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { notFound(w, CodeNotFound, "Not found") })
	return m
}
