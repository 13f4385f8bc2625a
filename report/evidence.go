package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// The evidence file: a Run as JSON, written by `jpkisim run --format
// evidence:FILE` and read by `jpkisim report merge` (docs/sharding.md).
const (
	EvidenceFormat  = "jpkisim-run"
	EvidenceVersion = 1
)

// fileHead opens every report file of jpkisim's own: the evidence file and
// the certification file.
type fileHead struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

// read decodes a report file into f, whose fileHead must say format and
// version; what names the file in the errors ("evidence",
// "certification"). Errors: not JSON, another format or version.
func (h *fileHead) read(r io.Reader, f any, what, format string, version int) error {
	if err := json.NewDecoder(r).Decode(f); err != nil {
		return fmt.Errorf("not a jpkisim %s file: %w", what, err)
	}
	if h.Format != format {
		return fmt.Errorf("not a jpkisim %s file (format %q, want %q)", what, h.Format, format)
	}
	if h.Version != version {
		return fmt.Errorf("%s file version %d: this jpkisim reads version %d", what, h.Version, version)
	}
	return nil
}

type evidenceFile struct {
	fileHead
	Run
}

// WriteEvidence writes run as the evidence file.
func WriteEvidence(w io.Writer, run Run) error {
	e := json.NewEncoder(w)
	e.SetIndent("", " ")
	return e.Encode(evidenceFile{fileHead: fileHead{Format: EvidenceFormat, Version: EvidenceVersion}, Run: run})
}

// ReadEvidence reads an evidence file. Errors: not JSON, another format or
// version.
func ReadEvidence(r io.Reader) (Run, error) {
	var f evidenceFile
	if err := f.read(r, &f, "evidence", EvidenceFormat, EvidenceVersion); err != nil {
		return Run{}, err
	}
	return f.Run, nil
}
