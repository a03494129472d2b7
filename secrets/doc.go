// Package secrets is the password-manager ingredient: where the deployment's
// secrets (registry password, storage keys, the app's own) live, how to read
// and write them, and how `.kamal/secrets` fetches them at deploy time.
//
// A Store reads and writes one secret at a time (Check, Get, Put); a Kamal
// renders the `.kamal/secrets` lines that fetch a set of secrets through
// `kamal secrets fetch` with the matching adapter. Providers live in sibling
// packages named after the manager: onepassword, lastpass, bitwarden, awssm,
// doppler, and file (the plain, gitignored `.kamal/secrets` fallback).
//
// Values travel as secret.Value. CLI providers pass them on stdin or in the
// environment, never on a command line, and scrub known values out of a
// CLI's stderr before it becomes part of an error.
package secrets
