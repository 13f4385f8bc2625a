package transcript

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes t to path as a whole: into a temporary file in the same
// directory (".NAME.tmp"), then renamed over path, so that path holds
// either nothing, the previous complete transcript or the new one — never
// a half-written document (docs/reports.md, "Recording").
func WriteFile(path string, t Transcript) error {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = t.Write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("transcript %s: %w", path, err)
	}
	return nil
}

// ReadFile reads the transcript at path (Read).
func ReadFile(path string) (Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return Transcript{}, err
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return Transcript{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
