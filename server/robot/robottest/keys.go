package robottest

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

func (k *keyState) json() map[string]any {
	return map[string]any{
		"name":        k.Name,
		"fingerprint": k.Fingerprint,
		"type":        k.Type,
		"size":        k.Size,
		"data":        k.Data,
		"created_at":  k.CreatedAt.UTC().Format(time.RFC3339),
	}
}

// Key is an SSH key stored in the simulated account.
type Key struct {
	Name, Fingerprint, Data string
}

// Keys returns the SSH keys in the account, by name.
func (r *Robot) Keys() []Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Key, 0, len(r.st.Keys))
	for _, k := range r.st.Keys {
		out = append(out, Key{Name: k.Name, Fingerprint: k.Fingerprint, Data: k.Data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// AddKey stores an SSH key (an authorized_keys line) under name, as if it had
// been uploaded in the Robot web interface. It returns the fingerprint.
func (r *Robot) AddKey(name, data string) (string, error) {
	k, err := parseKey(name, data)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	k.CreatedAt = r.now()
	r.st.Keys[k.Fingerprint] = k
	r.mu.Unlock()
	return k.Fingerprint, nil
}

func parseKey(name, data string) (*keyState, error) {
	pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(data))
	if err != nil {
		return nil, err
	}
	k := &keyState{Name: name, Fingerprint: ssh.FingerprintLegacyMD5(pk), Data: strings.TrimSpace(data)}
	switch pk.Type() {
	case ssh.KeyAlgoED25519:
		k.Type, k.Size = "ED25519", 256
	case ssh.KeyAlgoRSA:
		k.Type = "RSA"
		if ck, ok := pk.(ssh.CryptoPublicKey); ok {
			if rk, ok := ck.CryptoPublicKey().(interface{ Size() int }); ok {
				k.Size = rk.Size() * 8
			}
		}
	default:
		k.Type, k.Size = strings.ToUpper(strings.TrimPrefix(pk.Type(), "ssh-")), 0
	}
	return k, nil
}

func (r *Robot) listKeys(w http.ResponseWriter, _ *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fps := make([]string, 0, len(r.st.Keys))
	for fp := range r.st.Keys {
		fps = append(fps, fp)
	}
	sort.Strings(fps)
	if len(fps) == 0 {
		notFound(w, CodeNotFound, "No keys found")
		return
	}
	out := make([]map[string]any, 0, len(fps))
	for _, fp := range fps {
		out = append(out, map[string]any{"key": r.st.Keys[fp].json()})
	}
	writeJSON(w, http.StatusOK, out)
}

func (r *Robot) createKey(w http.ResponseWriter, req *http.Request) {
	name, data := req.PostForm.Get("name"), req.PostForm.Get("data")
	var miss []string
	if name == "" {
		miss = append(miss, "name")
	}
	if data == "" {
		miss = append(miss, "data")
	}
	if len(miss) > 0 {
		missing(w, miss...)
		return
	}
	k, err := parseKey(name, data)
	if err != nil {
		invalid(w, "invalid key data", "data")
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.st.Keys[k.Fingerprint]; ok {
		writeErr(w, apiError{Status: http.StatusConflict, Code: CodeKeyExists, Message: "The key already exists"})
		return
	}
	k.CreatedAt = r.now()
	r.st.Keys[k.Fingerprint] = k
	writeJSON(w, http.StatusCreated, map[string]any{"key": k.json()})
}

func (r *Robot) keyByPath(w http.ResponseWriter, req *http.Request) *keyState {
	if k := r.st.Keys[req.PathValue("fp")]; k != nil {
		return k
	}
	notFound(w, CodeNotFound, "Key not found")
	return nil
}

func (r *Robot) getKey(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := r.keyByPath(w, req); k != nil {
		writeJSON(w, http.StatusOK, map[string]any{"key": k.json()})
	}
}

func (r *Robot) renameKey(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.keyByPath(w, req)
	if k == nil {
		return
	}
	if req.PostForm.Get("name") == "" {
		missing(w, "name")
		return
	}
	k.Name = req.PostForm.Get("name")
	writeJSON(w, http.StatusOK, map[string]any{"key": k.json()})
}

func (r *Robot) deleteKey(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := r.keyByPath(w, req); k != nil {
		delete(r.st.Keys, k.Fingerprint)
		w.WriteHeader(http.StatusNoContent)
	}
}
