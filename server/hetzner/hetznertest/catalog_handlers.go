package hetznertest

import (
	"net/http"
	"strconv"
)

func (s *Server) listServerTypes(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	var items []ServerType
	for _, t := range s.types {
		if !lq.hasName || t.Name == lq.name {
			items = append(items, t)
		}
	}
	_ = sortItems(items, []string{"id"}, func(t ServerType) sortKey { return sortKey{id: t.ID, name: t.Name} })
	page, meta := paginate(items, lq)
	return 200, map[string]any{"server_types": page, "meta": meta}, nil
}

func (s *Server) getServerType(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	for _, t := range s.types {
		if t.ID == id {
			return 200, map[string]any{"server_type": t}, nil
		}
	}
	return 0, nil, notFound("server type")
}

func (s *Server) listLocations(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	var items []Location
	for _, l := range seededLocations {
		if !lq.hasName || l.Name == lq.name {
			items = append(items, l)
		}
	}
	if err := sortItems(items, lq.sorts, func(l Location) sortKey { return sortKey{id: l.ID, name: l.Name} }); err != nil {
		return 0, nil, invalidInput("sort", err.Error())
	}
	page, meta := paginate(items, lq)
	return 200, map[string]any{"locations": page, "meta": meta}, nil
}

func (s *Server) getLocation(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	for _, l := range seededLocations {
		if l.ID == id {
			return 200, map[string]any{"location": l}, nil
		}
	}
	return 0, nil, notFound("location")
}

func (s *Server) listImages(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	q := r.URL.Query()
	archs, types := q["architecture"], q["type"]
	var items []Image
	for _, im := range s.images {
		if lq.hasName && (im.Name == nil || *im.Name != lq.name) {
			continue
		}
		if len(archs) > 0 && !contains(archs, im.Architecture) {
			continue
		}
		if len(types) > 0 && !contains(types, im.Type) {
			continue
		}
		if lq.sel != nil && !lq.sel.matches(im.Labels) {
			continue
		}
		items = append(items, im)
	}
	if err := sortItems(items, lq.sorts, func(im Image) sortKey {
		n := ""
		if im.Name != nil {
			n = *im.Name
		}
		return sortKey{id: im.ID, name: n, created: im.Created}
	}); err != nil {
		return 0, nil, invalidInput("sort", err.Error())
	}
	page, meta := paginate(items, lq)
	return 200, map[string]any{"images": page, "meta": meta}, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) getImage(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	for _, im := range s.images {
		if im.ID == id {
			return 200, map[string]any{"image": im}, nil
		}
	}
	return 0, nil, notFound("image " + strconv.FormatInt(id, 10))
}

func (s *Server) getPricing(*http.Request) (int, any, *apiError) {
	return 200, s.pricingJSON(), nil
}
