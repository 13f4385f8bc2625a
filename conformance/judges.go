package conformance

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/jpkisim/jpkisim/apdu"
	"github.com/jpkisim/jpkisim/jpki"
	"github.com/jpkisim/jpkisim/rules"
	"github.com/jpkisim/jpkisim/transcript"
)

// inState answers not applicable unless the session ran in one of names.
func inState(s Session, names ...string) (State, bool) {
	if !slices.Contains(names, s.State) {
		return State{}, false
	}
	return StateByName(s.State)
}

func notIn(s Session) Verdict { return na(fmt.Sprintf("not judged in state %q", s.State)) }

// entriesOf returns the entries given for p, in the order given.
func entriesOf(s Session, p jpki.PIN) []Entry {
	var out []Entry
	for _, e := range s.Entries {
		if e.PIN == p {
			out = append(out, e)
		}
	}
	return out
}

// window returns the steps from entry i of es (at its time) to the next
// entry of es given later.
func window(steps []step, es []Entry, i int) []step {
	from := es[i].At
	to := transcript.Micros(-1)
	for _, e := range es[i+1:] {
		if e.At > from {
			to = e.At
			break
		}
	}
	var out []step
	for _, st := range steps {
		if st.ev.At >= from && (to < 0 || st.ev.At < to) {
			out = append(out, st)
		}
	}
	return out
}

// CLIENT-01.
func judgeEmptyEntry(s Session) Verdict {
	steps := walk(s.Transcript)
	judged := false
	var queries []int
	for _, p := range jpki.PINs {
		es := entriesOf(s, p)
		for i, e := range es {
			if e.Given != Empty {
				continue
			}
			judged = true
			for _, st := range window(steps, es, i) {
				withData, ok := st.verifyOf(p)
				if ok && !withData {
					queries = append(queries, st.ev.Seq)
				}
				if ok && withData {
					return fail(fmt.Sprintf("the user typed nothing for the %v, and the card saw a VERIFY of it with %d bytes", p, st.ev.Secret.Length), st.ev.Seq)
				}
				if st.protects(p) && (st.signature() || st.sw == apdu.SWOK) {
					return fail(fmt.Sprintf("the user typed nothing for the %v, and the client went on to use what it protects", p), st.ev.Seq)
				}
			}
		}
	}
	if !judged {
		return na("no empty entry was given")
	}
	// The evidence: the counter queries the client made meanwhile, if any;
	// a client that sent nothing for the PIN shows it by their absence.
	return pass("no empty entry reached the card as a VERIFY with data, and nothing it protects was used", queries...)
}

// CLIENT-02.
func judgeOneTryPerEntry(s Session) Verdict {
	steps := walk(s.Transcript)
	judged := false
	var counted []int
	for _, p := range jpki.PINs {
		es := entriesOf(s, p)
		var tries []step
		for _, st := range steps {
			if withData, ok := st.verifyOf(p); ok && withData {
				tries = append(tries, st)
			}
		}
		if len(es) == 0 && len(tries) == 0 {
			continue
		}
		judged = true
		// Walk the tries in order; each new entry time opens a budget of
		// the non-empty entries given then, which the tries after it
		// spend. An entry not used is not carried to the next.
		budget, gave, typed, next := 0, 0, 0, 0
		var since []step
		accepted := "" // the marker of the value the card accepted for the entry, "" none
		for _, t := range tries {
			for next < len(es) && es[next].At <= t.ev.At {
				at := es[next].At
				budget, gave, since, accepted = 0, 0, nil, ""
				for next < len(es) && es[next].At == at {
					if es[next].Given != Empty {
						budget++
					}
					gave++
					next++
				}
				typed = budget
			}
			// The value the card accepted for this entry, presented again
			// (a middleware's cached PIN before a signature), risks no try.
			if accepted != "" && t.ev.Secret.Value == accepted {
				continue
			}
			since = append(since, t)
			if t.sw == apdu.SWOK && budget > 0 {
				accepted = t.ev.Secret.Value
			}
			if budget == 0 {
				switch {
				case next == 0:
					return fail(fmt.Sprintf("a VERIFY of the %v with data before any entry was given for it", p), t.ev.Seq)
				case typed == 0:
					return fail(fmt.Sprintf("a VERIFY of the %v with data after an empty entry", p), t.ev.Seq)
				}
				return fail(fmt.Sprintf("%d VERIFYs of the %v with data for %d entries", len(since), p, gave), seqs(since)...)
			}
			budget--
			counted = append(counted, t.ev.Seq)
		}
	}
	if !judged {
		return na("no PIN entry given and no VERIFY with data")
	}
	return pass("at most one VERIFY with data per entry", counted...)
}

