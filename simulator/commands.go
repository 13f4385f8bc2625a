package simulator

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"

	"github.com/jpkisim/jpkisim/jpki"

	"github.com/jpkisim/jpkisim/apdu"
)

// selectFile is SELECT (00 A4), ISO/IEC 7816-4 §11.2.2; card.md §2, §5.1.
//
//	P1=04: by DF name, exact or prefix (JICSAP 4.2 (1)); P2 low bits 00 first
//	       occurrence, 02 next; P2 0C no data, 00 a minimal FCI (6F {84 AID}).
//	P1=02: EF by FID in the current DF; P2 0C no data, 00/04 a minimal FCP.
//	P1=00: 6A86 while the ISD is current (after reset); 9000 with the DF
//	       unchanged when an application is current.
func (c *Card) selectFile(cmd apdu.Command) ([]byte, error) {
	switch cmd.P1 {
	case 0x04:
		return c.selectByName(cmd)
	case 0x02:
		return c.selectEF(cmd)
	case 0x00:
		if c.app == jpki.ISD {
			return nil, apdu.SWIncorrectP1P2
		}
		return nil, nil
	}
	return nil, apdu.SWIncorrectP1P2
}

func (c *Card) selectByName(cmd apdu.Command) ([]byte, error) {
	occurrence, answer := cmd.P2&0x03, cmd.P2&0xFC
	if (occurrence != 0x00 && occurrence != 0x02) || (answer != 0x00 && answer != 0x0C) {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) == 0 || len(cmd.Data) > 16 {
		return nil, apdu.SWWrongLength
	}
	var found *Application
	passedCurrent := false
	for _, a := range c.state.Apps {
		if occurrence == 0x02 && !passedCurrent {
			passedCurrent = a == c.df
			continue
		}
		if bytes.HasPrefix(a.AID, cmd.Data) {
			found = a
			break
		}
	}
	if found == nil {
		return nil, apdu.SWFileNotFound
	}
	c.enter(found)
	if c.profile.Behaviour.SelectDFClearsSecurity {
		c.verified = c.verified[:0]
	}
	if answer == 0x0C {
		return nil, nil
	}
	fci := make([]byte, 0, 4+len(found.AID))
	fci = append(fci, 0x6F, byte(2+len(found.AID)), 0x84, byte(len(found.AID)))
	return append(fci, found.AID...), nil
}

func (c *Card) selectEF(cmd apdu.Command) ([]byte, error) {
	if cmd.P2 != 0x0C && cmd.P2 != 0x00 && cmd.P2 != 0x04 {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) != 2 {
		return nil, apdu.SWWrongLength
	}
	fid := uint16(cmd.Data[0])<<8 | uint16(cmd.Data[1])
	e := c.df.EF(fid)
	if e == nil {
		return nil, apdu.SWFileNotFound
	}
	if c.profile.Behaviour.SelectChecksReadAccess && e.Kind == Transparent && !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	c.ef = e
	if cmd.P2 == 0x0C {
		return nil, nil
	}
	return fcp(e), nil
}

// fcp is a minimal FCP template (ISO/IEC 7816-4 §7.4): size (transparent EFs
// only), file descriptor, FID.
func fcp(e *EF) []byte {
	inner := make([]byte, 0, 13)
	fd := byte(0x01) // working EF, transparent
	if e.Kind == Transparent {
		n := len(e.Data)
		inner = append(inner, 0x80, 0x02, byte(n>>8), byte(n))
	} else {
		fd = 0x09 // internal EF
	}
	inner = append(inner, 0x82, 0x01, fd, 0x83, 0x02, byte(e.FID>>8), byte(e.FID))
	return append([]byte{0x62, byte(len(inner))}, inner...)
}

// readBinary is READ BINARY (00 B0), ISO/IEC 7816-4 §11.3.3; card.md §5.2.
// P1 bit 8 clear: 15-bit offset P1P2 in the current EF. P1 = 80|SFI: the EF
// with that short identifier becomes current, offset P2. Returns min(Ne,
// bytes to the end) with 9000; an offset at or past the end gives 6B00. A
// key or PIN EF answers 6981, a transparent EF whose condition is not met
// (or can never be) 6982.
func (c *Card) readBinary(cmd apdu.Command) ([]byte, error) {
	var offset int
	if cmd.P1&0x80 != 0 {
		if cmd.P1&0x60 != 0 || cmd.P1&0x1F == 0 {
			return nil, apdu.SWIncorrectP1P2
		}
		e := c.df.EFBySFI(cmd.P1 & 0x1F)
		if e == nil {
			return nil, apdu.SWFileNotFound
		}
		c.ef = e
		offset = int(cmd.P2)
	} else {
		offset = int(cmd.P1P2())
	}
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	e := c.ef
	if e == nil {
		return nil, apdu.SWNoCurrentEF
	}
	if e.Kind != Transparent {
		return nil, apdu.SWIncompatibleFile
	}
	if !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	if offset >= len(e.Data) {
		if c.profile.Behaviour.ReadPastEndEmptyOK {
			return nil, nil
		}
		return nil, apdu.SWWrongP1P2
	}
	return e.Data[offset:], nil
}

