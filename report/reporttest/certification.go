package reporttest

import (
	"fmt"
	"time"

	"github.com/jpkisim/jpkisim/buildinfo"
	"github.com/jpkisim/jpkisim/conformance"
	"github.com/jpkisim/jpkisim/report"
	"github.com/jpkisim/jpkisim/transcript"
)

// The names SampleCertification uses, for tests that look for them.
const (
	// SampleCertClient is the command line under test.
	SampleCertClient = "./vendor-signer --pin-env JPKISIM_CLIENT_PIN --sign message.txt"
	// SampleCertPassed and SampleCertPassed2 passed, SampleCertFailed
	// failed in the run SampleCertFailedRun (0-based), SampleCertNA was
	// applicable in no run.
	SampleCertPassed    = "CLIENT-01"
	SampleCertPassed2   = "CLIENT-14"
	SampleCertFailed    = "CLIENT-05"
	SampleCertNA        = "CLIENT-13"
	SampleCertFailedRun = 1
	// SampleCertFailedReason is the failed check's reason.
	SampleCertFailedReason = "VERIFY of the signing password sent again (event 9) after 6984 (event 8)"
	// SampleCertFailedOutput is what the program said in the failed run.
	SampleCertFailedOutput = "error: PIN incorrect, 4 tries left"
	// SampleCertHarnessError is the third run's harness error.
	SampleCertHarnessError = "the control interface refused the latency fault: connection refused"
)

// SampleCertFailedSeqs are the events of the failed run that
// SampleCertFailed's verdict names: the VERIFY answered 6984 and the VERIFY
// sent after it.
var SampleCertFailedSeqs = []int{8, 9}

