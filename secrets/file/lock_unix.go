//go:build unix

package file

import (
	"os"
	"syscall"
)

// lockDir takes an exclusive advisory lock on dir, so that concurrent Puts
// (two runs of one recipe, in one process or several) read, change and
// write the secrets and ignore files one after another instead of losing
// each other's lines. When dir can't be opened it locks nothing: the write
// that follows reports the problem.
func lockDir(dir string) (unlock func()) {
	f, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}
