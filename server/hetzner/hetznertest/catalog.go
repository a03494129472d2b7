package hetznertest

import (
	"fmt"
	"strconv"
	"time"
)

// Location is a Hetzner location as the API returns it.
type Location struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Country     string  `json:"country"`
	City        string  `json:"city"`
	Latitude    float64 `json:"latitude"`
	Longitude   float64 `json:"longitude"`
	NetworkZone string  `json:"network_zone"`
}

type datacenterJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Location    Location `json:"location"`
	ServerTypes struct {
		Supported             []int64 `json:"supported"`
		Available             []int64 `json:"available"`
		AvailableForMigration []int64 `json:"available_for_migration"`
	} `json:"server_types"`
}

type money struct {
	Net   string `json:"net"`
	Gross string `json:"gross"`
}

type typePrice struct {
	Location          string `json:"location"`
	PriceHourly       money  `json:"price_hourly"`
	PriceMonthly      money  `json:"price_monthly"`
	IncludedTraffic   int64  `json:"included_traffic"`
	PricePerTBTraffic money  `json:"price_per_tb_traffic"`
}

type deprecation struct {
	UnavailableAfter time.Time `json:"unavailable_after"`
	Announced        time.Time `json:"announced"`
}

type typeLocation struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Deprecation *deprecation `json:"deprecation"`
	Recommended bool         `json:"recommended"`
	Available   bool         `json:"available"`
}

// ServerType is a Hetzner server type as the API returns it.
type ServerType struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Cores        int            `json:"cores"`
	Memory       float64        `json:"memory"`
	Disk         int            `json:"disk"`
	Deprecated   bool           `json:"deprecated"`
	Prices       []typePrice    `json:"prices"`
	StorageType  string         `json:"storage_type"`
	CPUType      string         `json:"cpu_type"`
	Category     string         `json:"category"`
	Architecture string         `json:"architecture"`
	Deprecation  *deprecation   `json:"deprecation"`
	Locations    []typeLocation `json:"locations"`
}

// Image is a Hetzner image as the API returns it.
type Image struct {
	ID           int64             `json:"id"`
	Type         string            `json:"type"`
	Status       string            `json:"status"`
	Name         *string           `json:"name"`
	Description  string            `json:"description"`
	ImageSize    *float64          `json:"image_size"`
	DiskSize     float64           `json:"disk_size"`
	Created      time.Time         `json:"created"`
	CreatedFrom  *struct{}         `json:"created_from"`
	BoundTo      *int64            `json:"bound_to"`
	OSFlavor     string            `json:"os_flavor"`
	OSVersion    *string           `json:"os_version"`
	RapidDeploy  bool              `json:"rapid_deploy"`
	Protection   imageProtection   `json:"protection"`
	Deprecated   *time.Time        `json:"deprecated"`
	Deleted      *string           `json:"deleted"`
	Labels       map[string]string `json:"labels"`
	Architecture string            `json:"architecture"`
}

type imageProtection struct {
	Delete bool `json:"delete"`
}

// VATRate is the VAT the seeded gross prices include.
const VATRate = "19.00"

func price(net float64) money {
	return money{Net: strconv.FormatFloat(net, 'f', 4, 64), Gross: strconv.FormatFloat(net*1.19, 'f', 4, 64)}
}

var seededLocations = []Location{
	{1, "fsn1", "Falkenstein DC Park 1", "DE", "Falkenstein", 50.47612, 12.370071, "eu-central"},
	{2, "nbg1", "Nuremberg DC Park 1", "DE", "Nuremberg", 49.452102, 11.076665, "eu-central"},
	{3, "hel1", "Helsinki DC Park 1", "FI", "Helsinki", 60.169855, 24.938379, "eu-central"},
	{4, "ash", "Ashburn, VA", "US", "Ashburn, VA", 39.045821, -77.487073, "us-east"},
	{5, "hil", "Hillsboro, OR", "US", "Hillsboro, OR", 45.54222, -122.95028, "us-west"},
	{6, "sin", "Singapore", "SG", "Singapore", 1.283333, 103.833333, "ap-southeast"},
}

