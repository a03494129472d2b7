package hetznertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"
	mdns "github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/assemblekit/assemble/internal/oapitest"
	"github.com/assemblekit/assemble/server/hetzner/hetznertest"
)

// TestZonesContract drives every zone and RRset endpoint through hcloud-go
// and checks each successful response against Hetzner's OpenAPI description.
func TestZonesContract(t *testing.T) {
	check := oapitest.New(t, "hetzner-cloud.openapi.json")
	var zonesChecked atomic.Int32
	s := hetznertest.New(t, hetznertest.WithActionDuration(5*time.Millisecond), hetznertest.WithMiddleware(zoneSchemas(t, check, &zonesChecked)))
	c := client(s)
	ctx := context.Background()

	res, _, err := c.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "example.com", Mode: hcloud.ZoneModePrimary, Labels: map[string]string{"env": "test"},
		RRSets: []hcloud.ZoneCreateOptsRRSet{{Name: "www", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.9"}}}}})
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, res.Action))
	z := res.Zone
	require.Equal(t, hetznertest.DefaultNameservers, z.AuthoritativeNameservers.Assigned)
	require.Equal(t, 3+1+1, z.RecordCount, "SOA, three NS and www")
	_, _, err = c.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "example.com", Mode: hcloud.ZoneModePrimary})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeUniquenessError), err)
	sec, _, err := c.Zone.Create(ctx, hcloud.ZoneCreateOpts{Name: "other.org", Mode: hcloud.ZoneModeSecondary,
		PrimaryNameservers: []hcloud.ZoneCreateOptsPrimaryNameserver{{Address: "127.0.0.1"}}})
	require.NoError(t, err)

	got, _, err := c.Zone.GetByName(ctx, "example.com")
	require.NoError(t, err)
	require.Equal(t, z.ID, got.ID)
	got, _, err = c.Zone.GetByID(ctx, z.ID)
	require.NoError(t, err)
	require.Equal(t, "example.com", got.Name)
	missing, _, err := c.Zone.GetByName(ctx, "nope.net")
	require.NoError(t, err)
	require.Nil(t, missing)
	zs, err := c.Zone.AllWithOpts(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "env=test"}})
	require.NoError(t, err)
	require.Len(t, zs, 1)
	zs, err = c.Zone.AllWithOpts(ctx, hcloud.ZoneListOpts{Name: "other.org"})
	require.NoError(t, err)
	require.Len(t, zs, 1)
	zs, _, err = c.Zone.List(ctx, hcloud.ZoneListOpts{ListOpts: hcloud.ListOpts{PerPage: 1, Page: 2}, Sort: []string{"name:desc"}})
	require.NoError(t, err)
	require.Equal(t, "example.com", zs[0].Name)
	_, _, err = c.Zone.Update(ctx, z, hcloud.ZoneUpdateOpts{Labels: map[string]string{"env": "prod"}})
	require.NoError(t, err)

	// RRsets: create, list, get, labels, actions, delete.
	ttl := 300
	cr, _, err := c.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "shop", Type: hcloud.ZoneRRSetTypeA, TTL: &ttl,
		Labels: map[string]string{"assemble-owner": "shop"}, Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.5", Comment: "mine"}}})
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, cr.Action))
	require.Equal(t, "shop/A", cr.RRSet.ID)
	_, _, err = c.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "shop", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.6"}}})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeUniquenessError), err)
	_, _, err = c.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "shop", Type: hcloud.ZoneRRSetTypeCNAME, Records: []hcloud.ZoneRRSetRecord{{Value: "x.example.net."}}})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeInvalidInput), err)
	_, _, err = c.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "Shop", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.6"}}})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeInvalidInput), err)
	_, _, err = c.Zone.CreateRRSet(ctx, z, hcloud.ZoneRRSetCreateOpts{Name: "v6", Type: hcloud.ZoneRRSetTypeAAAA, Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.6"}}})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeInvalidInput), err)
	_, _, err = c.Zone.ListRRSets(ctx, sec.Zone, hcloud.ZoneRRSetListOpts{})
	require.True(t, hcloud.IsError(err, "incorrect_zone_mode"), err)

	sets, err := c.Zone.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{Name: "shop"})
	require.NoError(t, err)
	require.Len(t, sets, 1)
	sets, err = c.Zone.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{ListOpts: hcloud.ListOpts{LabelSelector: "assemble-owner=shop"}})
	require.NoError(t, err)
	require.Len(t, sets, 1)
	sets, err = c.Zone.AllRRSetsWithOpts(ctx, z, hcloud.ZoneRRSetListOpts{Type: []hcloud.ZoneRRSetType{hcloud.ZoneRRSetTypeNS, hcloud.ZoneRRSetTypeSOA}, Sort: []string{"id:desc"}})
	require.NoError(t, err)
	require.Equal(t, []string{"@/SOA", "@/NS"}, []string{sets[0].ID, sets[1].ID})
	sets, _, err = c.Zone.ListRRSets(ctx, z, hcloud.ZoneRRSetListOpts{ListOpts: hcloud.ListOpts{PerPage: 2, Page: 2}})
	require.NoError(t, err)
	require.Len(t, sets, 2, "4 RRsets, 2 a page")

	rs, _, err := c.Zone.GetRRSetByNameAndType(ctx, z, "shop", hcloud.ZoneRRSetTypeA)
	require.NoError(t, err)
	require.Equal(t, 300, *rs.TTL)
	require.Equal(t, []hcloud.ZoneRRSetRecord{{Value: "127.0.0.5", Comment: "mine"}}, rs.Records)
	none, _, err := c.Zone.GetRRSetByNameAndType(ctx, z, "nope", hcloud.ZoneRRSetTypeA)
	require.NoError(t, err)
	require.Nil(t, none)
	_, _, err = c.Zone.UpdateRRSet(ctx, rs, hcloud.ZoneRRSetUpdateOpts{Labels: map[string]string{"assemble-owner": "shop", "x": "y"}})
	require.NoError(t, err)

	wait := func(a *hcloud.Action, _ *hcloud.Response, err error) {
		t.Helper()
		require.NoError(t, err)
		require.NoError(t, c.Action.WaitFor(ctx, a))
	}
	wait(c.Zone.AddRRSetRecords(ctx, rs, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.6"}}}))
	wait(c.Zone.UpdateRRSetRecords(ctx, rs, hcloud.ZoneRRSetUpdateRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.6", Comment: "neighbour"}}}))
	wait(c.Zone.RemoveRRSetRecords(ctx, rs, hcloud.ZoneRRSetRemoveRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.5"}}}))
	wait(c.Zone.ChangeRRSetTTL(ctx, rs, hcloud.ZoneRRSetChangeTTLOpts{TTL: nil}))
	got2, ok := s.RRSet("example.com", "shop", "A")
	require.True(t, ok)
	require.Nil(t, got2.TTL)
	require.Equal(t, []hetznertest.RRRecord{{Value: "127.0.0.6", Comment: "neighbour"}}, got2.Records)
	wait(c.Zone.SetRRSetRecords(ctx, rs, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.7"}, {Value: "127.0.0.8"}}}))
	_, _, err = c.Zone.AddRRSetRecords(ctx, rs, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.7"}}})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeInvalidInput), "duplicate value: %v", err)
	// add_records creates a missing RRset; remove_records deletes an emptied one.
	api := &hcloud.ZoneRRSet{Zone: z, Name: "api", Type: hcloud.ZoneRRSetTypeA}
	wait(c.Zone.AddRRSetRecords(ctx, api, hcloud.ZoneRRSetAddRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.10"}}}))
	wait(c.Zone.RemoveRRSetRecords(ctx, api, hcloud.ZoneRRSetRemoveRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.10"}}}))
	_, ok = s.RRSet("example.com", "api", "A")
	require.False(t, ok)
	// Change protection blocks changes.
	wait(c.Zone.ChangeRRSetProtection(ctx, rs, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(true)}))
	_, _, err = c.Zone.SetRRSetRecords(ctx, rs, hcloud.ZoneRRSetSetRecordsOpts{Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.1"}}})
	require.True(t, hcloud.IsError(err, hcloud.ErrorCodeProtected), err)
	wait(c.Zone.ChangeRRSetProtection(ctx, rs, hcloud.ZoneRRSetChangeProtectionOpts{Change: hcloud.Ptr(false)}))

	dr, _, err := c.Zone.DeleteRRSet(ctx, rs)
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, dr.Action))
	del, _, err := c.Zone.Delete(ctx, sec.Zone)
	require.NoError(t, err)
	require.NoError(t, c.Action.WaitFor(ctx, del.Action))
	require.Len(t, s.Zones(), 1)
	require.Positive(t, check.Checked())
	require.GreaterOrEqual(t, zonesChecked.Load(), int32(8))
}

// zoneSchemas validates like successesOnly, except that zone objects are
// checked against the description's ZonePrimary or ZoneSecondary schema by
// hand: the description's Zone is a oneOf with a discriminator whose mapping
// names components kin-openapi can't find among the inlined oneOf members,
// so it rejects every zone without a reason.
func zoneSchemas(t *testing.T, check *oapitest.Checker, n *atomic.Int32) func(http.Handler) http.Handler {
	doc, err := openapi3.NewLoader().LoadFromFile(oapitest.SpecPath("hetzner-cloud.openapi.json"))
	require.NoError(t, err)
	schemas := map[string]*openapi3.Schema{
		"primary":   doc.Components.Schemas["ZonePrimary"].Value,
		"secondary": doc.Components.Schemas["ZoneSecondary"].Value,
	}
	plain := successesOnly(check)
	return func(h http.Handler) http.Handler {
		checked := plain(h)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := strings.TrimPrefix(r.URL.Path, "/v1/zones")
			if p == r.URL.Path || strings.Contains(p, "/rrsets") || r.Method == http.MethodDelete {
				checked.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code < 400 {
				var body struct {
					Zone  map[string]any   `json:"zone"`
					Zones []map[string]any `json:"zones"`
				}
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
				if body.Zone != nil {
					body.Zones = append(body.Zones, body.Zone)
				}
				for _, z := range body.Zones {
					raw, _ := json.Marshal(z)
					var v any
					_ = json.Unmarshal(raw, &v)
					sch := schemas[z["mode"].(string)]
					if err := sch.VisitJSON(v, openapi3.MultiErrors()); err != nil {
						t.Errorf("%s %s: zone does not match the description: %v", r.Method, r.URL, err)
					}
					n.Add(1)
				}
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// TestZonesErrorEnvelope checks error bodies by hand (the description keys
// them "4xx", which kin-openapi can't match).
func TestZonesErrorEnvelope(t *testing.T) {
	s := hetznertest.New(t)
	s.AddZone(hetznertest.ZoneRecord{Name: "example.com"})
	do := func(method, path, body string) (int, map[string]any) {
		req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var env struct {
			Error map[string]any `json:"error"`
		}
		require.NoError(t, json.Unmarshal(b, &env), string(b))
		return resp.StatusCode, env.Error
	}
	for _, c := range []struct {
		method, path, body, code string
		status                   int
	}{
		{"GET", "/zones/nope.org", "", "not_found", 404},
		{"GET", "/zones/example.com/rrsets/www/A", "", "not_found", 404},
		{"POST", "/zones/example.com/rrsets", `{"name":"www","type":"A","records":[{"value":"::1"}]}`, "invalid_input", 422},
		{"POST", "/zones/example.com/rrsets", `{"name":"www","type":"A"`, "json_error", 400},
		{"POST", "/zones", `{"name":"example.com","mode":"primary"}`, "uniqueness_error", 409},
		{"POST", "/zones/example.com/rrsets/www/A/actions/set_records", `{"records":[{"value":"127.0.0.1"}]}`, "not_found", 404},
	} {
		status, e := do(c.method, c.path, c.body)
		require.Equal(t, c.status, status, c.path)
		require.Equal(t, c.code, e["code"], c.path)
		require.NotEmpty(t, e["message"], c.path)
		require.Contains(t, e, "details")
	}
}

func query(t *testing.T, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	m.RecursionDesired = false
	resp, _, err := (&mdns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
	require.NoError(t, err)
	return resp
}

func TestZonesAuthoritativeDNS(t *testing.T) {
	s := hetznertest.New(t, hetznertest.WithActionDuration(0))
	s.AddZone(hetznertest.ZoneRecord{Name: "example.com"})
	s.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "shop", Type: "A", Records: []hetznertest.RRRecord{{Value: "127.0.0.5"}, {Value: "127.0.0.6"}}})
	s.AddRRSet("example.com", hetznertest.RRSetRecord{Name: "@", Type: "TXT", Records: []hetznertest.RRRecord{{Value: `"hello"`}}})
	addrs := s.NameserverAddrs()
	require.Len(t, addrs, 3)
	for _, addr := range append([]string{s.DNSAddr()}, addrs["oxygen.ns.hetzner.com"]) {
		r := query(t, addr, "shop.example.com", mdns.TypeA)
		require.True(t, r.Authoritative)
		require.Len(t, r.Answer, 2)
		require.EqualValues(t, 3600, r.Answer[0].Header().Ttl, "the zone's default TTL")
		require.Equal(t, []string{"hello"}, query(t, addr, "example.com", mdns.TypeTXT).Answer[0].(*mdns.TXT).Txt)
		require.Len(t, query(t, addr, "example.com", mdns.TypeNS).Answer, 3)
		require.Equal(t, mdns.RcodeNameError, query(t, addr, "nope.example.com", mdns.TypeA).Rcode)
		require.Equal(t, mdns.RcodeRefused, query(t, addr, "example.org", mdns.TypeA).Rcode)
	}

	// A change through the API shows up after its action and the delays.
	s.SetActionDuration(50 * time.Millisecond)
	s.SetNameserverDelay("helium.ns.hetzner.de", 300*time.Millisecond)
	c := client(s)
	z, _, err := c.Zone.GetByName(context.Background(), "example.com")
	require.NoError(t, err)
	_, _, err = c.Zone.CreateRRSet(context.Background(), z, hcloud.ZoneRRSetCreateOpts{Name: "new", Type: hcloud.ZoneRRSetTypeA, Records: []hcloud.ZoneRRSetRecord{{Value: "127.0.0.7"}}})
	require.NoError(t, err)
	require.Equal(t, mdns.RcodeNameError, query(t, addrs["hydrogen.ns.hetzner.com"], "new.example.com", mdns.TypeA).Rcode)
	require.Eventually(t, func() bool {
		return len(query(t, addrs["hydrogen.ns.hetzner.com"], "new.example.com", mdns.TypeA).Answer) == 1
	}, 2*time.Second, 10*time.Millisecond)
	require.Empty(t, query(t, addrs["helium.ns.hetzner.de"], "new.example.com", mdns.TypeA).Answer, "helium lags")
	require.Eventually(t, func() bool {
		return len(query(t, addrs["helium.ns.hetzner.de"], "new.example.com", mdns.TypeA).Answer) == 1
	}, 2*time.Second, 10*time.Millisecond)

	// Zones survive Save and Load, served at once.
	var buf bytes.Buffer
	require.NoError(t, s.Save(&buf))
	s2 := hetznertest.New(t)
	require.NoError(t, s2.Load(&buf))
	require.Len(t, s2.Zones(), 1)
	rs, ok := s2.RRSet("example.com", "shop", "A")
	require.True(t, ok)
	require.Len(t, rs.Records, 2)
	require.Len(t, query(t, s2.DNSAddr(), "new.example.com", mdns.TypeA).Answer, 1)

	require.NoError(t, s.Close())
	require.Empty(t, s.DNSAddr(), "no listener after Close")
}
