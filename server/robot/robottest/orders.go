package robottest

import (
	"crypto/ed25519"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// AddonPrimaryIPv4 is the order addon that gives a server an IPv4 address;
// without it an ordered server is IPv6-only.
const AddonPrimaryIPv4 = "primary_ipv4"

// Product is an orderable standard server.
type Product struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Dist      []string `json:"dist"`
	Lang      []string `json:"lang"`
	Locations []string `json:"location"`
	Addons    []string `json:"orderable_addons"`
}

// DefaultProducts is the catalogue a new simulator offers.
func DefaultProducts() []Product {
	dists := []string{"Rescue system", "Debian 12 base", "Ubuntu 22.04 LTS base", "Ubuntu 24.04 LTS base"}
	return []Product{
		{ID: "AX41-NVMe", Name: "Dedicated Server AX41-NVMe", Dist: dists, Lang: []string{"en"}, Locations: []string{"FSN1", "NBG1", "HEL1"}, Addons: []string{AddonPrimaryIPv4}},
		{ID: "AX52", Name: "Dedicated Server AX52", Dist: dists, Lang: []string{"en"}, Locations: []string{"FSN1", "NBG1"}, Addons: []string{AddonPrimaryIPv4}},
		{ID: "RX170", Name: "Dedicated Server RX170 (Ampere Altra, arm64)", Dist: dists, Lang: []string{"en"}, Locations: []string{"FSN1"}, Addons: []string{AddonPrimaryIPv4}},
	}
}

// SetProducts replaces the product catalogue.
func (r *Robot) SetProducts(ps []Product) {
	r.mu.Lock()
	r.st.Products = append([]Product(nil), ps...)
	r.mu.Unlock()
}

func (p Product) json() map[string]any {
	addons := make([]map[string]any, 0, len(p.Addons))
	for _, a := range p.Addons {
		addons = append(addons, map[string]any{"id": a, "name": a, "location": nil, "min": 0, "max": 1, "prices": []any{}})
	}
	prices := make([]map[string]any, 0, len(p.Locations))
	for _, l := range p.Locations {
		prices = append(prices, map[string]any{"location": l,
			"price":       map[string]string{"net": "39.0000", "gross": "46.4100"},
			"price_setup": map[string]string{"net": "0.0000", "gross": "0.0000"}})
	}
	return map[string]any{
		"id": p.ID, "name": p.Name, "description": []string{p.Name}, "traffic": "unlimited",
		"dist": p.Dist, "lang": p.Lang, "location": p.Locations, "prices": prices, "orderable_addons": addons,
	}
}

func (r *Robot) product(id string) (Product, bool) {
	for _, p := range r.st.Products {
		if p.ID == id {
			return p, true
		}
	}
	return Product{}, false
}

func (r *Robot) ordersAllowed(w http.ResponseWriter) bool {
	if r.ordersClosed {
		writeErr(w, apiError{Status: http.StatusForbidden, Code: CodeNotAllowed,
			Message: "Ordering is not enabled for this webservice user; enable it in Robot"})
		return false
	}
	return true
}