// verify is VERIFY (00 20 00 P2), ISO/IEC 7816-4 §11.5.6; card.md §5.4, §6.
//
//	no data        the retry counter as 63Cx (63C0 when blocked); no try used.
//	blocked PIN    6984 (Behaviour.BlockedVerifySW).
//	too long       6700, counter unchanged (Behaviour.OverlongVerifyCounts).
//	otherwise      the counter is decremented and committed first; a match
//	               restores it to the maximum and answers 9000, a mismatch
//	               answers 63Cx with x tries left and clears the PIN's
//	               verified state.
func (c *Card) verify(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x00 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, PINObject)
	if err != nil {
		return nil, err
	}
	if cmd.Ne != 0 {
		return nil, apdu.SWWrongLength
	}
	p := e.PIN
	if len(cmd.Data) == 0 {
		if c.profile.Behaviour.EmptyVerifyOKWhenVerified && c.isVerified(p) {
			return nil, nil
		}
		return nil, verifyFailed(p.Remaining)
	}
	if p.Blocked() {
		if s := c.profile.Behaviour.BlockedVerifySW; s != 0 {
			return nil, apdu.StatusWord(s)
		}
		return nil, apdu.SWReferenceDataUnusable
	}
	if len(cmd.Data) > p.Format.MaxLen && !c.profile.Behaviour.OverlongVerifyCounts {
		return nil, apdu.SWWrongLength
	}
	p.Remaining--
	if err := c.commit(func() { p.Remaining++ }); err != nil {
		// Never compare with a decrement that is not durable; memory
		// stays what the store holds.
		return nil, err
	}
	if subtle.ConstantTimeCompare(cmd.Data, p.Value) == 1 {
		decremented := p.Remaining
		p.Remaining = p.MaxTries
		if err := c.commit(func() { p.Remaining = decremented }); err != nil {
			// The decremented counter is what is durable: a try is never
			// given back, and memory agrees with the EEPROM.
			return nil, err
		}
		c.setVerified(p, true)
		return nil, nil
	}
	c.setVerified(p, false)
	return nil, verifyFailed(p.Remaining)
}

// changeReferenceData is CHANGE REFERENCE DATA (00 24 01 P2), ISO/IEC 7816-4
// §11.5.7; card.md §5.5. P1=01: the data is the new value alone, allowed only
// while the PIN is verified (6982 otherwise, 6984 when blocked). A new value
// outside the PIN's format answers 6A80 and changes nothing.
func (c *Card) changeReferenceData(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x01 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, PINObject)
	if err != nil {
		return nil, err
	}
	if len(cmd.Data) == 0 || cmd.Ne != 0 {
		return nil, apdu.SWWrongLength
	}
	p := e.PIN
	if p.Blocked() {
		return nil, apdu.SWReferenceDataUnusable
	}
	if !c.isVerified(p) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	if p.Format.Check(cmd.Data) != nil {
		return nil, apdu.SWWrongData
	}
	oldValue, oldRemaining := p.Value, p.Remaining
	p.Value = clone(cmd.Data)
	p.Remaining = p.MaxTries
	return nil, c.commit(func() { p.Value, p.Remaining = oldValue, oldRemaining })
}

// getChallenge is GET CHALLENGE (00 84 00 00 Le): exactly Ne random bytes
// for a short Le; the extended form gives 6985 (card.md §5.8).
func (c *Card) getChallenge(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0 || cmd.P2 != 0 {
		return nil, apdu.SWIncorrectP1P2
	}
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	if cmd.Extended {
		return nil, apdu.SWConditionsNotSatisfied
	}
	out := make([]byte, cmd.Ne)
	_, _ = rand.Read(out)
	return out, nil
}

// Input limits of COMPUTE DIGITAL SIGNATURE for RSA-2048 (card.md §5.6).
const (
	maxPKCS1Input = 256 - 11 // k - 11
	maxHashInput  = 255
)

