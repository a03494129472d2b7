package secretstest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/assemblekit/assemble/sim"
)

// Doppler is a stateful fake of the Doppler REST API: GET /v3/me, GET
// /v3/configs/config/secrets (with the optional secrets= filter), GET
// /v3/configs/config/secret, and POST /v3/configs/config/secrets. Requests
// need "Authorization: Bearer TOKEN" with a token added by AddToken; errors
// are {"messages":[…],"success":false} with Doppler's status codes. Like the
// real API, every config also holds DOPPLER_PROJECT, DOPPLER_CONFIG and
// DOPPLER_ENVIRONMENT. It is safe for concurrent use.
type Doppler struct {
	knobs *sim.Knobs

	mu      sync.Mutex
	tokens  map[string]bool
	configs map[string]map[string]string // "project/config" → name → value
}

// NewDoppler returns an empty fake.
func NewDoppler() *Doppler {
	return &Doppler{knobs: sim.NewKnobs(dopplerErrorWriter), tokens: map[string]bool{}, configs: map[string]map[string]string{}}
}

// StartDoppler serves a new fake on 127.0.0.1 for the duration of t and
// returns it and its base URL.
func StartDoppler(t testing.TB) (*Doppler, string) {
	t.Helper()
	d := NewDoppler()
	return d, serveLoopback(t, d)
}

// Knobs returns the fake's latency, fault and request-log controls.
func (d *Doppler) Knobs() *sim.Knobs { return d.knobs }

// AddToken makes token valid.
func (d *Doppler) AddToken(token string) {
	d.mu.Lock()
	d.tokens[token] = true
	d.mu.Unlock()
}

// AddConfig creates project/config (empty but for Doppler's own variables).
func (d *Doppler) AddConfig(project, config string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := project + "/" + config
	if d.configs[key] == nil {
		env, _, _ := strings.Cut(config, "_")
		d.configs[key] = map[string]string{"DOPPLER_PROJECT": project, "DOPPLER_CONFIG": config, "DOPPLER_ENVIRONMENT": env}
	}
}

// Set stores a secret directly (test setup); the config must exist.
func (d *Doppler) Set(project, config, name, value string) {
	d.AddConfig(project, config)
	d.mu.Lock()
	d.configs[project+"/"+config][name] = value
	d.mu.Unlock()
}

// Value returns a secret's value and whether it exists.
func (d *Doppler) Value(project, config, name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.configs[project+"/"+config][name]
	return v, ok
}

type dopplerSecret struct {
	Raw      string `json:"raw"`
	Computed string `json:"computed"`
	Note     string `json:"note"`
}

func dopplerErrorWriter(w http.ResponseWriter, _ *http.Request, status int) {
	msg := "Internal server error"
	if status == http.StatusTooManyRequests {
		msg = "Rate limit exceeded"
	}
	writeDopplerError(w, status, msg)
}

func writeDopplerError(w http.ResponseWriter, status int, msgs ...string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs, "success": false})
}

func writeDopplerJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// ServeHTTP serves the API.
func (d *Doppler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.knobs.Wrap(http.HandlerFunc(d.serve)).ServeHTTP(w, r)
}

func (d *Doppler) serve(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	d.mu.Lock()
	valid := ok && d.tokens[tok]
	d.mu.Unlock()
	if !valid {
		writeDopplerError(w, http.StatusUnauthorized, "Invalid Auth token")
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v3/me":
		writeDopplerJSON(w, map[string]any{"success": true, "type": "personal", "name": "assemble",
			"slug": "assemble", "token_preview": "dp.pt.…", "workplace": map[string]string{"name": "Assemble", "slug": "assemble"}})
	case r.Method == http.MethodGet && r.URL.Path == "/v3/configs/config/secrets":
		d.mu.Lock()
		cfg := d.configs[q.Get("project")+"/"+q.Get("config")]
		out := map[string]dopplerSecret{}
		var filter map[string]bool
		if f := q.Get("secrets"); f != "" {
			filter = map[string]bool{}
			for _, n := range strings.Split(f, ",") {
				filter[n] = true
			}
		}
		for n, v := range cfg {
			if filter == nil || filter[n] {
				out[n] = dopplerSecret{Raw: v, Computed: v}
			}
		}
		d.mu.Unlock()
		if cfg == nil {
			writeDopplerError(w, http.StatusNotFound, "Could not find requested config '"+q.Get("config")+"'")
			return
		}
		writeDopplerJSON(w, map[string]any{"success": true, "secrets": out})
	case r.Method == http.MethodGet && r.URL.Path == "/v3/configs/config/secret":
		d.mu.Lock()
		cfg := d.configs[q.Get("project")+"/"+q.Get("config")]
		v, has := cfg[q.Get("name")]
		d.mu.Unlock()
		switch {
		case cfg == nil:
			writeDopplerError(w, http.StatusNotFound, "Could not find requested config '"+q.Get("config")+"'")
		case !has:
			writeDopplerError(w, http.StatusNotFound, "Could not find requested secret: "+q.Get("name"))
		default:
			writeDopplerJSON(w, map[string]any{"success": true, "name": q.Get("name"), "value": dopplerSecret{Raw: v, Computed: v}})
		}
	case r.Method == http.MethodPost && r.URL.Path == "/v3/configs/config/secrets":
		var in struct {
			Project string            `json:"project"`
			Config  string            `json:"config"`
			Secrets map[string]string `json:"secrets"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeDopplerError(w, http.StatusBadRequest, "Invalid JSON body")
			return
		}
		d.mu.Lock()
		cfg := d.configs[in.Project+"/"+in.Config]
		out := map[string]dopplerSecret{}
		if cfg != nil {
			for n, v := range in.Secrets {
				cfg[n] = v
			}
			for n, v := range cfg {
				out[n] = dopplerSecret{Raw: v, Computed: v}
			}
		}
		d.mu.Unlock()
		if cfg == nil {
			writeDopplerError(w, http.StatusNotFound, "Could not find requested config '"+in.Config+"'")
			return
		}
		writeDopplerJSON(w, map[string]any{"success": true, "secrets": out})
	default:
		writeDopplerError(w, http.StatusNotFound, "Route not found: "+r.Method+" "+r.URL.Path)
	}
}

// Names returns the secret names of project/config, sorted.
func (d *Doppler) Names(project, config string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for n := range d.configs[project+"/"+config] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