func (r *Robot) listProducts(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ordersAllowed(w) {
		return
	}
	out := make([]map[string]any, 0, len(r.st.Products))
	for _, p := range r.st.Products {
		out = append(out, map[string]any{"product": p.json()})
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *Robot) getProduct(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ordersAllowed(w) {
		return
	}
	p, ok := r.product(req.PathValue("id"))
	if !ok {
		notFound(w, CodeProductNotFound, "Product not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"product": p.json()})
}

// settleTransaction makes a transaction ready once its time has come,
// creating its server.
func (r *Robot) settleTransaction(t *transactionState) {
	if t.Status != "in process" || r.now().Before(t.ReadyAt) {
		return
	}
	s := r.addServerLocked(Server{Product: t.ProductID, DC: t.Location + "-DC1"}, slices.Contains(t.Addons, AddonPrimaryIPv4))
	s.HostKeySeed = t.HostKeySeed
	for _, fp := range t.Keys {
		if k := r.st.Keys[fp]; k != nil {
			s.Authorized = append(s.Authorized, k.Data)
		}
	}
	t.Status, t.ServerNum = "ready", s.Number
}

func (r *Robot) transactionJSON(t *transactionState) map[string]any {
	keys := make([]map[string]any, 0, len(t.Keys))
	for _, fp := range t.Keys {
		k := r.st.Keys[fp]
		if k == nil {
			continue
		}
		keys = append(keys, map[string]any{"key": map[string]any{"name": k.Name, "fingerprint": k.Fingerprint, "type": k.Type, "size": k.Size}})
	}
	hostKeys := []map[string]any{}
	var num, ip any
	if t.Status == "ready" {
		if s := r.st.Servers[t.ServerNum]; s != nil {
			num = s.Number
			if s.IPv4.IsValid() {
				ip = s.IPv4.String()
			}
		}
		if pk, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(t.HostKeySeed).Public()); err == nil {
			hostKeys = append(hostKeys, map[string]any{"key": map[string]any{"fingerprint": ssh.FingerprintLegacyMD5(pk), "type": "ED25519", "size": 256}})
		}
	}
	var comment any
	if t.Comment != "" {
		comment = t.Comment
	}
	addons := append([]string{}, t.Addons...)
	p, _ := r.product(t.ProductID)
	return map[string]any{
		"id": t.ID, "date": t.Date.UTC().Format("2006-01-02T15:04:05Z07:00"), "status": t.Status,
		"server_number": num, "server_ip": ip, "authorized_key": keys, "host_key": hostKeys,
		"comment": comment, "addons": addons,
		"product": map[string]any{"id": p.ID, "name": p.Name, "description": []string{p.Name}, "traffic": "unlimited",
			"dist": t.Dist, "lang": t.Lang, "location": t.Location},
	}
}

func (r *Robot) createTransaction(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ordersAllowed(w) {
		return
	}
	f := req.PostForm
	if f.Get("product_id") == "" {
		missing(w, "product_id")
		return
	}
	p, ok := r.product(f.Get("product_id"))
	if !ok {
		notFound(w, CodeProductNotFound, "Product not found")
		return
	}
	// Without keys or a password Robot generates a root password and mails
	// it; the simulator accepts that too.
	keys := f["authorized_key[]"]
	for _, fp := range keys {
		if r.st.Keys[fp] == nil {
			invalid(w, "unknown key fingerprint "+fp, "authorized_key")
			return
		}
	}
	t := &transactionState{
		ProductID: p.ID, Location: f.Get("location"), Dist: f.Get("dist"), Lang: f.Get("lang"),
		Comment: f.Get("comment"), Addons: f["addon[]"], Keys: keys, Test: f.Get("test") == "true",
	}
	if t.Lang == "" {
		t.Lang = "en"
	}
	if t.Dist == "" {
		t.Dist = "Rescue system"
	}
	var bad []string
	if !slices.Contains(p.Locations, t.Location) {
		bad = append(bad, "location")
	}
	if !slices.Contains(p.Dist, t.Dist) {
		bad = append(bad, "dist")
	}
	if !slices.Contains(p.Lang, t.Lang) {
		bad = append(bad, "lang")
	}
	for _, a := range t.Addons {
		if !slices.Contains(p.Addons, a) {
			bad = append(bad, "addon")
			break
		}
	}
	if len(bad) > 0 {
		invalid(w, "invalid input", bad...)
		return
	}
	now := r.now()
	t.Date, t.ReadyAt, t.Status = now, now.Add(r.orderDelay), "in process"
	t.ID = fmt.Sprintf("B%s-%d-%d", now.UTC().Format("20060102"), 340000+r.st.NextTxn, 250000+r.st.NextTxn)
	t.HostKeySeed = newHostKey().Seed()
	if !t.Test {
		r.st.NextTxn++
		r.st.Transactions[t.ID] = t
	}
	writeJSON(w, http.StatusCreated, map[string]any{"transaction": r.transactionJSON(t)})
}

func (r *Robot) listTransactions(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := make([]*transactionState, 0, len(r.st.Transactions))
	for _, t := range r.st.Transactions {
		r.settleTransaction(t)
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		notFound(w, CodeNotFound, "No transactions found")
		return
	}
	sort.Slice(ts, func(i, j int) bool {
		return ts[i].Date.Before(ts[j].Date) || (ts[i].Date.Equal(ts[j].Date) && ts[i].ID < ts[j].ID)
	})
	out := make([]map[string]any, 0, len(ts))
	for _, t := range ts {
		out = append(out, map[string]any{"transaction": r.transactionJSON(t)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *Robot) getTransaction(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.st.Transactions[req.PathValue("id")]
	if t == nil {
		notFound(w, CodeTransactionNotFnd, "Transaction not found")
		return
	}
	r.settleTransaction(t)
	writeJSON(w, http.StatusOK, map[string]any{"transaction": r.transactionJSON(t)})
}

// Orders returns how many real (not test) orders were placed.
func (r *Robot) Orders() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.st.Transactions)
}

// CancelTransaction marks an order as cancelled, as Hetzner does when an
// order can't be fulfilled.
func (r *Robot) CancelTransaction(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.st.Transactions[strings.TrimSpace(id)]
	if t == nil || t.Status != "in process" {
		return false
	}
	t.Status = "cancelled"
	return true
}