// CLIENT-03.
func judgeUpperCase(s Session) Verdict {
	steps := walk(s.Transcript)
	es := entriesOf(s, jpki.SigningPIN)
	judged := false
	var ok []int
	for i, e := range es {
		if e.Given != ConfiguredLowercase {
			continue
		}
		judged = true
		found := false
		for _, st := range window(steps, es, i) {
			withData, isV := st.verifyOf(jpki.SigningPIN)
			if !isV || !withData {
				continue
			}
			found = true
			switch st.ev.Secret.Value {
			case transcript.Other:
				return fail("the signing password reached the card as typed, in lower case: a wrong password, a try spent", st.ev.Seq)
			case transcript.Configured:
				ok = append(ok, st.ev.Seq)
			}
		}
		if !found {
			return fail("the lower-case signing password never reached the card: the client did not fold it to upper case")
		}
	}
	if !judged {
		return na("no lower-case signing password was given")
	}
	return pass("the lower-case entry reached the card as the configured, upper-case value", ok...)
}

var (
	// oneTryWords is how a program says one try is left: "1 try left",
	// "1 attempt remaining", "remaining tries: 1", "残り1回".
	oneTryWords = regexp.MustCompile(`(?i)\b1\s*(more\s+)?(try|tries|attempt|attempts|retry|retries)\b|\b(tries|attempts|retries)( left| remaining)?\s*[:=]?\s*1\b|(left|remaining)\s*[:=]?\s*1\b|残り\s*1\s*回|最後`)
	// lockedWords is how a program says a PIN is blocked.
	lockedWords = regexp.MustCompile(`(?i)lock|block|ロック|閉塞`)
	// zeroWords is how a program says no tries are left: "Tries left: 0",
	// "0 tries left", "no tries left".
	zeroWords = regexp.MustCompile(`(?i)\b(tries|attempts|retries)\s*(left|remaining)\s*[:=]?\s*0\b|\b(0|no)\s+(more\s+)?(tries|attempts|retries)\s+(left|remaining)`)
	// countWords is a count of tries left other than none: "4 tries left".
	countWords = regexp.MustCompile(`(?i)\b[1-9]\d*\s*(more\s+)?(try|tries|attempt|attempts|retry|retries)\b(\s*(left|remaining))?|(tries|attempts|retries)\s*(left|remaining)\s*[:=]?\s*[1-9]`)
	// digits is the count in a countWords match.
	digits = regexp.MustCompile(`[0-9]+`)
	// crashWords are the marks of a program that crashed rather than
	// failed: a Go panic, a Python traceback, a signal.
	crashWords = regexp.MustCompile(`(?m)^panic: |^goroutine \d+ \[|Traceback \(most recent call last\)|Segmentation fault|SIGSEGV|nil pointer dereference|core dumped`)
)

