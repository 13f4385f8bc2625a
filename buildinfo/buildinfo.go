// Package buildinfo says which jpkisim made a report: the module version,
// the commit and its time, the Go version, read from what the Go toolchain
// stamps into every binary (runtime/debug.ReadBuildInfo; docs/reports.md,
// "Run identity").
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Info identifies a build. Empty fields are unknown: a test binary or a
// build outside a git checkout carries no commit.
type Info struct {
	Module    string `json:"module"`
	Version   string `json:"version"`            // module version, "(devel)" for a local build
	Commit    string `json:"commit,omitempty"`   // vcs.revision, 40 hex digits
	Time      string `json:"time,omitempty"`     // vcs.time, RFC 3339: the commit's time
	Modified  bool   `json:"modified,omitempty"` // vcs.modified: built from a tree with uncommitted changes
	GoVersion string `json:"go"`
}

var (
	once sync.Once
	info Info
)

// Commit, CommitTime and Modified are set by the linker (go build -ldflags
// "-X github.com/jpkisim/jpkisim/buildinfo.Commit=…"), as `make build` does,
// for a build the toolchain cannot stamp: in a git worktree or submodule,
// whose .git is a file, cmd/go finds no repository. What the toolchain
// stamped wins. Modified is "true" for a tree with uncommitted changes.
var Commit, CommitTime, Modified string

// Get returns the running binary's Info.
func Get() Info {
	once.Do(func() {
		bi, _ := debug.ReadBuildInfo()
		info = fromBuild(bi, Commit, CommitTime, Modified)
	})
	return info
}

// fromBuild is the Info of bi (nil: none), with the commit given by the
// linker where bi has none.
func fromBuild(bi *debug.BuildInfo, commit, commitTime, modified string) Info {
	info := Info{Module: "github.com/jpkisim/jpkisim", Version: "(devel)", GoVersion: runtime.Version()}
	if bi != nil {
		if bi.Main.Path != "" {
			info.Module = bi.Main.Path
		}
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Commit == "" && commit != "" {
		info.Commit, info.Time, info.Modified = commit, commitTime, modified == "true"
	}
	return info
}

// Short is "v1.2.3 (commit 0123456789ab, modified)", or as much as is known.
func (i Info) Short() string {
	s := i.Version
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += " (commit " + c
		if i.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s
}
