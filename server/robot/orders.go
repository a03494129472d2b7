package robot

import (
	"context"
	"errors"
	"net/url"

	"github.com/assemblekit/assemble/ensure"
)

// DefaultDist is the installed system of an ordered server.
const DefaultDist = "Ubuntu 24.04 LTS base"

// AddonPrimaryIPv4 is the order addon for an IPv4 address; without it an
// ordered server is IPv6-only.
const AddonPrimaryIPv4 = "primary_ipv4"

// Order says what server to buy when none exists; see WithOrder. Ordering
// must be enabled for the webservice user in Robot first.
type Order struct {
	// Product is the product ID, such as "AX41-NVMe" (GET /order/server/product).
	Product string
	// Location is the data center location, such as "FSN1".
	Location string
	// Dist is the system to install; DefaultDist when empty.
	Dist string
	// Lang is the system language; "en" when empty.
	Lang string
	// IPv6Only leaves out the primary IPv4 addon. Kamal, Let's Encrypt
	// HTTP-01 and most registries need IPv4, so it is included by default.
	IPv6Only bool
	// Addons are further addon IDs.
	Addons []string
}

func (o Order) withDefaults() Order {
	if o.Dist == "" {
		o.Dist = DefaultDist
	}
	if o.Lang == "" {
		o.Lang = "en"
	}
	return o
}

func (o Order) addons() []string {
	var as []string
	if !o.IPv6Only {
		as = append(as, AddonPrimaryIPv4)
	}
	for _, a := range o.Addons {
		if a != AddonPrimaryIPv4 {
			as = append(as, a)
		}
	}
	return as
}

// Product is an orderable standard server.
type Product struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Dist      []string `json:"dist"`
	Lang      []string `json:"lang"`
	Locations []string `json:"location"`
	Addons    []struct {
		ID string `json:"id"`
	} `json:"orderable_addons"`
}

// Products lists the standard server products on offer.
func (c *Client) Products(ctx context.Context) ([]Product, error) {
	var out []struct {
		Product Product `json:"product"`
	}
	if err := c.get(ctx, "/order/server/product", &out); err != nil {
		return nil, err
	}
	ps := make([]Product, 0, len(out))
	for _, o := range out {
		ps = append(ps, o.Product)
	}
	return ps, nil
}

// Transaction is a server order.
type Transaction struct {
	ID string
	// Status is "in process", "ready" or "cancelled".
	Status       string
	ServerNumber int
	Comment      string
	// HostKeys are the MD5 fingerprints of the new server's SSH host keys,
	// known once the order is ready.
	HostKeys []string
}

type wireTransaction struct {
	ID           string  `json:"id"`
	Status       string  `json:"status"`
	ServerNumber *int    `json:"server_number"`
	Comment      *string `json:"comment"`
	HostKey      []struct {
		Key struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"key"`
	} `json:"host_key"`
}

func (w wireTransaction) transaction() Transaction {
	t := Transaction{ID: w.ID, Status: w.Status, Comment: deref(w.Comment)}
	if w.ServerNumber != nil {
		t.ServerNumber = *w.ServerNumber
	}
	for _, h := range w.HostKey {
		t.HostKeys = append(t.HostKeys, h.Key.Fingerprint)
	}
	return t
}

// OrderRequest is one POST /order/server/transaction.
type OrderRequest struct {
	Order
	// Keys are MD5 fingerprints of SSH keys stored in Robot, for root.
	Keys    []string
	Comment string
	// Test asks Robot to check the order without placing it.
	Test bool
}

// OrderServer places (or with Test, checks) an order.
func (c *Client) OrderServer(ctx context.Context, req OrderRequest) (*Transaction, error) {
	o := req.Order.withDefaults()
	v := url.Values{"product_id": {o.Product}, "location": {o.Location}, "dist": {o.Dist}, "lang": {o.Lang}}
	for _, k := range req.Keys {
		v.Add("authorized_key[]", k)
	}
	for _, a := range o.addons() {
		v.Add("addon[]", a)
	}
	if req.Comment != "" {
		v.Set("comment", req.Comment)
	}
	if req.Test {
		v.Set("test", "true")
	}
	var out struct {
		Transaction wireTransaction `json:"transaction"`
	}
	if err := c.post(ctx, "/order/server/transaction", v, &out); err != nil {
		return nil, err
	}
	t := out.Transaction.transaction()
	return &t, nil
}

// Transactions lists the server orders of the last 30 days.
func (c *Client) Transactions(ctx context.Context) ([]Transaction, error) {
	var out []struct {
		Transaction wireTransaction `json:"transaction"`
	}
	if err := c.get(ctx, "/order/server/transaction", &out); err != nil {
		if errors.Is(err, ensure.ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	ts := make([]Transaction, 0, len(out))
	for _, o := range out {
		ts = append(ts, o.Transaction.transaction())
	}
	return ts, nil
}

// Transaction returns one order.
func (c *Client) Transaction(ctx context.Context, id string) (*Transaction, error) {
	var out struct {
		Transaction wireTransaction `json:"transaction"`
	}
	if err := c.get(ctx, "/order/server/transaction/"+url.PathEscape(id), &out); err != nil {
		return nil, err
	}
	t := out.Transaction.transaction()
	return &t, nil
}
