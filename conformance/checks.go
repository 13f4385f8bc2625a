package conformance

import (
	"regexp"
	"slices"
)

// The conformance profiles (docs/conformance.md, "Profiles"): the kinds of
// program a vendor certifies, each with the checks that apply to it.
const (
	// PKCS11Middleware is a PKCS#11 module or a minidriver and the tools
	// over it: PIN handling, the card's answers, signatures.
	PKCS11Middleware = "pkcs11-middleware"
	// RelyingParty is software that signs or logs in with the card and
	// stands behind the certificate: e-Tax software, a login server's
	// client.
	RelyingParty = "relying-party"
	// Kiosk is unattended software at a counter or a terminal: the PIN,
	// the card's answers, the certificate's status, and the next user.
	Kiosk = "kiosk"
)

// Profiles lists the conformance profiles.
var Profiles = []string{PKCS11Middleware, RelyingParty, Kiosk}

// Check is one entry of the catalogue (docs/conformance.md, "The checks").
type Check struct {
	// ID is stable and never reused: CLIENT-NN.
	ID string
	// Title names the check in a few words.
	Title string
	// Statement says what a well-behaved client does.
	Statement string
	// Why says what goes wrong otherwise, and where that was seen.
	Why string
	// Sources are what Why rests on: IDs of docs/rules.md or
	// docs/field-reports.md (rules.Lookup), or the short names of the
	// public sources of docs/conformance.md.
	Sources []string
	// States are the card states the program must be run in for the check
	// to be exercised (States). A judge that needs a state's condition
	// answers not applicable in other states; the others judge any session
	// whose transcript holds their evidence.
	States []string
	// Profiles are the conformance profiles the check belongs to.
	Profiles []string
	// Judged says in one line what the judge reads.
	Judged string
	// Words marks a weaker check: its verdict also rests on the program's
	// output (what it said), not on the transcript, the exit status and
	// the artefacts alone.
	Words bool
	// Judge judges one session.
	Judge func(Session) Verdict
}

// IDFormat is the form of a check's ID.
var IDFormat = regexp.MustCompile(`^CLIENT-\d{2}$`)

// Checks returns the catalogue, in ID order. The slice is a copy.
func Checks() []Check {
	out := make([]Check, len(catalogue))
	for i, c := range catalogue {
		c.Sources = slices.Clone(c.Sources)
		c.States = slices.Clone(c.States)
		c.Profiles = slices.Clone(c.Profiles)
		out[i] = c
	}
	return out
}

