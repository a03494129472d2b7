package assemble

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/assemblekit/assemble/ensure"
	"github.com/assemblekit/assemble/secret"
	"github.com/assemblekit/assemble/secrets"
)

// StepSecrets is the name of the password manager step.
const StepSecrets = "secrets"

// Secrets keeps the deployment's secrets in store: the registry password,
// the bucket's keys and every secret added with Secret. Kamal fetches them
// from there at deploy time through the lines kamal.Write puts in
// .kamal/secrets. The step waits for the registry and storage steps (whose
// secrets it stores) but not for the server.
func (r *Recipe) Secrets(store secrets.Provider) *Recipe {
	return r.Add(&secretsStep{r: r, store: store})
}

// Secret adds one of the app's own secrets (a database password, Rails'
// master key): stored by the Secrets step and listed in the app's
// env.secret.
func (r *Recipe) Secret(name string, v secret.Value) *Recipe {
	if r.appSecrets == nil {
		r.appSecrets = map[string]secret.Value{}
	}
	r.appSecrets[name] = v
	return r
}

// StoredSecrets is where the deployment's secrets are: the store and, for
// each Kamal secret name, its place in the store.
type StoredSecrets struct {
	Store secrets.Provider
	Refs  []secrets.Ref
	// App lists the names added with Recipe.Secret, which the app's
	// env.secret needs.
	App []string
}

type secretsStep struct {
	r     *Recipe
	store secrets.Provider
}

func (s *secretsStep) Name() string { return StepSecrets }

func (s *secretsStep) Needs() []string {
	var n []string
	for _, dep := range []string{StepRegistry, StepStorage} {
		if s.r.has(dep) {
			n = append(n, dep)
		}
	}
	return n
}

type namedSecret struct {
	name  string
	value secret.Value
}

// values lists what to store, in a stable order; pending names secrets whose
// values aren't known yet (in a plan, before the bucket is checked).
func (s *secretsStep) values(out *Outputs) (vals []namedSecret, pending []string) {
	if out.Registry != nil && out.Registry.PasswordSecret != "" {
		vals = append(vals, namedSecret{out.Registry.PasswordSecret, out.Registry.Password})
	} else if rs := s.r.registryStep(); rs != nil && out.Registry == nil && !rs.spec.Password.IsZero() {
		vals = append(vals, namedSecret{registryPasswordSecret, rs.spec.Password})
	}
	if out.Bucket != nil {
		env := out.Bucket.Env().Secret
		for _, k := range sortedSecretKeys(env) {
			vals = append(vals, namedSecret{k, env[k]})
		}
	} else if s.r.has(StepStorage) {
		pending = append(pending, "bucket keys")
	}
	for _, k := range sortedSecretKeys(s.r.appSecrets) {
		vals = append(vals, namedSecret{k, s.r.appSecrets[k]})
	}
	return vals, pending
}

// registryPasswordSecret is the name Kamal's registry.password lists.
const registryPasswordSecret = "KAMAL_REGISTRY_PASSWORD"

func sortedSecretKeys(m map[string]secret.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Validate checks the store can be used (its CLI present and signed in, its
// token accepted) before anything runs.
func (s *secretsStep) Validate(ctx context.Context) error {
	for _, name := range sortedSecretKeys(s.r.appSecrets) {
		if s.r.appSecrets[name].IsZero() {
			return fmt.Errorf("store secret %s: %w", name, ensure.Invalid("secret "+name, "", "is empty", "give it a value; Kamal would pass an empty string"))
		}
	}
	return s.store.Check(ctx)
}

// Ensure stores the values; the store was checked by Validate before the run.
func (s *secretsStep) Ensure(ctx context.Context, out *Outputs) (ensure.Op, error) {
	vals, _ := s.values(out)
	res := &StoredSecrets{Store: s.store, App: sortedSecretKeys(s.r.appSecrets)}
	var ops []ensure.Op
	for _, v := range vals {
		if v.value.IsZero() {
			return "", fmt.Errorf("store secret %s: %w", v.name, ensure.Invalid("secret "+v.name, "", "is empty", "give it a value; Kamal would pass an empty string"))
		}
		ref := s.store.Ref(v.name)
		op, err := s.store.Put(ctx, ref, v.value)
		if err != nil {
			return "", err
		}
		ops = append(ops, op)
		res.Refs = append(res.Refs, ref)
	}
	out.Secrets = res
	return ensure.Merge(ops...), nil
}

func (s *secretsStep) Plan(ctx context.Context, out *Outputs) (ensure.Changes, error) {
	if err := s.store.Check(ctx); err != nil {
		return nil, err
	}
	vals, pending := s.values(out)
	var cs ensure.Changes
	for _, v := range vals {
		ref := s.store.Ref(v.name)
		have, err := s.store.Get(ctx, ref)
		switch {
		case errors.Is(err, ensure.ErrNotFound):
			cs = append(cs, ensure.Change{Kind: "secret", Name: v.name, Op: ensure.Created})
		case err != nil:
			return nil, err
		case have.Equal(v.value):
			cs = append(cs, ensure.Change{Kind: "secret", Name: v.name, Op: ensure.Unchanged})
		default:
			cs = append(cs, ensure.Change{Kind: "secret", Name: v.name, Op: ensure.Updated, Detail: "value differs"})
		}
	}
	for _, p := range pending {
		cs = append(cs, ensure.Change{Kind: "secret", Name: p, Op: ensure.Updated, Detail: "stored once known"})
	}
	return cs, nil
}
