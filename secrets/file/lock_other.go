//go:build !unix

package file

// lockDir locks nothing where flock is not available.
func lockDir(string) (unlock func()) { return func() {} }