// CLIENT-04.
func judgeWarnsAtOne(s Session) Verdict {
	st, ok := inState(s, AuthOneTryLeft, SigningOneTryLeft)
	if !ok {
		return notIn(s)
	}
	p, _ := st.oneTryLeft()
	var touched, query []step
	firstTry := -1
	for _, x := range walk(s.Transcript) {
		withData, isV := x.verifyOf(p)
		if !isV {
			continue
		}
		touched = append(touched, x)
		if withData && firstTry < 0 {
			firstTry = x.ev.Seq
		}
		if !withData && x.sw == apdu.VerifyFailed(1) && firstTry < 0 {
			query = append(query, x)
		}
	}
	if len(touched) == 0 {
		return na(fmt.Sprintf("the client never sent a VERIFY of the %v", p))
	}
	if len(query) == 0 {
		return fail(fmt.Sprintf("the client presented the %v without first reading its retry counter (63C1)", p), seqs(touched)...)
	}
	if !oneTryWords.MatchString(s.Output) {
		return fail(fmt.Sprintf("the card said one try was left for the %v, and the output does not say so", p), seqs(query)...)
	}
	return pass(fmt.Sprintf("read the counter of the %v (63C1) and said one try was left", p), seqs(query)...)
}

// CLIENT-05.
func judgeStopsOn6984(s Session) Verdict {
	steps := walk(s.Transcript)
	for _, p := range jpki.PINs {
		first := -1
		for i, x := range steps {
			if _, isV := x.verifyOf(p); isV && x.sw == apdu.SWReferenceDataUnusable {
				first = i
				break
			}
		}
		if first < 0 {
			continue
		}
		at := steps[first].ev.Seq
		for _, x := range steps[first+1:] {
			if withData, isV := x.verifyOf(p); isV && withData {
				return fail(fmt.Sprintf("after 6984 the client presented the %v again", p), at, x.ev.Seq)
			}
			if x.protects(p) {
				return fail(fmt.Sprintf("after 6984 the client went on to use what the %v protects", p), at, x.ev.Seq)
			}
		}
		switch {
		case s.TimedOut:
			return fail(fmt.Sprintf("the %v was blocked (6984) and the program did not end: killed at the timeout", p), at)
		case s.ExitStatus == 0:
			return fail(fmt.Sprintf("the %v was blocked (6984) and the program exited 0", p), at)
		}
		if zeroWords.MatchString(s.Output) {
			// A listing of the PINs with the blocked one at 0 (pkcs15-tool
			// --list-pins): a count beside it must be one the card showed
			// for another PIN (63Cn of its counter query), not the blocked
			// one's misread.
			shown := map[int]bool{}
			for _, x := range steps {
				if q, ok := x.pinOf(); ok && q != p && x.sw.SW1() == 0x63 && x.sw.SW2()&0xF0 == 0xC0 {
					shown[int(x.sw.SW2()&0x0F)] = true
				}
			}
			for _, m := range countWords.FindAllString(s.Output, -1) {
				if n, err := strconv.Atoi(digits.FindString(m)); err == nil && !shown[n] {
					return fail(fmt.Sprintf("the %v was blocked (6984) and the output gives a count of tries left the card showed for no other PIN: %q", p, m), at)
				}
			}
			return pass(fmt.Sprintf("stopped at the 6984 of the %v and showed no tries left: %q", p, zeroWords.FindString(s.Output)), at)
		}
		if countWords.MatchString(s.Output) {
			return fail(fmt.Sprintf("the %v was blocked (6984) and the output gives a count of tries left: %q", p, countWords.FindString(s.Output)), at)
		}
		if !lockedWords.MatchString(s.Output) {
			return fail(fmt.Sprintf("the %v was blocked (6984) and the output does not say locked or blocked", p), at)
		}
		return pass(fmt.Sprintf("stopped at the 6984 of the %v and said it is locked", p), at)
	}
	return na("no VERIFY answered 6984")
}

