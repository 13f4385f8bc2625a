package transcript

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jpkisim/jpkisim/jpki"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

var conf = map[jpki.PIN][]byte{jpki.AuthPIN: []byte("1234"), jpki.SigningPIN: []byte("ABC123")}

func secrets(p jpki.PIN) []byte { return conf[p] }

// session records a JPKI session: the auth PIN verified right, the signing
// password wrong by SFI, the counter query, a T=0 GET RESPONSE.
func session() *Recorder {
	r := NewRecorder("test", Raw, secrets)
	now := time.Now()
	r.Event(PowerOn, h("3B8C80018031C1"))
	r.Exchange(h("00A4040C0AD392F000260100000001"), h("9000"), nil, now, time.Millisecond)
	r.Exchange(h("00A4020C020018"), h("9000"), nil, now, time.Millisecond)
	r.Exchange(h("0020008004 31323334"), h("9000"), nil, now, time.Millisecond)
	r.Exchange(h("002000 9B 06 414243313234"), h("63C4"), nil, now, time.Millisecond)
	r.Exchange(h("00200080"), h("63C3"), nil, now, time.Millisecond)
	r.Exchange(h("00B0000000"), h("6110"), nil, now, time.Millisecond)
	r.Exchange(h("00C0000010"), h("000102030405060708090A0B0C0D0E0F9000"), nil, now, time.Millisecond)
	return r
}

func TestRecorderMarksPINsWithoutKeepingThem(t *testing.T) {
	tr := session().Transcript()
	var buf bytes.Buffer
	if err := tr.Write(&buf); err != nil {
		t.Fatal(err)
	}
	for _, v := range [][]byte{[]byte("1234"), []byte("ABC123"), h("31323334"), h("414243313234")} {
		if bytes.Contains(bytes.ToUpper(buf.Bytes()), bytes.ToUpper([]byte(hex.EncodeToString(v)))) || bytes.Contains(buf.Bytes(), v) {
			t.Fatalf("the transcript holds a PIN value %q:\n%s", v, buf.String())
		}
	}
	ex := tr.Exchanges()
	want := []struct {
		i          int
		pin, value string
	}{{2, "auth", Configured}, {3, "signing", Other}, {4, "auth", Empty}}
	for _, w := range want {
		s := ex[w.i].Secret
		if s == nil || s.PIN != w.pin || s.Value != w.value {
			t.Errorf("exchange %d (%s): marker %+v, want %s %s", w.i, ex[w.i].Command, s, w.pin, w.value)
		}
	}
	if ex[2].Command != "0020008004XXXXXXXX" || ex[2].Secret.Length != 4 || !strings.Contains(ex[2].Secret.Reference, "EF 0018") {
		t.Errorf("VERIFY recorded as %s %+v", ex[2].Command, ex[2].Secret)
	}
	if ex[5].SW() != "6110" || !strings.HasPrefix(ex[6].Command, "00C0") {
		t.Errorf("the T=0 exchanges are not each their own: %v", ex[5:])
	}
	if tr.ATR != "3B8C80018031C1" || tr.Events[0].Kind != PowerOn {
		t.Errorf("power-on not recorded: %+v", tr.Events[0])
	}
}

func TestRecorderForgetsTheApplicationOnReset(t *testing.T) {
	r := session()
	r.Event(Reset, h("3B00"))
	r.Exchange(h("0020008004 31323334"), h("6986"), nil, time.Now(), 0)
	ex := r.Transcript().Exchanges()
	if s := ex[len(ex)-1].Secret; s.Reference != "unknown" || s.Value != Unknown {
		t.Errorf("after a reset the VERIFY is still taken for a reference: %+v", s)
	}
}

func TestReadRoundTripAndRefusals(t *testing.T) {
	tr := session().Transcript()
	var buf bytes.Buffer
	if err := tr.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Events) != len(tr.Events) || back.Events[3].Command != tr.Events[3].Command || *back.Events[3].Secret != *tr.Events[3].Secret {
		t.Fatalf("round trip changed the transcript")
	}
	good := buf.String()
	for name, bad := range map[string]string{
		"unmasked PIN": strings.Replace(good, "0020008004XXXXXXXX", "002000800431323334", 1),
		"newer":        strings.Replace(good, `"version": 1`, `"version": 2`, 1),
		"other format": strings.Replace(good, FormatName, "pcap", 1),
		"unknown kind": strings.Replace(good, `"kind": "power-on"`, `"kind": "teleport"`, 1),
		"field":        strings.Replace(good, `"source"`, `"sauce"`, 1),
		"not hex":      strings.Replace(good, "00B0000000", "00B00000ZZ", 1),
	} {
		if bad == good {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if _, err := Read(strings.NewReader(bad)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: Read = %v, want ErrFormat", name, err)
		}
	}
}

// TestWriteFileReplacesWhole: WriteFile leaves a complete document under
// the name and no temporary file; a truncated document is refused by Read.
func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/s.json"
	tr := session().Transcript()
	if err := WriteFile(path, tr); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil || len(got.Events) != len(tr.Events) {
		t.Fatalf("read back %d events, %v", len(got.Events), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
	var buf bytes.Buffer
	tr.Write(&buf)
	if _, err := Read(bytes.NewReader(buf.Bytes()[:buf.Len()/2])); !errors.Is(err, ErrFormat) {
		t.Errorf("half a transcript read: %v", err)
	}
}