// SampleCertification is a certification of SampleCertClient against the
// pkcs11-middleware profile on "Virtual PCD 00 00", given the signing
// password, in three runs: "fresh" (the program verified and signed, exit 0,
// a signature written), "signing-locked" (the program sent the VERIFY
// again after 6984 and said "4 tries left": 15 events, the excerpt of
// events 8 and 9 leaves some out either side) and "slow-signature" (the
// harness failed to set the state: no transcript, exit status -1). Its four
// checks are taken from the catalogue (conformance.Lookup): CLIENT-01 and
// CLIENT-14 passed, CLIENT-05 failed in the second run, CLIENT-13 not
// applicable. Its verdict is report.NotCertified.
func SampleCertification() report.Certification {
	start := sampleStart
	fresh := tr(start, "",
		power(transcript.PowerOn),
		exchange(selectJPKI, "9000", 300),
		exchange("00A4020C02001B", "9000", 110),
		exchange("0020008006XXXXXXXXXXXX", "9000", 2100),
		exchange("00A4020C02001A", "9000", 100),
		exchange("002A00AE33"+"3031300D060960864801650304020105000420"+"A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90"+"00", "5A5A"+"9000", 180000),
		power(transcript.Reset),
	)
	fresh.Reader = "Virtual PCD 00 00"
	fresh.Events[3].Secret = &transcript.Secret{Reference: "JPKI EF 001B (the signing password)", PIN: "signing", Value: transcript.Configured, Length: 6}
	locked := tr(start.Add(2*time.Second), "",
		power(transcript.PowerOn),
		exchange(selectJPKI, "9000", 300),
		exchange("00A4020C020001", "9000", 100),
		exchange("00B0000004", "30820A1B"+"9000", 400),
		exchange("00A4020C02001B", "9000", 110),
		exchange("00200080", "6984", 140),
		exchange("00A4020C02001B", "9000", 110),
		exchange("0020008006XXXXXXXXXXXX", "6984", 150),
		exchange("0020008006XXXXXXXXXXXX", "6984", 150),
		exchange("00A4020C020018", "9000", 100),
		exchange("00200080", "63C3", 120),
		exchange("00A4020C02000A", "9000", 100),
		exchange("00B0000004", "30820A1B"+"9000", 400),
		exchange("00A4040C0AD392F000260100000002", "9000", 300),
		power(transcript.PowerOff),
	)
	locked.Reader = "Virtual PCD 00 00"
	for _, i := range []int{7, 8} {
		locked.Events[i].Secret = &transcript.Secret{Reference: "JPKI EF 001B (the signing password)", PIN: "signing", Value: transcript.Configured, Length: 6}
	}
	locked.Events[5].Secret = &transcript.Secret{Reference: "JPKI EF 001B (the signing password)", PIN: "signing", Value: transcript.Empty}
	locked.Events[10].Secret = &transcript.Secret{Reference: "JPKI EF 0018 (the auth PIN)", PIN: "auth", Value: transcript.Empty}

	runs := []report.ClientRun{
		{State: conformance.Fresh, Summary: "a new card: both certificates valid, full retry counters (3 and 5)", CardProfile: "default",
			Entry: conformance.Configured, Started: start, Elapsed: 1200 * time.Millisecond, ExitStatus: 0,
			Output: "signing message.txt with the signing key\nsignature written to message.sig", Signature: true, Transcript: fresh},
		{State: conformance.SigningLocked, Summary: "the signing password is blocked: every VERIFY of it answers 6984", CardProfile: "signing-locked",
			Entry: conformance.Configured, Started: start.Add(2 * time.Second), Elapsed: 800 * time.Millisecond, ExitStatus: 1,
			Output: "signing message.txt with the signing key\n" + SampleCertFailedOutput, Transcript: locked},
		{State: conformance.SlowSignature, Summary: "every COMPUTE DIGITAL SIGNATURE answers after about 2 s, as over NFC", CardProfile: "default",
			Entry: conformance.Configured, Started: start.Add(4 * time.Second), ExitStatus: -1, Error: SampleCertHarnessError},
	}
	na := conformance.Verdict{Outcome: conformance.NotApplicable, Reason: "not judged: the harness could not set the state"}
	checks := []report.CheckResult{
		sampleCheck(SampleCertPassed, conformance.Passed, "no VERIFY without data after an entry", 0, []int{4},
			conformance.Verdict{Outcome: conformance.Passed, Reason: "no VERIFY without data after an entry", Seqs: []int{4}},
			conformance.Verdict{Outcome: conformance.Passed, Reason: "the VERIFY without data (event 6) came before any entry", Seqs: []int{6}},
			na),
		sampleCheck(SampleCertFailed, conformance.Failed, SampleCertFailedReason, SampleCertFailedRun, SampleCertFailedSeqs,
			conformance.Verdict{Outcome: conformance.NotApplicable, Reason: `not judged in state "fresh"`},
			conformance.Verdict{Outcome: conformance.Failed, Reason: SampleCertFailedReason, Seqs: SampleCertFailedSeqs},
			na),
		sampleCheck(SampleCertNA, conformance.NotApplicable, `not judged in state "fresh"`, 0, nil,
			conformance.Verdict{Outcome: conformance.NotApplicable, Reason: `not judged in state "fresh"`},
			conformance.Verdict{Outcome: conformance.NotApplicable, Reason: `not judged in state "signing-locked"`},
			na),
		sampleCheck(SampleCertPassed2, conformance.Passed, "the session ended with a reset (event 7)", 0, []int{7},
			conformance.Verdict{Outcome: conformance.Passed, Reason: "the session ended with a reset (event 7)", Seqs: []int{7}},
			conformance.Verdict{Outcome: conformance.Passed, Reason: "no PIN verified: every VERIFY was refused", Seqs: []int{8, 9}},
			na),
	}
	return report.Certification{
		Identity: report.Identity{
			Tool:     buildinfo.Info{Module: "github.com/jpkisim/jpkisim", Version: "v0.13.0", Commit: "0123456789abcdef0123456789abcdef01234567", Time: "2026-12-01T10:00:00Z", GoVersion: "go1.26.0"},
			Started:  start,
			Finished: start.Add(6 * time.Second),
			Command:  `certify --client "` + SampleCertClient + `" --profile pkcs11-middleware --report cert.html`,
		},
		Client:  SampleCertClient,
		Profile: conformance.PKCS11Middleware,
		Reader:  "Virtual PCD 00 00",
		PIN:     "signing password",
		Checks:  checks,
		Runs:    runs,
	}
}

// sampleCheck is the catalogue's check id with a verdict.
func sampleCheck(id string, o conformance.Outcome, reason string, run int, seqs []int, perRun ...conformance.Verdict) report.CheckResult {
	ck, ok := conformance.Lookup(id)
	if !ok {
		panic(fmt.Sprintf("reporttest: no check %s in the catalogue", id))
	}
	return report.CheckResult{
		ID: ck.ID, Title: ck.Title, Statement: ck.Statement, Why: ck.Why, Sources: ck.Sources, Judged: ck.Judged, Words: ck.Words,
		Outcome: o, Reason: reason, Run: run, Seqs: seqs, PerRun: perRun,
	}
}