// CLIENT-06.
func judgeReadsStop(s Session) Verdict {
	type efKey struct {
		app jpki.App
		fid uint16
	}
	end := map[efKey]int{}
	endSeq := map[efKey]int{}
	var reads []int
	for _, x := range walk(s.Transcript) {
		fid, off, ok := x.readEF()
		if !ok || !x.answered {
			continue
		}
		k := efKey{x.app, fid}
		if e, known := end[k]; known && off >= e {
			return fail(fmt.Sprintf("READ BINARY of EF %04X at offset %d, at or past the end the card showed at %d", fid, off, e), endSeq[k], x.ev.Seq)
		}
		reads = append(reads, x.ev.Seq)
		mark := func(e int) {
			if old, known := end[k]; !known || e < old {
				end[k], endSeq[k] = e, x.ev.Seq
			}
		}
		switch {
		case x.sw == apdu.SWWrongP1P2:
			mark(off)
		case x.sw == apdu.SWEndOfFileReached:
			mark(off + len(x.data))
		case x.sw == apdu.SWOK && x.ne() > 0 && len(x.data) < x.ne():
			mark(off + len(x.data))
		case x.sw.SW1() == 0x6C && x.sw.SW2() != 0:
			mark(off + int(x.sw.SW2())) // xx bytes are there (T=0)
		case x.sw.SW1() == 0x61 && x.sw.SW2() != 0 && int(x.sw.SW2()) < x.ne():
			mark(off + int(x.sw.SW2())) // fewer than Le held for GET RESPONSE (T=0)
		}
	}
	if len(reads) == 0 {
		return na("no READ BINARY")
	}
	// The evidence: the answers that showed an end, the client stopping at
	// each; without one, the last read.
	ends := slices.Sorted(maps.Values(endSeq))
	if len(ends) == 0 {
		ends = reads[len(reads)-1:]
	}
	return pass(fmt.Sprintf("%d READ BINARYs, none at or past an end the card had shown", len(reads)), ends...)
}

// CLIENT-07.
func judgeT0(s Session) Verdict {
	steps := walk(s.Transcript)
	var done []int
	for i, x := range steps {
		if !x.exchange() || !x.answered {
			continue
		}
		sw1, sw2 := x.sw.SW1(), x.sw.SW2()
		if sw1 != 0x61 && sw1 != 0x6C {
			continue
		}
		want := int(sw2)
		if want == 0 {
			want = apdu.MaxShortNe
		}
		if i+1 == len(steps) {
			return fail(fmt.Sprintf("%s was the card's last answer: the client never fetched or re-sent", x.sw), x.ev.Seq)
		}
		n := steps[i+1]
		if !n.exchange() {
			return fail(fmt.Sprintf("%s was followed by %s, not by the exchange it asks for", x.sw, n.ev.Kind), x.ev.Seq, n.ev.Seq)
		}
		if sw1 == 0x61 {
			if n.cmd.INS != 0xC0 || n.cmd.P1 != 0 || n.cmd.P2 != 0 || n.cmd.CLA&0xFC != 0 {
				return fail(fmt.Sprintf("%s was followed by another command, not GET RESPONSE", x.sw), x.ev.Seq, n.ev.Seq)
			}
			if n.ne() != want {
				return fail(fmt.Sprintf("%s was fetched with GET RESPONSE for %d bytes, not %d", x.sw, n.ne(), want), x.ev.Seq, n.ev.Seq)
			}
		} else {
			same := n.cmd.CLA == x.cmd.CLA && n.cmd.INS == x.cmd.INS && n.cmd.P1 == x.cmd.P1 && n.cmd.P2 == x.cmd.P2 && string(n.cmd.Data) == string(x.cmd.Data)
			if !same {
				return fail(fmt.Sprintf("%s was followed by another command, not the same one again", x.sw), x.ev.Seq, n.ev.Seq)
			}
			if n.ne() != want {
				return fail(fmt.Sprintf("%s was re-sent with Le for %d bytes, not %d", x.sw, n.ne(), want), x.ev.Seq, n.ev.Seq)
			}
		}
		done = append(done, x.ev.Seq, n.ev.Seq)
	}
	if len(done) == 0 {
		return na("no 61xx or 6Cxx answer")
	}
	return pass(fmt.Sprintf("%d answers 61xx or 6Cxx, each completed at once", len(done)/2), done...)
}

