package buildinfo

import (
	"runtime/debug"
	"testing"
)

// TestFromBuild: the toolchain's stamp is read; where it has no commit (a
// git worktree, -buildvcs=false) the linker's is used; the toolchain's wins
// over the linker's.
func TestFromBuild(t *testing.T) {
	stamped := &debug.BuildInfo{Main: debug.Module{Path: "github.com/jpkisim/jpkisim", Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "1111111111111111111111111111111111111111"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	i := fromBuild(stamped, "2222222222222222222222222222222222222222", "2026-12-02T10:00:00Z", "false")
	if i.Version != "v1.2.3" || i.Commit != "1111111111111111111111111111111111111111" || i.Time != "2026-12-01T10:00:00Z" || !i.Modified {
		t.Errorf("stamped: %+v", i)
	}
	unstamped := &debug.BuildInfo{Main: debug.Module{Path: "github.com/jpkisim/jpkisim", Version: "(devel)"}}
	i = fromBuild(unstamped, "2222222222222222222222222222222222222222", "2026-12-02T10:00:00Z", "true")
	if i.Commit != "2222222222222222222222222222222222222222" || i.Time != "2026-12-02T10:00:00Z" || !i.Modified {
		t.Errorf("unstamped, the linker's commit: %+v", i)
	}
	if i := fromBuild(unstamped, "", "", ""); i.Commit != "" || i.Modified || i.Version != "(devel)" {
		t.Errorf("no commit anywhere: %+v", i)
	}
	if i := fromBuild(nil, "", "", ""); i.Module != "github.com/jpkisim/jpkisim" || i.GoVersion == "" {
		t.Errorf("no build info: %+v", i)
	}
}
