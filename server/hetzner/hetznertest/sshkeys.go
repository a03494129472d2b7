package hetznertest

import (
	"errors"
	"maps"
	"net/http"
	"strings"

	"golang.org/x/crypto/ssh"
)

// fingerprint returns Hetzner's fingerprint of an authorized_keys line: the
// legacy MD5 colon-hex form.
func fingerprint(publicKey string) (string, error) {
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(publicKey))
	if err != nil {
		return "", errors.New("invalid public key")
	}
	return ssh.FingerprintLegacyMD5(k), nil
}

func (s *Server) listSSHKeys(r *http.Request) (int, any, *apiError) {
	lq, aerr := parseListQuery(r)
	if aerr != nil {
		return 0, nil, aerr
	}
	fp := r.URL.Query().Get("fingerprint")
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []*sshKeyState
	for _, id := range sortedIDs(s.keys) {
		k := s.keys[id]
		if (lq.hasName && k.Name != lq.name) || (fp != "" && k.Fingerprint != fp) || (lq.sel != nil && !lq.sel.matches(k.Labels)) {
			continue
		}
		items = append(items, k)
	}
	return listResponse("ssh_keys", items, lq, func(v *sshKeyState) sortKey {
		return sortKey{id: v.ID, name: v.Name, created: v.Created}
	}, func(k *sshKeyState) SSHKeyRecord { return *k })
}

func (s *Server) getSSHKey(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return 0, nil, notFound("SSH key")
	}
	return 200, map[string]any{"ssh_key": *k}, nil
}

func (s *Server) createSSHKey(r *http.Request) (int, any, *apiError) {
	var req struct {
		Name      string            `json:"name"`
		PublicKey string            `json:"public_key"`
		Labels    map[string]string `json:"labels"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	if req.Name == "" {
		return 0, nil, invalidInput("name", "is required")
	}
	if aerr := checkLabels(req.Labels); aerr != nil {
		return 0, nil, aerr
	}
	fp, err := fingerprint(req.PublicKey)
	if err != nil {
		return 0, nil, invalidInput("public_key", "invalid SSH public key")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.Name == req.Name {
			return 0, nil, uniqueness("name")
		}
		if k.Fingerprint == fp {
			return 0, nil, uniqueness("fingerprint")
		}
	}
	k := &sshKeyState{ID: s.newID(), Name: req.Name, Fingerprint: fp, PublicKey: strings.TrimSpace(req.PublicKey), Labels: maps.Clone(req.Labels), Created: s.stamp()}
	if k.Labels == nil {
		k.Labels = map[string]string{}
	}
	s.keys[k.ID] = k
	return 201, map[string]any{"ssh_key": *k}, nil
}

func (s *Server) updateSSHKey(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var req struct {
		Name   *string            `json:"name"`
		Labels *map[string]string `json:"labels"`
	}
	if aerr := decode(r, &req); aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	if !ok {
		return 0, nil, notFound("SSH key")
	}
	if req.Name != nil {
		for _, o := range s.keys {
			if o.ID != id && o.Name == *req.Name {
				return 0, nil, uniqueness("name")
			}
		}
		k.Name = *req.Name
	}
	if req.Labels != nil {
		if aerr := checkLabels(*req.Labels); aerr != nil {
			return 0, nil, aerr
		}
		k.Labels = maps.Clone(*req.Labels)
	}
	return 200, map[string]any{"ssh_key": *k}, nil
}

func (s *Server) deleteSSHKey(r *http.Request) (int, any, *apiError) {
	id, aerr := pathID(r, "id")
	if aerr != nil {
		return 0, nil, aerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return 0, nil, notFound("SSH key")
	}
	delete(s.keys, id)
	return 204, nil, nil
}