// digestInfo is the DigestInfo of RFC 8017 §9.2.
type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

// hashLen gives the digest length of the hash OIDs a DigestInfo may name.
var hashLen = map[string]int{
	"1.3.14.3.2.26":          20, // SHA-1
	"2.16.840.1.101.3.4.2.4": 28, // SHA-224
	"2.16.840.1.101.3.4.2.1": 32, // SHA-256
	"2.16.840.1.101.3.4.2.2": 48, // SHA-384
	"2.16.840.1.101.3.4.2.3": 64, // SHA-512
}

// checkDigestInfo says what is wrong with a P1 00 signature input, "" if
// nothing.
func checkDigestInfo(b []byte) string {
	var di digestInfo
	rest, err := asn1.Unmarshal(b, &di)
	switch {
	case err != nil:
		return fmt.Sprintf("the data (%d bytes) is not a DER DigestInfo", len(b))
	case len(rest) != 0:
		return fmt.Sprintf("%d bytes follow the DigestInfo", len(rest))
	}
	n, known := hashLen[di.Algorithm.Algorithm.String()]
	switch {
	case !known:
		return fmt.Sprintf("the DigestInfo names %s, not a hash algorithm", di.Algorithm.Algorithm)
	case len(di.Algorithm.Parameters.FullBytes) == 0:
		return "the DigestInfo's AlgorithmIdentifier has no parameters: the NULL is missing"
	case string(di.Algorithm.Parameters.FullBytes) != "\x05\x00":
		return "the DigestInfo's AlgorithmIdentifier parameters are not NULL"
	case len(di.Digest) != n:
		return fmt.Sprintf("the digest is %d bytes, not the %d of its algorithm", len(di.Digest), n)
	}
	return ""
}

// CLIENT-08.
func judgeDigestInfo(s Session) Verdict {
	var signed []int
	for _, x := range walk(s.Transcript) {
		if !x.signature() {
			continue
		}
		signed = append(signed, x.ev.Seq)
		switch x.cmd.P1 {
		case 0x00:
			if why := checkDigestInfo(x.cmd.Data); why != "" {
				return fail("COMPUTE DIGITAL SIGNATURE P1 00: "+why, x.ev.Seq)
			}
		case 0x02, 0x03: // the card builds the DigestInfo (docs/card.md §5.6)
		case 0x01:
			return fail("COMPUTE DIGITAL SIGNATURE P1 01 signs a bare SHA-256 hash: not sha256WithRSAEncryption", x.ev.Seq)
		case 0x04, 0x05:
			return fail("COMPUTE DIGITAL SIGNATURE P1 04/05 is RSASSA-PSS, not sha256WithRSAEncryption", x.ev.Seq)
		default:
			return fail(fmt.Sprintf("COMPUTE DIGITAL SIGNATURE with P1 %02X, which names no scheme of the card", x.cmd.P1), x.ev.Seq)
		}
	}
	if len(signed) == 0 {
		return na("no COMPUTE DIGITAL SIGNATURE")
	}
	return pass("every signature input is a DigestInfo with the NULL parameter", signed...)
}

