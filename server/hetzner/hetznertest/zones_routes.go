package hetznertest

import "net/http"

// zoneRoutes registers the DNS endpoints: zones, their RRsets and the RRset
// actions.
func (s *Server) zoneRoutes(h func(pattern string, f func(*http.Request) (int, any, *apiError))) {
	h("GET /v1/zones", s.listZones)
	h("POST /v1/zones", s.createZone)
	h("GET /v1/zones/{zone}", s.getZone)
	h("PUT /v1/zones/{zone}", s.updateZone)
	h("DELETE /v1/zones/{zone}", s.deleteZone)
	h("GET /v1/zones/{zone}/rrsets", s.listRRSets)
	h("POST /v1/zones/{zone}/rrsets", s.createRRSet)
	h("GET /v1/zones/{zone}/rrsets/{name}/{type}", s.getRRSet)
	h("PUT /v1/zones/{zone}/rrsets/{name}/{type}", s.updateRRSet)
	h("DELETE /v1/zones/{zone}/rrsets/{name}/{type}", s.deleteRRSet)
	h("POST /v1/zones/{zone}/rrsets/{name}/{type}/actions/{cmd}", s.rrsetAction)
}