var seededDatacenterNames = map[string]string{"fsn1": "fsn1-dc14", "nbg1": "nbg1-dc3", "hel1": "hel1-dc2", "ash": "ash-dc1", "hil": "hil-dc1", "sin": "sin-dc1"}

// DeprecatedType and DeprecatedLocation name the seeded server type that is
// no longer orderable in one location, for tests of deprecation handling.
const (
	DeprecatedType     = "cx43"
	DeprecatedLocation = "hel1"
)

type typeSeed struct {
	id             int64
	name, desc     string
	cores          int
	mem            float64
	disk           int
	cpu, arch, cat string
	monthlyNet     float64
	locs           []string
	traffic        int64
}

var (
	euLocs  = []string{"fsn1", "nbg1", "hel1"}
	allLocs = []string{"fsn1", "nbg1", "hel1", "ash", "hil", "sin"}
)

var typeSeeds = []typeSeed{
	{114, "cx23", "CX23", 2, 4, 40, "shared", "x86", "cost_optimized", 2.99, euLocs, 20},
	{115, "cx33", "CX33", 4, 8, 80, "shared", "x86", "cost_optimized", 4.99, euLocs, 20},
	{116, "cx43", "CX43", 8, 16, 160, "shared", "x86", "cost_optimized", 8.99, euLocs, 20},
	{108, "cpx22", "CPX22", 2, 4, 80, "shared", "x86", "regular_purpose", 5.99, allLocs, 20},
	{109, "cpx32", "CPX32", 4, 8, 160, "shared", "x86", "regular_purpose", 10.49, allLocs, 20},
	{110, "cpx42", "CPX42", 8, 16, 320, "shared", "x86", "regular_purpose", 19.49, allLocs, 20},
	{111, "cpx52", "CPX52", 12, 24, 480, "shared", "x86", "regular_purpose", 28.49, allLocs, 20},
	{45, "cax11", "CAX11", 2, 4, 40, "shared", "arm", "cost_optimized", 3.79, euLocs, 20},
	{93, "cax21", "CAX21", 4, 8, 80, "shared", "arm", "cost_optimized", 6.49, euLocs, 20},
	{94, "cax31", "CAX31", 8, 16, 160, "shared", "arm", "cost_optimized", 12.49, euLocs, 20},
}

// PrimaryIPv4Monthly is the seeded net monthly price of a primary IPv4.
const PrimaryIPv4Monthly = 0.50

// TypeMemory returns the memory, in GB as Hetzner counts it (GiB), of the
// seeded server type named name, and whether there is one; a harness gives
// a simulated host that much.
func TypeMemory(name string) (float64, bool) {
	for _, t := range typeSeeds {
		if t.name == name {
			return t.mem, true
		}
	}
	return 0, false
}

func locationByName(name string) (Location, bool) {
	for _, l := range seededLocations {
		if l.Name == name {
			return l, true
		}
	}
	return Location{}, false
}

func seedServerTypes() []ServerType {
	epoch := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	out := make([]ServerType, 0, len(typeSeeds))
	for _, s := range typeSeeds {
		st := ServerType{ID: s.id, Name: s.name, Description: s.desc, Cores: s.cores, Memory: s.mem, Disk: s.disk,
			StorageType: "local", CPUType: s.cpu, Category: s.cat, Architecture: s.arch,
			Prices: []typePrice{}, Locations: []typeLocation{}}
		for _, ln := range s.locs {
			loc, _ := locationByName(ln)
			tl := typeLocation{ID: loc.ID, Name: loc.Name, Recommended: true, Available: true}
			if s.name == DeprecatedType && ln == DeprecatedLocation {
				tl.Deprecation = &deprecation{Announced: epoch, UnavailableAfter: epoch.AddDate(0, 3, 0)}
				tl.Recommended, tl.Available = false, false
			}
			st.Locations = append(st.Locations, tl)
			traffic := s.traffic
			if loc.NetworkZone != "eu-central" {
				traffic = 1
			}
			st.Prices = append(st.Prices, typePrice{
				Location: ln, PriceHourly: price(s.monthlyNet / 730), PriceMonthly: price(s.monthlyNet),
				IncludedTraffic: traffic * 1 << 40, PricePerTBTraffic: price(1),
			})
		}
		out = append(out, st)
	}
	return out
}