// CLIENT-09.
func judgeSignatureVerifies(s Session) Verdict {
	var signed []int
	for _, x := range walk(s.Transcript) {
		if x.signature() {
			signed = append(signed, x.ev.Seq)
		}
	}
	judged := false
	for _, a := range s.Artefacts {
		if a.Kind != SignatureFile {
			continue
		}
		judged = true
		if len(a.Content) == 0 {
			return fail(fmt.Sprintf("the program wrote no signature to %s", a.Path), signed...)
		}
		cert, err := x509.ParseCertificate(a.Certificate)
		if err != nil {
			return fail(fmt.Sprintf("the certificate to verify %s with does not parse: %v", a.Path, err))
		}
		if err := cert.CheckSignature(x509.SHA256WithRSA, a.Message, a.Content); err != nil {
			return fail(fmt.Sprintf("the signature in %s does not verify as sha256WithRSAEncryption: %v", a.Path, err), signed...)
		}
	}
	if !judged {
		return na("the program produced no signature file")
	}
	return pass("the signature verifies with the certificate as sha256WithRSAEncryption", signed...)
}

// CLIENT-10.
func judgeRevocationChecked(s Session) Verdict {
	if _, ok := inState(s, Fresh, Revoked, OnHold); !ok {
		return notIn(s)
	}
	steps := walk(s.Transcript)
	firstSign := -1
	var kind jpki.Kind
	for i, x := range steps {
		if k, ok := x.signKey(); ok {
			firstSign, kind = i, k
			break
		}
	}
	checked := func(upto int, k jpki.Kind) (int, bool) {
		for _, x := range steps[:upto] {
			if ck, ok := x.revocationCheck(); ok && (k == 0 || ck == k) {
				return x.ev.Seq, true
			}
		}
		return 0, false
	}
	if firstSign >= 0 {
		if at, ok := checked(firstSign, kind); ok {
			return pass(fmt.Sprintf("asked about the %s certificate before signing with its key", kind), at, steps[firstSign].ev.Seq)
		}
		return fail(fmt.Sprintf("signed with the %s key without asking OCSP or fetching the CRL of its certificate first", kind), steps[firstSign].ev.Seq)
	}
	if s.ExitStatus != 0 {
		return na("the program signed nothing and did not succeed: it accepted no certificate")
	}
	var used jpki.Kind
	var reads []int
	for _, x := range steps {
		if k, ok := x.readsCert(); ok {
			if used == 0 {
				used = k
			}
			reads = append(reads, x.ev.Seq)
		}
	}
	if at, ok := checked(len(steps), used); ok {
		return pass("asked about the certificate before succeeding", at)
	}
	return fail("the program succeeded without asking OCSP or fetching a CRL", reads...)
}

// revocationUse judges CLIENT-11 and CLIENT-12: the program that used a
// certificate of status among bad must fail, and sign nothing with its key
// after it knew (learnt returns the index from which it did).
func refuses(s Session, bad []rules.Status, learnt func(steps []step, k jpki.Kind) int) Verdict {
	st, _ := StateByName(s.State)
	steps := walk(s.Transcript)
	var used []int
	for i, x := range steps {
		k, ok := x.uses()
		if !ok || !slices.Contains(bad, st.Certificates[k]) {
			continue
		}
		used = append(used, x.ev.Seq)
		if _, signs := x.signKey(); signs {
			if from := learnt(steps, k); from >= 0 && i > from {
				return fail(fmt.Sprintf("signed with the %s key after it could know its certificate is %s", k, st.Certificates[k]), steps[from].ev.Seq, x.ev.Seq)
			}
		}
	}
	if len(used) == 0 {
		return na("the program used no certificate in that status")
	}
	if s.ExitStatus == 0 {
		return fail("the program used such a certificate and exited 0", used...)
	}
	return pass(fmt.Sprintf("the program refused (exit status %d)", s.ExitStatus), used...)
}

// CLIENT-11.
func judgeRefusesRevoked(s Session) Verdict {
	if _, ok := inState(s, Revoked, OnHold); !ok {
		return notIn(s)
	}
	return refuses(s, []rules.Status{rules.Revoked, rules.Suspended}, func(steps []step, k jpki.Kind) int {
		for i, x := range steps {
			if ck, ok := x.revocationCheck(); ok && ck == k {
				return i
			}
		}
		return -1
	})
}

