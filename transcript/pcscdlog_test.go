package transcript

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// The sample log is pcscd 1.9.9 with --debug --apdu, jpkisim serve (slot
// 0, the default profile: TEST-ONLY PINs) as the card, and jpkisim apdu,
// opensc-tool and pkcs15-tool as clients; serve-session-*.json are the
// transcripts serve --transcript wrote of the same sessions.

func TestFromPCSCDLogMatchesServesTranscripts(t *testing.T) {
	raw, err := os.ReadFile("testdata/pcscd-debug-apdu.log")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("APDU: 00 20 00 80 04 31 32 33 34")) {
		t.Fatal("the sample log lost its VERIFY of the test PIN: the masking below proves nothing")
	}
	tr, err := Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	var served []Event
	for _, f := range []string{"testdata/serve-session-1.json", "testdata/serve-session-2.json"} {
		s, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		served = append(served, s.Exchanges()...)
	}
	got := tr.Exchanges()
	if len(got) != len(served) || len(got) == 0 {
		t.Fatalf("%d exchanges imported, serve recorded %d", len(got), len(served))
	}
	for i := range got {
		if got[i].Command != served[i].Command || got[i].Response != served[i].Response {
			t.Fatalf("exchange %d: imported %s → %s, served %s → %s", i+1, got[i].Command, got[i].Response, served[i].Command, served[i].Response)
		}
		if (got[i].Secret == nil) != (served[i].Secret == nil) {
			t.Fatalf("exchange %d (%s): marker imported %v, served %v", i+1, got[i].Command, got[i].Secret, served[i].Secret)
		}
		if s := got[i].Secret; s != nil && (s.Reference != served[i].Secret.Reference || s.Length != served[i].Secret.Length || s.Value != Unknown && s.Value != Empty) {
			t.Errorf("exchange %d: marker imported %+v, served %+v", i+1, s, served[i].Secret)
		}
	}
	if tr.Reader != "Virtual PCD 00 00" || tr.Protocol != "T=1" || tr.Source != "pcscd log" || tr.ATR == "" {
		t.Errorf("imported %q %q %q ATR %q", tr.Reader, tr.Protocol, tr.Source, tr.ATR)
	}
	var buf bytes.Buffer
	if err := tr.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("31323334")) {
		t.Fatal("the imported transcript holds the PIN")
	}
	if _, err := Read(&buf); err != nil {
		t.Fatalf("the imported transcript does not read back: %v", err)
	}
	// times: from the log's deltas, in order
	for i := 1; i < len(tr.Events); i++ {
		if tr.Events[i].At < tr.Events[i-1].At {
			t.Fatalf("event %d before event %d", i+1, i)
		}
	}
	if last := tr.Events[len(tr.Events)-1].At.Duration(); last < time.Second {
		t.Errorf("the log spans %v: the deltas were not summed", last)
	}
}

func TestFromPCSCDLogRefuses(t *testing.T) {
	for name, log := range map[string]string{
		"no pcscd line": "hello\nworld\n",
		"no APDU":       "00000001 winscard.c:215:SCardEstablishContext() Establishing Context: 0x1\n",
		"two readers": "00000001 winscard.c:258:SCardConnect() Attempting Connect to A using protocol: 3\n00000001 winscard.c:456:SCardConnect() hCard Identity: 1\n" +
			"00000001 APDU: 00 A4 00 00\n00000001 SW: 6A 86\n" +
			"00000001 winscard.c:258:SCardConnect() Attempting Connect to B using protocol: 3\n00000001 winscard.c:456:SCardConnect() hCard Identity: 2\n",
		"bad hex": "00000001 APDU: 00 ZZ\n",
	} {
		if _, err := Import([]byte(log)); err == nil || !strings.Contains(err.Error(), "not a jpkisim transcript") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestRecorderKeepsTheApplicationAcrossAConnection: a PC/SC connection made
// or ended (SCARD_LEAVE_CARD) leaves the card's current EF as it was; the
// marker of a VERIFY after it still names the reference.
func TestRecorderKeepsTheApplicationAcrossAConnection(t *testing.T) {
	r := NewRecorder("test", Raw, secrets)
	now := time.Now()
	r.Exchange(h("00A4040C0AD392F000260100000001"), h("9000"), nil, now, 0)
	r.Exchange(h("00A4020C020018"), h("9000"), nil, now, 0)
	r.Event(Disconnect, nil)
	r.Event(Connect, h("3B00"))
	r.Exchange(h("0020008004 31323334"), h("9000"), nil, now, 0)
	ex := r.Transcript().Exchanges()
	if s := ex[2].Secret; s.PIN != "auth" || s.Value != Configured {
		t.Fatalf("marker after a reconnection: %+v", s)
	}
}
