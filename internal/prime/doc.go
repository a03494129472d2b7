// Package prime keeps what a preflight read for the run that follows it. A
// provider's Validate — run by the Recipe for every step at once, before
// anything changes — reads the world it will act on (which server, key and
// firewall exist; the DNS zone; the registry's verdict) and Puts it here;
// the provider's Ensure, moments later, Takes it instead of reading again.
// So a refusal that only the vendor knows (a bad token, an unknown zone, a
// name taken by someone else) stops the run before its first change, and a
// re-run on a converged world costs one round of reads, not two.
//
// A primed value is used once and only while it is fresh (DefaultTTL): it
// is as current as a read made at the start of Ensure would be, never a
// cache that outlives the run.
package prime