// CLIENT-12.
func judgeRefusesExpired(s Session) Verdict {
	if _, ok := inState(s, Expired); !ok {
		return notIn(s)
	}
	return refuses(s, []rules.Status{rules.Expired}, func(steps []step, k jpki.Kind) int {
		for i, x := range steps {
			if ck, ok := x.readsCert(); ok && ck == k && x.sw == apdu.SWOK {
				return i
			}
		}
		return -1
	})
}

// CLIENT-13.
func judgeSlowSignature(s Session) Verdict {
	if _, ok := inState(s, SlowSignature); !ok {
		return notIn(s)
	}
	steps := walk(s.Transcript)
	var signed []int
	brokeAfter := -1
	for _, x := range steps {
		switch {
		case x.signature():
			if !x.answered {
				return fail("a COMPUTE DIGITAL SIGNATURE got no answer: "+x.ev.Error, x.ev.Seq)
			}
			if brokeAfter >= 0 {
				return fail("the client reset the card after a signature and sent it again", brokeAfter, x.ev.Seq)
			}
			signed = append(signed, x.ev.Seq)
		case len(signed) > 0 && (x.powerEnds() || x.ev.Kind == transcript.Reconnect):
			brokeAfter = x.ev.Seq
		}
	}
	if len(signed) == 0 {
		return na("no COMPUTE DIGITAL SIGNATURE")
	}
	switch {
	case s.TimedOut:
		return fail("the program did not finish within its timeout", signed...)
	case s.ExitStatus != 0:
		return fail(fmt.Sprintf("the card answered every signature, and the program exited %d", s.ExitStatus), signed...)
	}
	return pass("waited for every signature and exited 0", signed...)
}

// idlePowerOff is the shortest gap between a client's last command and a
// power-off that CLIENT-14 takes for pcscd's own: pcsc-lite powers an
// unused card off after a grace period, seen at 0.5–0.8 s through vpcd;
// a client's SCARD_UNPOWER_CARD comes at its disconnect, right after its
// last command. A reset is always a client's (SCARD_RESET_CARD).
const idlePowerOff = 250 * time.Millisecond

// CLIENT-14.
func judgeNoPINLeftVerified(s Session) Verdict {
	steps := walk(s.Transcript)
	last := -1
	for i, x := range steps {
		if m, ok := x.verify(); ok && m.Value != transcript.Empty && x.sw == apdu.SWOK {
			last = i
		}
	}
	if last < 0 {
		return na("no VERIFY answered 9000: no PIN was verified")
	}
	p, _ := steps[last].pinOf()
	lastAt := steps[last].ev.At // the client's last command so far
	late := -1                  // pcscd's idle power-off, when it came first
	var lateGap transcript.Micros
	for i, x := range steps[last+1:] {
		switch {
		case x.ev.Kind == transcript.Reset:
			return pass(fmt.Sprintf("the %v verified, the session ended with reset", p), steps[last].ev.Seq, x.ev.Seq)
		case x.ev.Kind == transcript.PowerOff && x.ev.At-lastAt > transcript.MicrosOf(idlePowerOff):
			if late < 0 {
				late, lateGap = last+1+i, x.ev.At-lastAt
			}
		case x.ev.Kind == transcript.PowerOff:
			return pass(fmt.Sprintf("the %v verified, the session ended with power-off", p), steps[last].ev.Seq, x.ev.Seq)
		case x.ev.Kind == transcript.Exchange:
			lastAt = x.ev.At
		}
	}
	if late >= 0 {
		return fail(fmt.Sprintf("the %v was left verified until pcscd powered the unused card off, %v after the client's last command (a client's own power-off comes at its disconnect)",
			p, lateGap.Duration().Round(time.Millisecond)), steps[last].ev.Seq, steps[late].ev.Seq)
	}
	for _, x := range steps[last+1:] {
		if x.ev.Kind == transcript.Disconnect {
			return fail(fmt.Sprintf("the %v was left verified: the client disconnected leaving the card as it was (SCARD_LEAVE_CARD)", p), steps[last].ev.Seq, x.ev.Seq)
		}
	}
	return fail(fmt.Sprintf("the %v was left verified: no reset or power-off after it", p), steps[last].ev.Seq)
}