// computeSignature is COMPUTE DIGITAL SIGNATURE (80 2A P1 P2), card.md §5.6.
// P2 = 80 signs with the key of the current EF, 80|SFI names the key (97
// auth, 9A signing). P1 chooses the scheme:
//
//	00  PKCS#1 v1.5 over the data as given (a DigestInfo), 1..245 bytes
//	01  SHA-256 of the data, PKCS#1 v1.5 over the bare hash, 1..255 bytes
//	02  a SHA-256 hash, wrapped in DigestInfo, PKCS#1 v1.5, exactly 32 bytes
//	03  SHA-256 of the data, DigestInfo, PKCS#1 v1.5, 1..255 bytes
//	04  a SHA-256 hash, RSASSA-PSS with a random salt, exactly 32 bytes
//	05  SHA-256 of the data, RSASSA-PSS, 1..255 bytes
//
// Other P1 6A86; the key's PIN not verified since the last reset 6982; a bad
// input length 6700; no Le, or a short Le under 256, 6700 (the command is
// case 4). Answer: 256 bytes and 9000.
func (c *Card) computeSignature(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 > 0x05 {
		return nil, apdu.SWIncorrectP1P2
	}
	e, err := c.referencedEF(cmd.P2, KeyObject)
	if err != nil {
		return nil, err
	}
	if e.Key == nil {
		return nil, apdu.SWConditionsNotSatisfied
	}
	if !c.satisfied(e.Read) {
		return nil, apdu.SWSecurityNotSatisfied
	}
	n := len(cmd.Data)
	k := e.Key.Size()
	if cmd.Ne < k {
		return nil, apdu.SWWrongLength
	}
	var sig []byte
	switch cmd.P1 {
	case 0x00:
		if n < 1 || n > k-11 {
			return nil, apdu.SWWrongLength
		}
		sig, err = rsa.SignPKCS1v15(nil, e.Key, crypto.Hash(0), cmd.Data)
	case 0x01, 0x03, 0x05:
		if n < 1 || n > maxHashInput {
			return nil, apdu.SWWrongLength
		}
		h := sha256.Sum256(cmd.Data)
		sig, err = signHash(e.Key, cmd.P1, h[:])
	case 0x02, 0x04:
		if n != sha256.Size {
			return nil, apdu.SWWrongLength
		}
		sig, err = signHash(e.Key, cmd.P1, cmd.Data)
	}
	if err != nil {
		return nil, apdu.SWUnknown
	}
	if c.profile.Behaviour.SigningConsumesSecurity {
		if pe := c.df.EF(e.Read.PIN); pe != nil && pe.PIN != nil {
			c.setVerified(pe.PIN, false)
		}
	}
	return sig, nil
}

func signHash(key *rsa.PrivateKey, p1 byte, h []byte) ([]byte, error) {
	switch p1 {
	case 0x01:
		return rsa.SignPKCS1v15(nil, key, crypto.Hash(0), h)
	case 0x02, 0x03:
		return rsa.SignPKCS1v15(nil, key, crypto.SHA256, h)
	default: // 04, 05
		return rsa.SignPSS(rand.Reader, key, crypto.SHA256, h, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
}

// readRecord is READ RECORD (00 B2 rec P2), ISO/IEC 7816-4 §11.3.5. The
// JPKI application has no record-structured EF, so a transparent, key or
// PIN EF answers 6981 (card.md §2 for EF 001E); P2 = SFI<<3|4 names the EF.
func (c *Card) readRecord(cmd apdu.Command) ([]byte, error) {
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	e := c.ef
	if sfi := cmd.P2 >> 3; sfi != 0 {
		if e = c.df.EFBySFI(sfi); e == nil {
			return nil, apdu.SWFileNotFound
		}
		c.ef = e
	}
	if e == nil {
		return nil, apdu.SWNoCurrentEF
	}
	return nil, apdu.SWIncompatibleFile
}

// internalAuthenticate is INTERNAL AUTHENTICATE (00 88 00 80|SFI). On the
// card only the common-card application's key 0019 answers it; the JPKI
// keys are behind a PIN and answer 6982 (card.md §5.7).
func (c *Card) internalAuthenticate(cmd apdu.Command) ([]byte, error) {
	if cmd.P1 != 0x00 {
		return nil, apdu.SWIncorrectP1P2
	}
	if _, err := c.referencedEF(cmd.P2, KeyObject); err != nil {
		return nil, err
	}
	return nil, apdu.SWSecurityNotSatisfied
}

// getData is GET DATA (00 CA P1 P2 Le) at card level, card.md §2, §5.9.
// The card answers tag 5F51 with its contact ATR without TS (§3); every
// other object is absent here (6A88). The virtual card's marker (tag DF6A)
// is answered by the test-control layer before the OS (control.go).
func (c *Card) getData(cmd apdu.Command) ([]byte, error) {
	if len(cmd.Data) > 0 || cmd.Ne == 0 {
		return nil, apdu.SWWrongLength
	}
	if cmd.P1P2() == 0x5F51 {
		return c.profile.atr()[1:], nil
	}
	return nil, apdu.SWReferenceNotFound
}

// lastCommand is 80 FC 00 00, the iPhone token's last-command indicator
// (card.md §5.10): 9000 on a profile with LastCommandIndicator; a physical
// card answers 6700. It is answered from CLA and INS alone.
func (c *Card) lastCommand() error {
	if c.profile.LastCommandIndicator {
		return nil
	}
	return apdu.SWWrongLength
}
