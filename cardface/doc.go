// Package cardface encodes and decodes the files of the My Number card's
// applications beside JPKI — the card-face applications Kenhojo
// (券面事項入力補助AP) and Kenkaku (券面事項確認AP), the common card AP's
// record and the card-level GET DATA objects — and verifies their digests
// and signatures as a relying party does (docs/card.md §4.2–§4.4, §5.9,
// §6, §8).
//
// Build makes every file of a card from its holder (pki.Holder) and the
// TEST-ONLY keys; the Parse functions read them back; VerifyKenhojo and
// VerifyKenkaku check a card's files from its own CV certificate (EF 0004)
// up to the issuer's key. The byte layouts are those of docs/card.md §8;
// where the sources leave a value open (key IDs other than the issuers',
// opaque fields, the images), docs/card.md §8.4 says what jpkisim puts
// there. Everything it makes is TEST ONLY: the issuer key IDs are those of
// the JPKI test hierarchy (6000033, 6000023), the images are patterns made
// in code, and the holders are fictional.
//
// The package never generates keys (they are committed under
// fixtures/pki) and is pure: the same holder and keys give the same bytes,
// since RSA PKCS#1 v1.5 signatures are deterministic.
package cardface
