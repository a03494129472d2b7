// Package hetzner is the server provider for Hetzner Cloud, built on
// hcloud-go.
//
// Ensure makes, in order and each idempotently: the SSH key (found by its
// MD5 fingerprint; a key already uploaded under another name is used as it
// is and never deleted), the firewall (named like the server, rules exactly
// as the spec says, drift put back), the server (found by name; a server of
// that name that is not labelled as the recipe's is a conflict, never
// adopted), the firewall applied to it; then it waits until the server runs
// and SSH answers with the host key pinned at creation.
//
// Everything that can be checked is checked before the first mutating
// request: the token, the location, the server type and its availability in
// that location, the image for the type's architecture, and conflicts with
// resources that are not the recipe's.
//
// Creates are never repeated blindly: hcloud-go's own retries are off for
// mutating requests, and after a failed or lost create the provider looks
// for what it was creating before trying again. 429 answers are waited out
// (Retry-After, else RateLimit-Reset) before anything is sent again.
package hetzner
