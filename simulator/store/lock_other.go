//go:build !unix

package store

import "os"

// lockFile opens the lock file; without flock the lock is advisory only.
func lockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

func unlockFile(f *os.File) error { return f.Close() }

// links is 1: without the file's link count, hard links are not detected.
func links(os.FileInfo) uint64 { return 1 }

// lockDir does nothing: without flock, writers of one file are not
// serialised.
func lockDir(string) (func(), error) { return func() {}, nil }
