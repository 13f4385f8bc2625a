// Package reporttest checks a report as a reader sees it: Sample is a
// hand-built report.Run that holds every kind of evidence, and
// CheckInChromium renders an HTML report in headless Chromium and says
// whether its summary, a transcript and the rule coverage matrix are on the
// page and visible (docs/reports.md, "The HTML report");
// SampleCertification and CheckCertificationInChromium do the same for a
// certification report (docs/reports.md, "The certification report").
//
// It is for tests, of package report and of the suite that writes reports.
package reporttest

import (
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/transcript"
)

// The names Sample uses, for tests that look for them.
const (
	// SamplePassed, SampleFailed and SampleNotRun name Sample's scenarios
	// on its first target; the second runs SamplePassed only.
	SamplePassed = "the retry counter reads three tries"
	SampleFailed = "a wrong auth PIN is refused <and counted>"
	SampleNotRun = "the signing PIN after an interruption"
	// SampleRuleBoth is covered on both targets (failed on the first,
	// passed on the second), SampleRuleOne on the first only (failed
	// there), SampleRuleNone on neither.
	SampleRuleBoth = "RETRY-06"
	SampleRuleOne  = "RETRY-02"
	SampleRuleNone = "CERT-03"
	// SampleSecret is the marker text of the masked VERIFY in SampleFailed.
	SampleSecret = "JPKI EF 0018 (the auth PIN): not the configured value (4 bytes)"
)

var sampleStart = time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)

// Sample is a run on two targets, "sim:default" (virtual) and a card in a
// reader that is not virtual and left out the @destructive scenarios, with
// a passed, a failed and a not-run scenario on the first and the passed one
// on the second. Its transcripts hold power and reset events, SELECTs
// answered 9000, on the card in the reader a T=0 pair (61xx and the GET
// RESPONSE after it), and in the failed scenario a masked VERIFY answered
// 63C2 with its Secret marker. Its catalogue has a rule covered on both targets, one covered on
// the first only and one covered on neither.
func Sample() report.Run {
	sim := report.TargetRun{
		Name: "sim:default", Profile: "default", Virtual: true,
		ATR:  "3B8A800180318065B0850300EF120FFF829000",
		Tags: "~@wip",
		Scenarios: []report.Scenario{
			passedScenario(sampleStart, "pickle-passed", ""),
			failedScenario(sampleStart.Add(time.Second)),
			notRunScenario(),
		},
	}
	card := report.TargetRun{
		Name: "pcsc:Example Reader 00 00 (not virtual, profile default)", Reader: "Example Reader 00 00",
		Profile: "default", ATR: "3B8A800180318065B0850300EF120FFF829000",
		Tags: "~@wip && ~@destructive",
		LeftOut: []report.LeftOut{
			{Tag: "@destructive", Why: "they spend PIN tries; a card that is not virtual runs them only with --allow-destructive", Scenarios: 2},
		},
		Scenarios: []report.Scenario{
			passedScenario(sampleStart.Add(3*time.Second), "pickle-passed-2", "Example Reader 00 00"),
		},
	}
	return report.Run{
		Identity: report.Identity{
			Tool:     buildinfo.Info{Module: "github.com/jpkisim/jpkisim", Version: "v0.12.0", Commit: "0123456789abcdef0123456789abcdef01234567", Time: "2026-12-01T10:00:00Z", GoVersion: "go1.26.0"},
			Started:  sampleStart,
			Finished: sampleStart.Add(6 * time.Second),
			Command:  "run --target sim --target pcsc --tags ~@wip --random 42",
			Seed:     42,
			Tags:     "~@wip",
			Features: "embedded",
		},
		Targets: []report.TargetRun{sim, card},
		Rules: []report.Rule{
			{ID: SampleRuleBoth, Statement: "The retry counter can be read without presenting a PIN.", Source: "IAM"},
			{ID: SampleRuleOne, Statement: "The auth PIN locks after 3 wrong entries.", Source: "https://www.example.org/jpki-faq.html"},
			{ID: SampleRuleNone, Statement: "The auth certificate holds only its serial and validity.", Source: "Inagi"},
		},
	}
}

func tr(start time.Time, reader string, events ...transcript.Event) transcript.Transcript {
	for i := range events {
		events[i].Seq = i + 1
		events[i].At = transcript.Micros(1000 * (i + 1))
	}
	protocol := "T=1"
	if reader != "" {
		protocol = "T=0"
	}
	return transcript.Transcript{Format: transcript.FormatName, Version: transcript.Version, Source: "jpkisim run", Layer: transcript.Raw,
		Reader: reader, Protocol: protocol, ATR: "3B8A800180318065B0850300EF120FFF829000", Started: start, Events: events}
}

func exchange(command, response string, us int64) transcript.Event {
	return transcript.Event{Kind: transcript.Exchange, Command: command, Response: response, Elapsed: transcript.Micros(us)}
}

