package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jpkisim/jpkisim/buildinfo"
)

// The certification file: a Certification as JSON, written by `jpkisim
// certify --json FILE` and read by `jpkisim report merge`.
const (
	CertificationFormat  = "jpkisim-certification"
	CertificationVersion = 1
)

type certificationFile struct {
	fileHead
	Certification
}

// WriteCertificationJSON writes c as the certification file.
func WriteCertificationJSON(w io.Writer, c Certification) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(certificationFile{fileHead: fileHead{Format: CertificationFormat, Version: CertificationVersion}, Certification: c})
}

// ReadCertification reads a certification file. Errors: not JSON, another
// format or version.
func ReadCertification(r io.Reader) (Certification, error) {
	var f certificationFile
	if err := f.read(r, &f, "certification", CertificationFormat, CertificationVersion); err != nil {
		return Certification{}, err
	}
	return f.Certification, nil
}

// CertPart is one shard's certification for MergeCertifications, with
// the file it was read from (for the errors).
type CertPart struct {
	Source string
	Cert   Certification
}

// MergeCertifications puts the N shards of one certification (certify
// --shard K/N) back together: every shard's runs, in shard order, each
// with its shard and machine; each check's verdicts on them, its outcome
// decided again over all of them (CheckResult.Decide); the identity of the
// first shard, from the first start to the last end; the shards in Shards.
// It refuses, naming every problem (an error wrapping ErrMerge): no part, a
// part that is not a shard, different counts N, a shard missing or given
// twice, different versions, commits, clients, conformance profiles, PIN
// roles or checks; a run (card state and PIN entry) two shards made; a
// check whose verdicts are not one a run.
func MergeCertifications(parts []CertPart) (Certification, error) {
	if len(parts) == 0 {
		return Certification{}, fmt.Errorf("%w: no shard given", ErrMerge)
	}
	c := NewShardCheck(parts, func(p CertPart) (string, Shard, buildinfo.Info) {
		return p.Source, p.Cert.Identity.Shard, p.Cert.Identity.Tool
	}, "certify")
	differ := func(what string, get func(Certification) string) {
		c.Differ(what, func(p CertPart) string { return get(p.Cert) })
	}
	differ("clients", func(x Certification) string { return x.Client })
	differ("conformance profiles", func(x Certification) string { return x.Profile })
	differ("PIN roles", func(x Certification) string { return x.PIN })
	differ("checks", func(x Certification) string {
		var ids []string
		for _, ck := range x.Checks {
			ids = append(ids, ck.ID)
		}
		return strings.Join(ids, " ")
	})
	c.Add(certRunsOnce(parts)...)
	if err := c.Err(ErrMerge); err != nil {
		return Certification{}, err
	}

	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b CertPart) int { return cmp.Compare(a.Cert.Identity.Shard.K, b.Cert.Identity.Shard.K) })
	out := sorted[0].Cert
	out.Identity.Shard, out.Identity.Machine, out.Identity.Command = Shard{}, "", ""
	out.Runs, out.Checks, out.Interrupted = nil, nil, ""
	for _, ck := range sorted[0].Cert.Checks {
		ck.PerRun = nil
		out.Checks = append(out.Checks, ck)
	}
	var interrupted []string
	for _, p := range sorted {
		c := p.Cert
		id := c.Identity
		if id.Started.Before(out.Identity.Started) {
			out.Identity.Started = id.Started
		}
		if id.Finished.After(out.Identity.Finished) {
			out.Identity.Finished = id.Finished
		}
		out.Shards = append(out.Shards, ShardRun{Shard: id.Shard, Machine: id.Machine, Started: id.Started, Finished: id.Finished, Command: id.Command, Source: p.Source})
		if c.Interrupted != "" {
			interrupted = append(interrupted, fmt.Sprintf("%s in shard %s", c.Interrupted, id.Shard))
		}
		for _, r := range c.Runs {
			r.Shard, r.Machine = id.Shard, id.Machine
			out.Runs = append(out.Runs, r)
		}
		for i, ck := range c.Checks {
			out.Checks[i].PerRun = append(out.Checks[i].PerRun, ck.PerRun...)
		}
	}
	out.Interrupted = strings.Join(interrupted, ", ")
	for i := range out.Checks {
		out.Checks[i].Decide(out.Runs)
	}
	return out, nil
}

// certRunsOnce names each run (card state and PIN entry) that two parts
// made, and each part whose check holds not one verdict a run (PerRun is
// by index in Runs, and merged by it).
func certRunsOnce(parts []CertPart) []string {
	seen := map[string]string{}
	var out []string
	for _, p := range parts {
		sh := p.Cert.Identity.Shard.String()
		for _, ck := range p.Cert.Checks {
			if len(ck.PerRun) != len(p.Cert.Runs) {
				out = append(out, fmt.Sprintf("%s: check %s has %d verdicts for %d runs", p.Source, ck.ID, len(ck.PerRun), len(p.Cert.Runs)))
			}
		}
		for _, r := range p.Cert.Runs {
			id := r.State + "/" + string(r.Entry)
			if first, ok := seen[id]; ok && first != sh {
				out = append(out, fmt.Sprintf("run %s in shards %s and %s", id, first, sh))
				continue
			}
			seen[id] = sh
		}
	}
	return out
}
