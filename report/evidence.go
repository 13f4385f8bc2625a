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

type evidenceFile struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Run
}

// WriteEvidence writes run as the evidence file.
func WriteEvidence(w io.Writer, run Run) error {
	e := json.NewEncoder(w)
	e.SetIndent("", " ")
	return e.Encode(evidenceFile{Format: EvidenceFormat, Version: EvidenceVersion, Run: run})
}

// ReadEvidence reads an evidence file. Errors: not JSON, another format or
// version.
func ReadEvidence(r io.Reader) (Run, error) {
	var f evidenceFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return Run{}, fmt.Errorf("not a jpkisim evidence file: %w", err)
	}
	if f.Format != EvidenceFormat {
		return Run{}, fmt.Errorf("not a jpkisim evidence file (format %q, want %q)", f.Format, EvidenceFormat)
	}
	if f.Version != EvidenceVersion {
		return Run{}, fmt.Errorf("evidence file version %d: this jpkisim reads version %d", f.Version, EvidenceVersion)
	}
	return f.Run, nil
}
