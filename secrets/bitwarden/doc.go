// Package bitwarden stores secrets in Bitwarden through the `bw` CLI, and
// renders `.kamal/secrets` lines for Kamal's `bitwarden` adapter.
//
// By default every Kamal secret is a hidden custom field, named after the
// secret, of one item ("kamal", see WithItem); Kamal returns it as
// "ITEM/FIELD". A Ref with an empty Field stands for a login item's
// password, returned as "ITEM". The session travels in BW_SESSION and item
// JSON, base64-encoded as bw expects, on stdin — never on a command line.
package bitwarden