// Lookup finds a check by ID.
func Lookup(id string) (Check, bool) {
	for _, c := range Checks() {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// InProfile returns the checks of a conformance profile, in ID order; none
// for an unknown profile.
func InProfile(profile string) []Check {
	var out []Check
	for _, c := range Checks() {
		if slices.Contains(c.Profiles, profile) {
			out = append(out, c)
		}
	}
	return out
}

var (
	all   = []string{PKCS11Middleware, RelyingParty, Kiosk}
	mwKsk = []string{PKCS11Middleware, Kiosk}
)

var catalogue = []Check{
	{
		ID:    "CLIENT-01",
		Title: "an empty entry never becomes a VERIFY",
		Statement: "When the user types nothing for a PIN, the client refuses the entry itself: the card sees no VERIFY of that PIN " +
			"with data (a padded, cached or default value) and nothing the PIN protects is used until the next entry.",
		Why: "The empty VERIFY 00 20 00 80 is the retry-counter query: a client that sends an empty entry as it is gets the counter " +
			"(63Cx), or 9000 on a card that answers so after a correct VERIFY, and may take either for a login; a client that pads " +
			"or invents a value spends a try. OpenSC refuses an empty PIN since 2023 for this reason.",
		Sources:  []string{"RETRY-06", "RETRY-07", "OpenSC empty PIN"},
		States:   []string{Fresh},
		Profiles: all,
		Judged:   "from each empty entry to the next entry of that PIN: no VERIFY of it with data, no signature attempted with its key, no read of the certificate it opens that the card answered",
		Judge:    judgeEmptyEntry,
	},
	{
		ID:    "CLIENT-02",
		Title: "at most one try per entry",
		Statement: "The client presents each PIN entry to the card once: no VERIFY with data of a PIN before the user gave it, " +
			"and at most one after each entry.",
		Why: "The auth PIN locks after 3 wrong entries and the signing password after 5: a client that presents an entry twice " +
			"(a retry, a second login from a cached PIN) spends two tries of a mistyped one. Browsers that asked for a PIN twice " +
			"were one symptom of a PIN-protected certificate read.",
		Sources:  []string{"RETRY-01", "RETRY-02", "B5"},
		States:   []string{Fresh, AuthOneTryLeft, SigningOneTryLeft},
		Profiles: all,
		Judged:   "VERIFYs with data of each PIN, counted against the entries given for it, entry by entry (Entry.At); the value the card accepted for an entry, presented again, is not counted",
		Judge:    judgeOneTryPerEntry,
	},
	{
		ID:        "CLIENT-03",
		Title:     "the signing password is upper-cased",
		Statement: "Given the signing password in lower case, the client folds it to upper case before the VERIFY: the card sees the configured value.",
		Why: "The password is registered in upper case and the chip compares bytes: a lower-case entry sent as typed is a wrong " +
			"password and costs a try. jpki/myna upper-cases every entry; other clients do not.",
		Sources:  []string{"PIN-01", "PIN-03", "jpki/myna"},
		States:   []string{Fresh},
		Profiles: all,
		Judged:   "the PIN marker of the signing-password VERIFY after a lower-case entry: configured passes, other fails",
		Judge:    judgeUpperCase,
	},
	{
		ID:    "CLIENT-04",
		Title: "tries left shown, a warning at one",
		Statement: "The client reads the retry counter before presenting a PIN and tells the user how many tries are left, " +
			"warning when only one is.",
		Why: "A user who is not told types a last wrong entry and locks the PIN; unlocking the signing password takes a kiosk or " +
			"the municipal counter.",
		Sources:  []string{"RETRY-06", "UNLOCK-01", "UNLOCK-02"},
		States:   []string{AuthOneTryLeft, SigningOneTryLeft},
		Profiles: mwKsk,
		Judged:   "an empty VERIFY answered 63C1 before the first VERIFY with data (transcript), and the output saying one try is left (words)",
		Words:    true,
		Judge:    judgeWarnsAtOne,
	},
	{
		ID:    "CLIENT-05",
		Title: "stops on 6984 and says locked",
		Statement: "After a VERIFY answered 6984 the client presents that PIN no more, uses nothing it protects, exits with a failure " +
			"and says the PIN is locked — not that tries are left.",
		Why: "OpenSC's JPKI driver derives tries left from SW2 of any answer, so 6984 reads as \"4 tries left\"; jpki/myna ignored " +
			"6984 and went on reading the signing certificate; pyjpki raised a generic error. Each leaves the user guessing.",
		Sources:  []string{"RETRY-05", "RETRY-06", "OpenSC card-jpki.c", "jpki/myna", "pyjpki"},
		States:   []string{SigningLocked, AuthLocked},
		Profiles: all,
		Judged:   "after the first 6984: no VERIFY with data of that PIN, no use of its key or certificate (transcript), a non-zero exit, the output saying no tries are left with no count beside it but one the card showed for another PIN, or locked or blocked and no count (words)",
		Words:    true,
		Judge:    judgeStopsOn6984,
	},
	{
		ID:    "CLIENT-06",
		Title: "reads stop at the end of the EF",
		Statement: "The client reads certificates with READ BINARY in chunks and stops at the end: it reads no EF again at or past " +
			"an offset where the card said the EF ended (6B00, 6282, or fewer bytes than Le).",
		Why: "A client that reads on after the end, or in fixed blocks up to a boundary the EF may not reach, depends on one card's " +
			"file size; the card answers a read past the end with 6B00 and a last chunk with what is left.",
		Sources:  []string{"CERT-08", "myna-card"},
		States:   []string{Fresh, T0, Under15},
		Profiles: mwKsk,
		Judged:   "every READ BINARY's EF and offset, against the end each earlier answer of that EF showed",
		Judge:    judgeReadsStop,
	},
	{
		ID:    "CLIENT-07",
		Title: "61xx and 6Cxx are completed",
		Statement: "On a T=0 card the client answers 61xx with GET RESPONSE (00 C0 00 00 Le = xx) and 6Cxx with the same command " +
			"again with Le = xx, before anything else.",
		Why: "OpenSC's pkcs11-tool took 61 00 after a signature for the end, wrote 256 zero bytes as the signature and exited 0; " +
			"most JPKI clients take any answer but 9000 for a failure.",
		Sources:  []string{"ISO/IEC 7816-4", "OpenSC"},
		States:   []string{T0},
		Profiles: mwKsk,
		Judged:   "the exchange after every 61xx or 6Cxx answer",
		Judge:    judgeT0,
	},
	{
		ID:    "CLIENT-08",
		Title: "a DigestInfo with the NULL parameter",
		Statement: "With COMPUTE DIGITAL SIGNATURE P1 00 the client sends a DER DigestInfo whose AlgorithmIdentifier has NULL " +
			"parameters and a digest of the algorithm's length (or lets the card build it, P1 02 or 03).",
		Why: "The card pads what it is given; a DigestInfo without the NULL parameter (pyjpki) or a bare hash gives a signature " +
			"that standard PKCS#1 v1.5 verification refuses, though the card answered 9000.",
		Sources:  []string{"B8", "CERT-07", "RFC 8017", "pyjpki"},
		States:   []string{Fresh},
		Profiles: []string{PKCS11Middleware, RelyingParty},
		Judged:   "the data field of every COMPUTE DIGITAL SIGNATURE, parsed as a DigestInfo",
		Judge:    judgeDigestInfo,
	},
	{
		ID:        "CLIENT-09",
		Title:     "the signature verifies",
		Statement: "The signature the client writes verifies with the signing certificate as sha256WithRSAEncryption over the message it was given.",
		Why: "Only verifying the signature catches a wrong DigestInfo, a bare hash, or a signature the client never fetched " +
			"(zero bytes after an unanswered 61 00): the card's 9000 does not.",
		Sources:  []string{"B8", "CERT-07", "RFC 8017"},
		States:   []string{Fresh, T0, SlowSignature},
		Profiles: []string{PKCS11Middleware, RelyingParty},
		Judged:   "the signature file, verified with the certificate named in the artefact",
		Judge:    judgeSignatureVerifies,
	},
	{
		ID:    "CLIENT-10",
		Title: "revocation checked before use",
		Statement: "Before it signs with a certificate's key, or succeeds without signing, the client asks the OCSP responder " +
			"about the certificate or fetches its CRL.",
		Why: "A change of address revokes the signing certificate and a loss report puts both on hold; the card does not know, " +
			"only the CA's OCSP responder and CRL do.",
		Sources:  []string{"RP-03", "REVOKE-01", "HOLD-01"},
		States:   []string{Fresh, Revoked, OnHold},
		Profiles: []string{RelyingParty, Kiosk},
		Judged:   "an HTTP event of the test PKI (OCSP or CRL of the certificate's CA) answered 2xx before the first signature with the key, or anywhere in a run that exits 0",
		Judge:    judgeRevocationChecked,
	},
	{
		ID:        "CLIENT-11",
		Title:     "a revoked or held certificate refused",
		Statement: "Given a card whose certificate is revoked or on hold, the client that uses the certificate fails (exit status not 0) and signs nothing with its key after learning its status.",
		Why: "A signature under a revoked certificate is worthless to the receiver; a held certificate belongs to a card " +
			"reported lost.",
		Sources:  []string{"REVOKE-01", "HOLD-01", "RP-03"},
		States:   []string{Revoked, OnHold},
		Profiles: []string{RelyingParty, Kiosk},
		Judged:   "the exit status, and no signature with the key after the revocation check of its certificate",
		Judge:    judgeRefusesRevoked,
	},
	{
		ID:        "CLIENT-12",
		Title:     "an expired certificate refused",
		Statement: "Given expired certificates, the client that uses one fails (exit status not 0) and signs nothing with a key whose certificate it read.",
		Why: "An expired certificate is dead for signing and login; clients seen against the virtual card signed with one and " +
			"left the refusal to the receiver.",
		Sources:  []string{"VALID-01", "VALID-07", "RFC 5280"},
		States:   []string{Expired},
		Profiles: []string{RelyingParty, Kiosk},
		Judged:   "the exit status, and no signature with a key after a read of its certificate",
		Judge:    judgeRefusesExpired,
	},
	{
		ID:    "CLIENT-13",
		Title: "a 2-second signature is waited for",
		Statement: "With a card that takes about 2 s per signature, the client waits for the answer: every COMPUTE DIGITAL " +
			"SIGNATURE gets its R-APDU, none is sent again after a reset, and the program exits 0 within its timeout.",
		Why: "An NFC link relayed with a 500 ms timeout lost every RSA signature (\"Tag was lost\"); 2 s was not enough for that " +
			"card either.",
		Sources:  []string{"B13"},
		States:   []string{SlowSignature},
		Profiles: mwKsk,
		Judged:   "the signature exchanges and the events between them, the timeout and the exit status",
		Judge:    judgeSlowSignature,
	},
	{
		ID:    "CLIENT-14",
		Title: "no PIN left verified",
		Statement: "A client that verified a PIN ends its session with a reset or a power-off of the card (SCardDisconnect " +
			"with SCARD_RESET_CARD or SCARD_UNPOWER_CARD), so that the next program finds no PIN verified.",
		Why: "The card keeps a PIN verified until reset; a client that disconnects with SCARD_LEAVE_CARD leaves it so for the " +
			"next program on the reader, which can then sign without the PIN (pcsc-lite powers an unused card off only after a " +
			"grace period).",
		Sources:  []string{"B5", "pcsc-lite"},
		States:   []string{Fresh, T0},
		Profiles: all,
		Judged:   "a reset, or a power-off at most 250 ms after the client's last command (later, it is pcscd's idle power-off), after the last VERIFY answered 9000",
		Judge:    judgeNoPINLeftVerified,
	},
	{
		ID:    "CLIENT-15",
		Title: "a 6A80 counter query is not fatal",
		Statement: "When the card answers the retry-counter query with 6A80, the client takes the count as unknown and goes on: " +
			"given the configured PIN it presents it, and the program succeeds.",
		Why: "Tokens that answer the empty VERIFY with 6A80 broke PIN-status code; OpenSC queries both PINs while binding, so one " +
			"such answer aborts the whole bind.",
		Sources:  []string{"B12", "RETRY-06"},
		States:   []string{CounterQuery6A80},
		Profiles: mwKsk,
		Judged:   "after the first counter query of either PIN answered 6A80, a VERIFY with the configured value of the PIN given, answered 9000, and exit status 0; for a program given no PIN, a READ BINARY of the JPKI application answered 9000 after it, and exit status 0",
		Judge:    judgeCounterQuery6A80,
	},
	{
		ID:    "CLIENT-16",
		Title: "a card without a signing certificate handled",
		Statement: "On a child's card, which has no signing certificate, the client signs nothing with the signing key and ends " +
			"without crashing (an exit status below 128, no panic or traceback).",
		Why: "A client that takes EF 0001's filler for a certificate, or does not expect it missing, crashes; jpki/myna was seen " +
			"ending in a nil-pointer panic.",
		Sources:  []string{"AGE-01", "AGE-04", "jpki/myna"},
		States:   []string{Under15},
		Profiles: mwKsk,
		Judged:   "no signature with EF 001A (transcript), the exit status, and no crash in the output (words)",
		Words:    true,
		Judge:    judgeNoSigningCert,
	},
}