// CLIENT-15.
func judgeCounterQuery6A80(s Session) Verdict {
	if _, ok := inState(s, CounterQuery6A80); !ok {
		return notIn(s)
	}
	steps := walk(s.Transcript)
	// The first counter query of any PIN answered 6A80: OpenSC queries
	// both PINs while it binds, so the other PIN's answer can stop a
	// program given this one (docs/field-reports.md B12).
	q := -1
	for i, x := range steps {
		if p, ok := x.pinOf(); ok {
			if withData, _ := x.verifyOf(p); !withData && x.sw == apdu.SWWrongData {
				q = i
				break
			}
		}
	}
	if q < 0 {
		return na("no counter query answered 6A80")
	}
	for _, p := range jpki.PINs {
		if !slices.ContainsFunc(entriesOf(s, p), func(e Entry) bool { return e.Given == Configured }) {
			continue
		}
		for _, x := range steps[q+1:] {
			if withData, ok := x.verifyOf(p); ok && withData && x.ev.Secret.Value == transcript.Configured && x.sw == apdu.SWOK {
				if s.ExitStatus != 0 {
					return fail(fmt.Sprintf("the %v was verified after the 6A80, and the program exited %d", p, s.ExitStatus), steps[q].ev.Seq, x.ev.Seq)
				}
				return pass(fmt.Sprintf("went on after the 6A80 and verified the %v", p), steps[q].ev.Seq, x.ev.Seq)
			}
		}
		return fail(fmt.Sprintf("a counter query answered 6A80 and the client never presented the %v it was given", p), steps[q].ev.Seq)
	}
	if len(s.Entries) > 0 {
		return na("the harness gave no configured PIN to present after the 6A80")
	}
	// A program that needs no PIN (a key listing) goes on — reads the JPKI
	// application's EFs after the 6A80 — and succeeds. Exiting 0 having
	// read nothing is not going on: OpenSC's bind stops at the 6A80 and
	// pkcs11-tool --list-objects then lists nothing, with status 0.
	if s.ExitStatus != 0 || s.TimedOut {
		return fail(fmt.Sprintf("a counter query answered 6A80 and the program, given no PIN, exited %d", s.ExitStatus), steps[q].ev.Seq)
	}
	for _, x := range steps[q+1:] {
		if _, _, ok := x.readEF(); ok && x.hasApp && x.app == jpki.JPKI && x.sw == apdu.SWOK {
			return pass("went on after the 6A80, read the card and succeeded", steps[q].ev.Seq, x.ev.Seq)
		}
	}
	return fail("a counter query answered 6A80 and the program, given no PIN, read nothing of the JPKI application after it (exit status 0)", steps[q].ev.Seq)
}

// CLIENT-16.
func judgeNoSigningCert(s Session) Verdict {
	if _, ok := inState(s, Under15); !ok {
		return notIn(s)
	}
	for _, x := range walk(s.Transcript) {
		if k, ok := x.signKey(); ok && k == jpki.Signing {
			return fail("a signature with the signing key of a card that has none", x.ev.Seq)
		}
	}
	switch {
	case s.TimedOut:
		return fail("the program did not finish within its timeout")
	case s.ExitStatus < 0 || s.ExitStatus >= 128:
		return fail(fmt.Sprintf("the program ended by a signal (exit status %d)", s.ExitStatus))
	case crashWords.MatchString(s.Output):
		return fail(fmt.Sprintf("the program crashed: %q", crashWords.FindString(s.Output)))
	}
	return pass(fmt.Sprintf("signed nothing with the missing key and ended with status %d", s.ExitStatus))
}
