package secrets

import "fmt"

// Ref says where one secret lives in a store. Name is the variable Kamal
// sees (for example "KAMAL_REGISTRY_PASSWORD"); the other fields are
// store-specific locations, and each provider documents which it reads.
type Ref struct {
	// Name is the Kamal secret name, the left side of `.kamal/secrets`.
	Name string
	// Vault is the 1Password vault.
	Vault string
	// Item is the 1Password item, the Bitwarden item, or the AWS Secrets
	// Manager secret id.
	Item string
	// Field is the 1Password field label, the Bitwarden custom field, or the
	// key inside a JSON-object AWS secret. Empty means the whole secret
	// (AWS) or the login password (Bitwarden).
	Field string
	// Path is the LastPass entry's full name ("Folder/Name").
	Path string
	// Project and Config locate a Doppler secret.
	Project, Config string
}

// String describes the location without any value, for errors and logs.
func (r Ref) String() string {
	switch {
	case r.Path != "":
		return fmt.Sprintf("%s (%s)", r.Name, r.Path)
	case r.Project != "" || r.Config != "":
		return fmt.Sprintf("%s (%s/%s)", r.Name, r.Project, r.Config)
	case r.Vault != "":
		return fmt.Sprintf("%s (%s/%s/%s)", r.Name, r.Vault, r.Item, r.Field)
	case r.Item != "" && r.Field != "":
		return fmt.Sprintf("%s (%s/%s)", r.Name, r.Item, r.Field)
	case r.Item != "":
		return fmt.Sprintf("%s (%s)", r.Name, r.Item)
	}
	return r.Name
}
