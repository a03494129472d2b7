// Package ensure holds the vocabulary every provider of assemble shares: the
// Op an Ensure reports, the Change a Plan lists, and the sentinel errors that
// typed provider errors unwrap to.
//
// It is a leaf: it imports nothing from assemble and everything may import it.
package ensure
