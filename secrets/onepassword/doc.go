// Package onepassword stores secrets in 1Password through the `op` CLI
// (version 2), and renders `.kamal/secrets` lines for Kamal's `1password`
// adapter.
//
// By default every Kamal secret is a concealed field, labelled with the
// secret's name, of one item ("kamal", see WithItem) in the vault given to
// New; Kamal fetches them with `--from Vault/Item` and returns keys
// "Vault/Item/NAME". Values reach `op` only through a 0600 item template
// file (`op item create|edit --template`), never through its arguments.
package onepassword
