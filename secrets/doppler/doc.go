// Package doppler stores secrets in Doppler — through its REST API when a
// token is given (WithToken), through the `doppler` CLI otherwise — and
// renders `.kamal/secrets` lines for Kamal's `doppler` adapter, which
// returns bare secret names.
package doppler