func strp(s string) *string { return &s }

func seedImages() []Image {
	created := time.Date(2024, 4, 25, 13, 26, 27, 0, time.UTC)
	mk := func(id int64, name, desc, flavor, version, arch string) Image {
		return Image{ID: id, Type: "system", Status: "available", Name: strp(name), Description: desc,
			DiskSize: 5, Created: created, OSFlavor: flavor, OSVersion: strp(version), RapidDeploy: true,
			Labels: map[string]string{}, Architecture: arch}
	}
	return []Image{
		mk(161547269, "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", "x86"),
		mk(103908070, "ubuntu-24.04", "Ubuntu 24.04", "ubuntu", "24.04", "arm"),
		mk(67794396, "ubuntu-22.04", "Ubuntu 22.04", "ubuntu", "22.04", "x86"),
		mk(103907373, "ubuntu-22.04", "Ubuntu 22.04", "ubuntu", "22.04", "arm"),
		mk(114690387, "debian-12", "Debian 12", "debian", "12", "x86"),
		mk(114690389, "debian-12", "Debian 12", "debian", "12", "arm"),
	}
}

func (s *Server) datacenterFor(loc Location) datacenterJSON {
	dc := datacenterJSON{ID: loc.ID, Name: seededDatacenterNames[loc.Name], Description: fmt.Sprintf("%s virtual DC", loc.City), Location: loc}
	dc.ServerTypes.Supported, dc.ServerTypes.Available, dc.ServerTypes.AvailableForMigration = []int64{}, []int64{}, []int64{}
	for _, st := range s.types {
		for _, tl := range st.Locations {
			if tl.Name == loc.Name {
				dc.ServerTypes.Supported = append(dc.ServerTypes.Supported, st.ID)
				if tl.Available {
					dc.ServerTypes.Available = append(dc.ServerTypes.Available, st.ID)
					dc.ServerTypes.AvailableForMigration = append(dc.ServerTypes.AvailableForMigration, st.ID)
				}
			}
		}
	}
	return dc
}

func (s *Server) pricingJSON() map[string]any {
	ipv4 := []map[string]any{}
	ipv6 := []map[string]any{}
	fip4 := []map[string]any{}
	fip6 := []map[string]any{}
	for _, l := range seededLocations {
		ipv4 = append(ipv4, map[string]any{"location": l.Name, "price_hourly": price(PrimaryIPv4Monthly / 730), "price_monthly": price(PrimaryIPv4Monthly)})
		ipv6 = append(ipv6, map[string]any{"location": l.Name, "price_hourly": price(0), "price_monthly": price(0)})
		fip4 = append(fip4, map[string]any{"location": l.Name, "price_monthly": price(3)})
		fip6 = append(fip6, map[string]any{"location": l.Name, "price_monthly": price(3)})
	}
	types := []map[string]any{}
	for _, st := range s.types {
		types = append(types, map[string]any{"id": st.ID, "name": st.Name, "prices": st.Prices})
	}
	return map[string]any{"pricing": map[string]any{
		"currency": "EUR",
		"vat_rate": VATRate,
		"primary_ips": []map[string]any{
			{"type": "ipv4", "prices": ipv4},
			{"type": "ipv6", "prices": ipv6},
		},
		"floating_ips": []map[string]any{
			{"type": "ipv4", "prices": fip4},
			{"type": "ipv6", "prices": fip6},
		},
		"image":               map[string]any{"price_per_gb_month": price(0.011)},
		"volume":              map[string]any{"price_per_gb_month": price(0.044)},
		"server_backup":       map[string]any{"percentage": "20.00"},
		"floating_ip":         map[string]any{"price_monthly": price(3)},
		"load_balancer_types": []map[string]any{},
		"server_types":        types,
	}}
}
