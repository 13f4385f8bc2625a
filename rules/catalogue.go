package rules

// The rule catalogue: every rule's ID, its statement and its public sources,
// as docs/rules.md states them (§1–§11: the rule and sources columns of each
// table, without Markdown emphasis), and the field reports of
// docs/field-reports.md. This table is the one home of the statements in
// code; docs/catalogue_test.go checks that docs/rules.md and
// docs/field-reports.md define the same IDs with the same words.

// Rule is one entry of a catalogue. The field names are those of
// report.Rule, which a report's coverage matrix is drawn against.
type Rule struct {
	// ID is stable and never reused: PREFIX-NN for a rule (RETRY-06), Bn
	// for a field report (B12). A scenario is tagged with it (@RETRY-06).
	ID string `json:"id"`
	// Statement is the rule in one paragraph, or what went wrong in the
	// field.
	Statement string `json:"statement"`
	// Source names the public pages the rule is taken from: the short names
	// of docs/rules.md's table of pages ("Inagi", "J-LIS FAQ"), addresses,
	// files of the open-source clients; for a field report, the address of
	// the report.
	Source string `json:"source"`
	// Firm says how firm the rule is, in docs/rules.md's labels ("official",
	// "impl", "obs", "UNCERTAIN", …); "field report" for a field report.
	Firm string `json:"firm"`
	// Section is the section of docs/rules.md (or docs/field-reports.md)
	// that states it, for example "3.1".
	Section string `json:"section"`
}

// Catalogue returns every rule of docs/rules.md, in the order the page
// states them. The slice is a copy.
func Catalogue() []Rule { return append([]Rule(nil), catalogue...) }

// FieldReports returns the field reports of docs/field-reports.md, in the
// page's order. The slice is a copy.
func FieldReports() []Rule { return append([]Rule(nil), fieldReports...) }