func power(kind transcript.Kind) transcript.Event {
	e := transcript.Event{Kind: kind}
	if kind != transcript.PowerOff {
		e.ATR = "3B8A800180318065B0850300EF120FFF829000"
	}
	return e
}

const (
	selectJPKI    = "00A4040C0AD392F000260100000001"
	selectJPKIFCI = "00A404000AD392F000260100000001"
)

func passedScenario(start time.Time, id, reader string) report.Scenario {
	sel := []transcript.Event{exchange(selectJPKI, "9000", 310)}
	if reader != "" {
		// T=0: the FCI waits for a GET RESPONSE.
		sel = []transcript.Event{exchange(selectJPKIFCI, "6108", 300), exchange("00C0000008", "6F06840401020304"+"9000", 90)}
	}
	events := append([]transcript.Event{power(transcript.PowerOn)}, sel...)
	events = append(events,
		exchange("00A4020C020018", "9000", 120),
		exchange("00200080", "63C3", 150),
		power(transcript.PowerOff),
	)
	n := len(sel)
	t := tr(start, reader, events...)
	t.Events[n+2].Secret = &transcript.Secret{Reference: "JPKI EF 0018 (the auth PIN)", PIN: "auth", Value: transcript.Empty}
	return report.Scenario{
		ID: id, Feature: "PIN retry counters", URI: "features/pins.feature", Line: 12,
		Name: SamplePassed, Tags: []string{"@" + SampleRuleBoth}, Rules: []string{SampleRuleBoth},
		Status: report.Passed, Started: start, Duration: 4200 * time.Microsecond,
		Steps: []report.Step{
			{Keyword: "Given ", Text: "the JPKI application is selected", Line: 13, Status: report.Passed, Duration: 1500 * time.Microsecond, First: 1, End: n + 2},
			{Keyword: "When ", Text: "I query the retry counter of the auth PIN", Line: 14, Status: report.Passed, Duration: 2200 * time.Microsecond, First: n + 2, End: n + 3},
			{Keyword: "Then ", Text: "the status word is 63C3", Line: 15, Status: report.Passed, Duration: 500 * time.Microsecond, First: n + 3, End: n + 3},
		},
		Transcript: t,
	}
}

func failedScenario(start time.Time) report.Scenario {
	t := tr(start, "",
		power(transcript.PowerOn),
		exchange(selectJPKI, "9000", 300),
		exchange("00A4020C020018", "9000", 110),
		exchange("0020008004XXXXXXXX", "63C2", 2100),
		power(transcript.Reset),
		exchange("00200080", "63C2", 140),
	)
	t.Events[3].Secret = &transcript.Secret{Reference: "JPKI EF 0018 (the auth PIN)", PIN: "auth", Value: transcript.Other, Length: 4}
	t.Events[5].Secret = &transcript.Secret{Reference: "JPKI EF 0018 (the auth PIN)", PIN: "auth", Value: transcript.Empty}
	return report.Scenario{
		ID: "pickle-failed", Feature: "PIN retry counters", URI: "features/pins.feature", Line: 20,
		Name: SampleFailed, Tags: []string{"@destructive", "@" + SampleRuleOne, "@" + SampleRuleBoth}, Rules: []string{SampleRuleOne, SampleRuleBoth},
		Status: report.Failed, Started: start, Duration: 9 * time.Millisecond,
		Steps: []report.Step{
			{Keyword: "Given ", Text: "the JPKI application is selected", Line: 21, Status: report.Passed, Duration: 1200 * time.Microsecond, First: 0, End: 3},
			{Keyword: "When ", Text: "I verify the auth PIN with a wrong value", Line: 22, Status: report.Passed, Duration: 2500 * time.Microsecond, First: 3, End: 4},
			{Keyword: "Then ", Text: "the status word is 63C2", Line: 23, Status: report.Passed, Duration: 300 * time.Microsecond, First: 4, End: 4},
			{Keyword: "And ", Text: "after a reset the auth PIN has 3 tries left", Line: 24, Status: report.Failed, Duration: 5 * time.Millisecond, First: 4, End: 6,
				Error: "the auth PIN has 2 tries left (SW1-SW2 63C2), want 3"},
			{Keyword: "And ", Text: "the status word is 9000", Line: 25, Status: report.Skipped, First: 6, End: 6},
		},
		Transcript: t,
	}
}

func notRunScenario() report.Scenario {
	return report.Scenario{
		ID: "pickle-notrun", Feature: "Signing PIN", URI: "features/signing.feature", Line: 5,
		Name: SampleNotRun, Tags: []string{"@" + SampleRuleBoth}, Rules: []string{SampleRuleBoth},
		Status: report.NotRun,
		Steps: []report.Step{
			{Keyword: "Given ", Text: "the JPKI application is selected", Line: 6, Status: report.NotRun},
		},
	}
}
