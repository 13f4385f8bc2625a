package transcript

// Import reads a transcript file or, when b is not a JSON document, a
// pcscd --debug --apdu log (FromPCSCDLog).
func Import(b []byte) (Transcript, error) {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return Read(bytesReader(b))
		}
		break
	}
	return FromPCSCDLog(bytesReader(b))
}