// Lookup finds a rule or a field report by ID ("RETRY-06", "B12").
func Lookup(id string) (Rule, bool) {
	for _, r := range catalogue {
		if r.ID == id {
			return r, true
		}
	}
	for _, r := range fieldReports {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// IDs lists every rule of the catalogue by its ID, in the catalogue's
// order. Every one is the tag of at least one acceptance scenario
// (scenarios' TestCatalogueTags checks it).
var IDs = func() []string {
	ids := make([]string, len(catalogue))
	for i, r := range catalogue {
		ids[i] = r.ID
	}
	return ids
}()

var catalogue = []Rule{
	{ID: "CERT-01", Section: "1", Firm: "official",
		Statement: "The signing certificate (署名用電子証明書) shows that the holder made and sent an electronic document, as a registered seal and its certificate do on paper. The user-authentication certificate (利用者証明用電子証明書) shows that the person logging in is the holder.",
		Source:    "Inagi; https://www.kojinbango-card.go.jp/jpki/; Suginami (the seal analogy)"},
	{ID: "CERT-02", Section: "1", Firm: "official",
		Statement: "Typical uses. Signing: e-Tax, online applications with attached documents, opening bank or brokerage accounts, housing loans. Auth: Mynaportal login, certificates at convenience-store kiosks (コンビニ交付), the health-insurance card (マイナ保険証), online-banking login.",
		Source:    "Inagi"},
	{ID: "CERT-03", Section: "1", Firm: "official",
		Statement: "The signing certificate holds the basic 4 information (name, address, date of birth, sex), its serial and validity; the auth certificate only its serial and validity.",
		Source:    "Inagi; Inagi (pt)"},
	{ID: "CERT-04", Section: "1", Firm: "official",
		Statement: "A change of name or address revokes the signing certificate only, not the auth certificate (REVOKE-01, REVOKE-05).",
		Source:    "Inagi"},
	{ID: "PIN-01", Section: "2", Firm: "official",
		Statement: "The signing password (署名用パスワード) is 6 to 16 characters, upper-case A–Z and digits 0–9 only.",
		Source:    "Natori; Miyazaki https://www.city.miyazaki.miyazaki.jp/faq/doc/2372.html; Oguchi https://www.town.oguchi.lg.jp/7742.htm"},
	{ID: "PIN-02", Section: "2", Firm: "official, vendor",
		Statement: "It must hold at least one letter and at least one digit (a city's example: \"A12345B\").",
		Source:    "Natori; Miyazaki; Susono https://www.city.susono.shizuoka.jp/soshiki/2/2/5/3/14689.html; PocketSign"},
	{ID: "PIN-03", Section: "2", Firm: "impl",
		Statement: "The chip compares bytes and the password is registered in upper case, so a lower-case entry is a wrong password and costs a try unless the client folds case. jpki/myna upper-cases every signing password before VERIFY; myna-card deliberately does not.",
		Source:    "jpki/myna (src/cli.rs, src/jpki.rs); myna-card (src/pin.rs)"},
	{ID: "PIN-04", Section: "2", Firm: "impl; UNCERTAIN",
		Statement: "Client checks differ: jpki/myna checks length and characters only, not the letter-and-digit mix. Whether the chip enforces the mix on CHANGE REFERENCE DATA is unknown; the mix is documented as a registration rule. jpkisim's card checks length and characters; its office (issuance) also checks the mix.",
		Source:    "jpki/myna (src/utils.rs)"},
	{ID: "PIN-05", Section: "2", Firm: "impl",
		Statement: "OpenSC declares lengths 6–16 for the signing password and 4–4 for the auth PIN; VERIFY data is 1–16 bytes (JICSAP, as myna-card cites it).",
		Source:    "OpenSC src/libopensc/pkcs15-jpki.c; myna-card (src/pin.rs)"},
	{ID: "PIN-06", Section: "2", Firm: "official",
		Statement: "The auth PIN (利用者証明用暗証番号) is exactly 4 digits.",
		Source:    "the PIN-01 sources"},
	{ID: "PIN-07", Section: "2", Firm: "official",
		Statement: "Outside JPKI the card holds two more 4-digit PINs, for 住民基本台帳 (Juki) and 券面事項入力補助 (Kenhojo); the three 4-digit PINs may share one value.",
		Source:    "Yokohama https://translate-en.city.yokohama.lg.jp/kurashi/koseki-zei-hoken/todokede/koseki-juminhyo/mynumber/ansyoubangou.html; Natori"},
	{ID: "RETRY-01", Section: "3.1", Firm: "official",
		Statement: "The signing password locks after 5 wrong entries in a row.",
		Source:    "Fukuoka; J-LIS FAQ (trouble)"},
	{ID: "RETRY-02", Section: "3.1", Firm: "official, vendor",
		Statement: "The auth PIN locks after 3, and so do the Kenhojo PIN and the Juki PIN.",
		Source:    "Fukuoka; J-LIS FAQ (trouble); IAM"},
	{ID: "RETRY-03", Section: "3.1", Firm: "official, vendor",
		Statement: "A correct entry puts the counter back to its maximum; time never does (no reset overnight). Two wrong then one right: the next use starts from the full count. Two wrong and then nothing: the next wrong entry is the third.",
		Source:    "IAM; Kaminoyama https://www.city.kaminoyama.yamagata.jp/soshiki/6/mnc-ri.html; PocketSign"},
	{ID: "RETRY-04", Section: "3.1", Firm: "vendor",
		Statement: "The counter is on the chip: wrong entries through any application count, and the count survives between uses.",
		Source:    "IAM"},
	{ID: "RETRY-05", Section: "3.1", Firm: "official",
		Statement: "A locked PIN leaves its certificate unusable until it is unlocked (UNLOCK-*).",
		Source:    "J-LIS FAQ; Fukuoka"},
	{ID: "RETRY-06", Section: "3.1", Firm: "impl, obs; one survey, UNCERTAIN as universal (6984 above all)",
		Statement: "On the card, a wrong VERIFY answers 63Cx (x tries left). myna-card reports 63C0 on the try that uses the last one and 6984 on every later one, and an empty VERIFY that reports the count without spending a try.",
		Source:    "myna-card (README, retry counters)"},
	{ID: "RETRY-07", Section: "3.1", Firm: "obs (myna-card says some cards answer 9000: card.md §5.4, Q1)",
		Statement: "The empty VERIFY 00 20 00 80 answers 63Cx even right after a correct VERIFY: the card never says \"already verified\" with 9000.",
		Source:    "OpenSC's JPKI driver author, https://github.com/OpenSC/OpenSC/pull/959"},
	{ID: "UNLOCK-01", Section: "3.2", Firm: "official",
		Statement: "At the counter of the municipality where the holder is registered, with photo ID: the PIN is initialised and set again.",
		Source:    "J-LIS FAQ; Fukuoka"},
	{ID: "UNLOCK-02", Section: "3.2", Firm: "official",
		Statement: "At a convenience-store kiosk, after a reservation in the app \"JPKI暗証番号リセット\" (with a face check): the signing password is reset by proving the auth PIN, and the auth PIN by proving the signing password. Forgetting both leaves only the counter. Either PIN may be locked.",
		Source:    "Koka https://www.city.koka.lg.jp/item/39180.htm; Naka https://www.city.naka.lg.jp/kurashi-tetsuduki/tetsuduki/mynumber/mynumber-card/page010141.html; Osakasayama https://www.city.osakasayama.osaka.jp/sosiki/siminseikatsubu/shiminmadoguchi/mynumber/6761.html; J-LIS FAQ"},
	{ID: "UNLOCK-03", Section: "3.2", Firm: "official",
		Statement: "Kiosks reset PINs from 06:30 to 23:00; the reservation can be made at any hour. Which chains do which PIN differs (signing: Seven-Eleven, FamilyMart, Lawson, Ministop and others; auth: Seven-Eleven and AEON, as the pages say); at first only the signing password could be reset at kiosks.",
		Source:    "Koka; Naka; Osakasayama; Fukuoka"},
	{ID: "UNLOCK-04", Section: "3.2", Firm: "official",
		Statement: "The Juki and Kenhojo PINs cannot be reset at a kiosk.",
		Source:    "Koka; Naha https://www.city.naha.okinawa.jp/kurasitetuduki/todoke/mynumber/konbinisyomei.html"},
	{ID: "UNLOCK-05", Section: "3.2", Firm: "official",
		Statement: "Phone certificates are dealt with in the マイナポータル app (PHONE-*).",
		Source:    "section 10"},
	{ID: "VALID-01", Section: "4", Firm: "official",
		Statement: "A certificate is valid until the holder's 5th birthday after issuance, or until the card expires if that is sooner.",
		Source:    "Inagi; Aisai https://www.city.aisai.lg.jp/0000001356.html; J-LIS's period page (archived) https://megalodon.jp/ref/2019-1113-1505-31/https://www.jpki.go.jp:443/procedure/period.html"},
	{ID: "VALID-02", Section: "4", Firm: "official",
		Statement: "A certificate renewed while less than 3 months remain runs to the 6th birthday.",
		Source:    "Inagi; Aisai; the J-LIS period page"},
	{ID: "VALID-03", Section: "4", Firm: "official",
		Statement: "The date on the card face is the card's expiry, not the certificates'.",
		Source:    "Inagi"},
	{ID: "VALID-04", Section: "4", Firm: "official",
		Statement: "The 5-year term is set for the ageing of the cryptography.",
		Source:    "J-LIS FAQ"},
	{ID: "VALID-05", Section: "4", Firm: "official",
		Statement: "The card is valid to the 10th birthday after issuance for a holder of 18 or more at application, to the 5th for a younger one; the age was 20 for applications before 2022-04-01.",
		Source:    "Susono; Minabe https://www.town.minabe.lg.jp/kurashi/02/2021061000011.html; https://yng-cms.net/docs/2022060200075"},
	{ID: "VALID-06", Section: "4", Firm: "official; UNCERTAIN",
		Statement: "For a foreign resident who is neither a special permanent resident nor a permanent resident, the card and certificates end no later than the period of stay. Extending the stay does not extend them by itself: a procedure is needed. Whether other indefinite statuses count as permanent is unknown.",
		Source:    "Inagi; Adachi https://www.city.adachi.tokyo.jp/koseki/gaikokujin_maika_dennshishiumeisho_koushinn.html; https://yng-cms.net/docs/2022060200075"},
	{ID: "VALID-07", Section: "4", Firm: "official",
		Statement: "An expired certificate is dead: no e-Tax signature, no Mynaportal login, no kiosk certificates; the card is still photo ID. The health-insurance use has 3 months' grace after the certificate expires.",
		Source:    "Matsuyama https://www.city.matsuyama.ehime.jp/kurashi/tetsuzuki/kotekininsyo/kigengokousin.html"},
	{ID: "RENEW-01", Section: "4", Firm: "official",
		Statement: "Renewal opens 3 months before expiry (Azumino: the day after the date 3 months before).",
		Source:    "Azumino https://www.city.azumino.nagano.jp/site/jumin-koseki/71985.html; Inagi"},
	{ID: "RENEW-02", Section: "4", Firm: "official",
		Statement: "J-LIS mails an expiry notice (a blue envelope) 2 to 3 months ahead.",
		Source:    "Inagi renewal (pt); J-LIS FAQ"},
	{ID: "RENEW-03", Section: "4", Firm: "official",
		Statement: "Renewal is done at the municipal counter with the PINs, free of charge (FEE-01).",
		Source:    "Inagi renewal (pt); J-LIS FAQ"},
	{ID: "RENEW-04", Section: "4", Firm: "official",
		Statement: "A new certificate can be issued at any time while the card is valid, also after the old one expired.",
		Source:    "Matsuyama; Inagi renewal (pt)"},
	{ID: "AGE-01", Section: "5", Firm: "official",
		Statement: "No signing certificate \"in principle\" for a holder under 15 or an adult ward (成年被後見人); many municipalities say one \"cannot apply\". The reason given: it is the electronic counterpart of a seal-registration certificate.",
		Source:    "Inagi; Fujimino https://www.city.fujimino.saitama.jp/soshikiichiran/shiminka/shiminkakari/15184.html; Aikawa https://www.town.aikawa.kanagawa.jp/benri/guide/touroku_koseki/jpki/8155.html; Suginami"},
	{ID: "AGE-02", Section: "5", Firm: "UNCERTAIN",
		Statement: "No source describes an exception; jpkisim treats AGE-01 as a hard rule.",
		Source:    "—"},
	{ID: "AGE-03", Section: "5", Firm: "official",
		Statement: "The auth certificate has no age limit. For a holder under 15 or an adult ward the legal representative applies and sets the 4-digit PIN, bringing proof of representation (the family register, or a 登記事項証明書 for a ward).",
		Source:    "Inagi; Inagi renewal (pt); Kitanagoya https://www.city.kitanagoya.lg.jp/shimin/1400206.php; Minamiashigara https://www.city.minamiashigara.kanagawa.jp/kurashi/koseki/mynumber/p06704.html"},
	{ID: "AGE-04", Section: "5", Firm: "impl, one card; UNCERTAIN",
		Statement: "On the chip, JPKI EF 0008 says which certificates are present: 8F 8F 00 with both, 00 8F 00 without the signing certificate (a child's card).",
		Source:    "myna-card (src/ap/jpki.rs)"},
	{ID: "REVOKE-01", Section: "6.1", Firm: "statute, official",
		Statement: "The signing certificate is revoked by itself when the name, address, date of birth or sex in the resident record changes (beyond trivial corrections): the law on J-LIS's certification business, article 12 (1).",
		Source:    "a statute mirror, https://iuris.jp/電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律-第十二条-個人番号カード用署名用電子証明書に係る署名利用者異動等失効情報の記録/jpn/a/98583; Inagi"},
	{ID: "REVOKE-02", Section: "6.1", Firm: "statute",
		Statement: "It is revoked when the resident record is deleted (death and the like): article 12 (2).",
		Source:    "the same page"},
	{ID: "REVOKE-03", Section: "6.1", Firm: "official",
		Statement: "Other revocations: at the holder's request (online, or at the counter); on a report of key compromise (counter only); ex officio for a record error, with notice; at expiry; on compromise of the CA key.",
		Source:    "Minamiashigara; Kure https://www.city.kure.lg.jp/soshiki/54/kouteki-denshisyoumei-0005.html"},
	{ID: "REVOKE-04", Section: "6.1", Firm: "official",
		Statement: "Moving abroad ends the signing certificate on the departure date (ABROAD-03).",
		Source:    "section 9"},
	{ID: "REVOKE-05", Section: "6.1", Firm: "official",
		Statement: "The auth certificate is not revoked by a change of address or name, nor by moving abroad with continued use; it ends with the card (expiry or abolition).",
		Source:    "Inagi; Tomigusuku; Susaki https://www.city.susaki.lg.jp/life/detail.php?hdnKey=5104"},
	{ID: "HOLD-01", Section: "6.2", Firm: "official",
		Statement: "On loss or theft the holder calls the round-the-clock line (0120-95-0178) to put the certificates on hold, and tells the municipality.",
		Source:    "J-LIS lost"},
	{ID: "HOLD-02", Section: "6.2", Firm: "official",
		Statement: "If the card turns up, the municipal counter lifts the hold on the card (運用一時停止解除); for the certificates J-LIS advises revoking and issuing anew.",
		Source:    "J-LIS lost; Kawamata"},
	{ID: "HOLD-03", Section: "6.2", Firm: "official",
		Statement: "A lost phone: the hold on the phone's auth certificate is lifted in the マイナポータル app; the phone's signing certificate is issued anew.",
		Source:    "J-LIS lost"},
	{ID: "RP-01", Section: "6.3", Firm: "official",
		Statement: "J-LIS gives revocation information only to parties registered in advance as 署名検証者 or 利用者証明検証者: government bodies, courts, accredited CAs, and businesses the Minister approves.",
		Source:    "https://www.j-lis.go.jp/jpki/procedure/procedure1_2.html"},
	{ID: "RP-02", Section: "6.3", Firm: "official",
		Statement: "Businesses usually go through a platform operator (プラットフォーム事業者) that checks signatures for its service providers.",
		Source:    "Digital Agency https://www.digital.go.jp/policies/mynumber/private-business/jpki-introduction"},
	{ID: "RP-03", Section: "6.3", Firm: "official, vendor",
		Statement: "Two ways to check: a DER CRL at the distribution point, over HTTP or LDAP, and an OCSP responder asked per certificate. The Digital Agency's municipal platform asks J-LIS by OCSP per request, with a CRL mode coming; one platform vendor refreshes its CRL every 5 to 10 minutes and advises OCSP for same-day certainty.",
		Source:    "the gazette of 2026-02-27 as a third-party site renders it, https://kanpou.ai/gazette/2026-02-27/notification-055 (machine-extracted: UNCERTAIN detail); https://digital.go.jp/policies/mynumber/local-government/jpki-platform-for-lgwan; https://apidog.com/apidoc/docs-site/383232/api-4160654"},
	{ID: "RP-04", Section: "6.3", Firm: "vendor; UNCERTAIN against the CPS",
		Statement: "Revocation reasons, as one vendor maps them from the CPS: unspecified (discarded before handover), keyCompromise, cACompromise, affiliationChanged (the content changed: a new address or name), superseded (renewed), cessationOfOperation (no longer needed), certificateHold (a hold; the vendor says holds are never released). jpkisim publishes these RFC 5280 reasons.",
		Source:    "https://apidog.com/apidoc/docs-site/383232/api-4160654"},
	{ID: "CERT-05", Section: "7", Firm: "impl",
		Statement: "In the signing certificate the basic 4 information is in subjectAltName otherName entries under 1.2.392.200149.8.5.5: .1 name, .2 name in substitute characters, .3 sex, .4 date of birth, .5 address, .6 address in substitute characters.",
		Source:    "jpki/myna (Go) at f68cefd, https://github.com/jpki/myna/blob/f68cefd283c8e852ea015b57f6ebe0ee6065ae2c/libmyna/jpki_ap.go"},
	{ID: "CERT-06", Section: "7", Firm: "official (translated)",
		Statement: "For a holder who moved abroad the address reads \"moved abroad (planned date)\".",
		Source:    "Inagi (pt)"},
	{ID: "CERT-07", Section: "7", Firm: "impl, blog",
		Statement: "Both key pairs are RSA-2048 and signatures sha256WithRSAEncryption; OpenSC registers RSA-2048 with PKCS#1 padding and hash \"none\" (the host sends the DigestInfo).",
		Source:    "OpenSC src/libopensc/card-jpki.c; https://tex2e.github.io/blog/protocol/jpki-mynumbercard-with-apdu"},
	{ID: "CERT-08", Section: "7", Firm: "impl",
		Statement: "The JPKI application (AID D3 92 F0 00 26 01 00 00 00 01): EF 0001 signing certificate, 0002 its CA, 000A auth certificate, 000B its CA, 0017 auth key, 0018 auth PIN, 001A signing key, 001B signing password, 0006 token information (the first 32 bytes the label), 0008 which certificates are present.",
		Source:    "OpenSC src/libopensc/jpki.h; jpki/myna src/jpki.rs; myna-card src/ap/jpki.rs"},
	{ID: "CERT-09", Section: "7", Firm: "impl",
		Statement: "The label in EF 0006: JPKIAPICCTOKEN2 a card, JPKIAPGPSETOKEN the Android secure element, JPKIAPIOSTOKEN an iPhone (jpki/myna's dummy card uses JPKIAPICCTOKEN, without the 2).",
		Source:    "myna-card src/ap/jpki.rs; jpki/myna f68cefd"},
	{ID: "CERT-10", Section: "7", Firm: "obs, impl",
		Statement: "The auth certificate and both CA certificates are free to read; the signing certificate only after the signing password is verified (else 6982, security status not satisfied). On the Android token the auth certificate also needs the auth PIN.",
		Source:    "https://github.com/jpki/OpenSC/issues/3; https://github.com/OpenSC/OpenSC/issues/3169; jpki/myna f68cefd"},
	{ID: "FEE-01", Section: "8", Firm: "official",
		Statement: "The first card and certificates are free, and so is their renewal.",
		Source:    "J-LIS FAQ; Minabe"},
	{ID: "FEE-02", Section: "8", Firm: "official",
		Statement: "A re-issue after loss or damage or for the holder's convenience costs 800 yen for the card and 200 yen for the certificates: 1,000 yen (800 without certificates).",
		Source:    "Kawamata; Makubetsu https://www.town.makubetsu.lg.jp/kurashi/kosekijumin/mynumber/558.html; Inagi"},
	{ID: "FEE-03", Section: "8", Firm: "official",
		Statement: "A re-issue is free when the card expired or its remarks field is full, among other cases.",
		Source:    "Kawamata; Makubetsu"},
	{ID: "FEE-04", Section: "8", Firm: "official",
		Statement: "Asking for a revocation is free.",
		Source:    "Minamiashigara https://www.city.minamiashigara.kanagawa.jp/kurashi/koseki/ninsyo/denshi_shoumei_shikkou_honn.html"},
	{ID: "ABROAD-01", Section: "9", Firm: "official",
		Statement: "A Japanese national (with a 戸籍の附票) may keep the card after emigrating by applying for continued use with the move-out notice, by the day before departure (not on the day). The planned departure date goes on the card face and the chip's address is updated.",
		Source:    "Nagayo; Otake https://www.city.otake.hiroshima.jp/soshiki/shiminseikatsu/shiminzeimu/gyomu/1/6769.html; Chofu https://www.city.chofu.lg.jp/030040/p017159.html"},
	{ID: "ABROAD-02", Section: "9", Firm: "official",
		Statement: "Without that procedure the card lapses; it is re-issued free if asked for within 90 days of departure.",
		Source:    "Nagayo; Otake; Chofu"},
	{ID: "ABROAD-03", Section: "9", Firm: "official",
		Statement: "The signing certificate ends on the departure date; signing from abroad needs a new signing certificate for emigrants (国外転出者向け), issued with the continued-use procedure.",
		Source:    "Tomigusuku; Nakashibetsu https://nakashibetsu.jp/kurashi/todokede/mynumbercardkouhu/kokugaitennsyutumaina"},
	{ID: "ABROAD-04", Section: "9", Firm: "official",
		Statement: "The auth certificate does not end, but issuing it anew is advised to restart its 5 years; after departure only the holder may apply, no proxy.",
		Source:    "Tomigusuku; Nakashibetsu"},
	{ID: "ABROAD-05", Section: "9", Firm: "official",
		Statement: "People who left Japan after 2015-10-05 can apply for a card at an embassy or consulate (在外公館) or at a municipal office; foreign nationals cannot.",
		Source:    "Nagayo; Nishigo https://www.vill.nishigo.fukushima.jp/soshiki/juminseikatsuka/koseki_juminhyo_inkantoroku/1/5102.html"},
	{ID: "ABROAD-06", Section: "9", Firm: "official",
		Statement: "Abroad, the card serves Mynaportal, electronic signatures and (with the auth certificate) kiosk copies of family-register certificates, but not resident-record certificates.",
		Source:    "Otake"},
	{ID: "PHONE-01", Section: "10", Firm: "press, official",
		Statement: "Android, since 2023-05-11: set up in the マイナポータル app from a card with a valid signing certificate and its password; on some phones biometrics may stand in for the 4-digit PIN.",
		Source:    "Impress https://www.watch.impress.co.jp/docs/topic/1499103.html; Yachimata https://www.city.yachimata.lg.jp/soshiki/9/43417.html"},
	{ID: "PHONE-02", Section: "10", Firm: "press, vendor",
		Statement: "iPhone, since 2025-06-24 (iOS 18.5 or later, iPhone XS or later), in Apple Wallet: set-up asks for the card's Kenhojo PIN and signing password and sets new ones on the phone.",
		Source:    "Impress https://www.watch.impress.co.jp/docs/news/2025064.html; Cybertrust https://cybertrust.co.jp/blog/certificate-authority/business-process-digitalization/iphone-mynumber01.html; PocketSign https://pocketsign.co.jp/blog/28; Apple PassKit https://developer.apple.com/documentation/passkit/pkjapanindividualnumbercardmetadata/signingpassword"},
	{ID: "PHONE-03", Section: "10", Firm: "impl, obs",
		Statement: "Phone tokens speak the card's JPKI protocol, with these differences: the label in EF 0006; on Android the auth certificate needs the PIN; the card-face applications are absent; 80 FC 00 00 (\"last command\") exists on the iPhone only (a card answers 6700).",
		Source:    "jpki/myna commits c511221, f68cefd; myna-card (src/card.rs)"},
	{ID: "PHONE-04", Section: "10", Firm: "official",
		Statement: "A lost phone's auth certificate is released from its hold in the app; its signing certificate is issued anew (HOLD-03).",
		Source:    "J-LIS lost"},
	{ID: "NEXT-01", Section: "11", Firm: "blog; UNCERTAIN",
		Statement: "Certificates valid 10 years instead of 5.",
		Source:    "https://pki.world-tls.com/ecdsa384-mynumber-card"},
	{ID: "NEXT-02", Section: "11", Firm: "blog; UNCERTAIN",
		Statement: "ECDSA P-384 with SHA-384 instead of RSA-2048 with SHA-256.",
		Source:    "the same"},
	{ID: "NEXT-03", Section: "11", Firm: "blog; UNCERTAIN",
		Statement: "The four applications regrouped into two: one behind the PINs for authentication, one for the card face opened by the printed check numbers.",
		Source:    "the same"},
	{ID: "NEXT-04", Section: "11", Firm: "blog; UNCERTAIN",
		Statement: "Renewal from 1 year before expiry; the card valid to the 10th birthday (5th under 18) plus one month; a new name for the card under consideration.",
		Source:    "the same"},
	{ID: "NEXT-05", Section: "11", Firm: "press repost, vendor",
		Statement: "Sex off the card face (kept in the chip); four PINs become two; furigana and a romanised name added.",
		Source:    "ITmedia, reposted at https://yasuki-eye-clinic.blogspot.com/2024/03/blog-post_21.html; PocketSign https://pocketsign.co.jp/blog/31"},
}

var fieldReports = []Rule{
	{ID: "B2", Section: "B2", Firm: "field report",
		Statement: "a client ignored every reader whose ATR did not start 3B 88 80 01",
		Source:    "https://github.com/jpki/myna/issues/12"},
	{ID: "B4", Section: "B4", Firm: "field report",
		Statement: "the Windows minidriver showed one key container of two",
		Source:    "https://github.com/OpenSC/OpenSC/issues/3169"},
	{ID: "B5", Section: "B5", Firm: "field report",
		Statement: "browsers asked twice for a PIN",
		Source:    "https://github.com/OpenSC/OpenSC/pull/1097"},
	{ID: "B7", Section: "B7", Firm: "field report",
		Statement: "the Android token crashed the auth-certificate read",
		Source:    "https://github.com/jpki/myna/issues/6"},
	{ID: "B8", Section: "B8", Firm: "field report",
		Statement: "CMS signing failed in the client",
		Source:    "https://github.com/jpki/myna/issues/8"},
	{ID: "B12", Section: "B12", Firm: "field report",
		Statement: "a token answering 6A80 to the empty VERIFY broke PIN-status code",
		Source:    "https://github.com/OpenSC/OpenSC/issues/2565"},
	{ID: "B13", Section: "B13", Firm: "field report",
		Statement: "an NFC timeout too short for an RSA signature",
		Source:    "https://github.com/frankmorgner/vsmartcard/issues/123"},
}
