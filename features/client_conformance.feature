@client
Feature: A client under test in front of the served card, judged by the conformance catalogue
  The suite proves the card; a vendor comes to certify a program. These
  scenarios put a program in front of the card served through pcscd (serve
  --control), take the card to a state of the conformance catalogue, run the
  program and judge it by what the card saw (docs/conformance.md). The
  program gets its PIN in JPKISIM_CLIENT_PIN, never in its arguments and
  never written here. scripts/clients/ holds a well-behaved client and a
  misbehaving one, and a signing client that is well behaved unless told to
  make one mistake (--mistake NAME): every check of the catalogue is shown
  passed by one client and failed by another. They run only where the run
  has the served card's control interface (JPKISIM_CONTROL), as
  scripts/pcsc-test.sh gives it, with the test PKI's responder in
  JPKISIM_PKI_URL. A scenario tagged @card-PROFILE needs a card of that
  profile in the reader: putting one in would end the run's snapshot of the
  card it found, so those scenarios run in a run of their own, after
  `jpkisim ctl profile PROFILE` (docs/conformance.md, "Running a client
  under test").

  Scenario: A well-behaved client on a fresh card presents the password once, reads to the end and resets
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/good-client.sh"
    Then the client exits with status 0
    And the client's output contains "read the auth certificate EF"
    And the client passes conformance check CLIENT-02
    And the client passes conformance check CLIENT-06
    And the client passes conformance check CLIENT-14

  Scenario: A misbehaving client on a fresh card reads past the end and leaves the password verified
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/bad-client.sh"
    Then the client exits with status 0
    And the client fails conformance check CLIENT-06
    And the client fails conformance check CLIENT-14

  @destructive
  Scenario: A well-behaved client spends one try for one wrong entry and warns
    Given the served card is in the conformance state "signing-one-try-left"
    And the client under test is given the signing password with a wrong value
    When the client under test runs "scripts/clients/good-client.sh"
    Then the client exits with status 1
    And the client's output contains "now locked"
    And the client passes conformance check CLIENT-02

  @destructive
  Scenario: A misbehaving client presents one wrong entry twice
    Given the served card is in the conformance state "signing-one-try-left"
    And the client under test is given the signing password with a wrong value
    When the client under test runs "scripts/clients/bad-client.sh"
    Then the client fails conformance check CLIENT-02

  @destructive
  Scenario: A well-behaved client reads the counter first and warns at one try left
    Given the served card is in the conformance state "signing-one-try-left"
    And the client under test is given the signing password with a wrong value
    When the client under test runs "scripts/clients/good-client.sh --read-counter-first"
    Then the client's output contains "1 try left"
    And the client passes conformance check CLIENT-04
    And the client passes conformance check CLIENT-02

  @destructive
  Scenario: A misbehaving client presents the password without reading the counter at one try left
    Given the served card is in the conformance state "signing-one-try-left"
    And the client under test is given the signing password with a wrong value
    When the client under test runs "scripts/clients/bad-client.sh"
    Then the client fails conformance check CLIENT-04

  Scenario: A well-behaved client stops on 6984 and says locked
    Given the served card is in the conformance state "signing-locked"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/good-client.sh"
    Then the client exits with status 3
    And the client's output contains "locked"
    And the client passes conformance check CLIENT-05
    And the client passes conformance check CLIENT-02

  Scenario: A misbehaving client reads 6984 as tries left
    Given the served card is in the conformance state "signing-locked"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/bad-client.sh"
    Then the client's output contains "4 tries left"
    And the client fails conformance check CLIENT-05

  Scenario: A well-behaved client sends nothing for an empty entry
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password as an empty entry
    When the client under test runs "scripts/clients/good-client.sh"
    Then the client exits with status 2
    And the client passes conformance check CLIENT-01

  Scenario: A misbehaving client falls back to a default password when nothing was entered
    The user pressed Enter: a client that presents a password of its own (here the
    test card's, which jpkisim apdu fills in when JPKISIM_SIGN_PIN is empty) spends
    or uses a try the user never gave.
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password as an empty entry
    When the client under test runs "scripts/clients/bad-client.sh"
    Then the client fails conformance check CLIENT-01
    And the client fails conformance check CLIENT-02

  Scenario: A well-behaved client folds a lower-case signing password to upper case
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password in lower case
    When the client under test runs "scripts/clients/good-client.sh"
    Then the client exits with status 0
    And the client passes conformance check CLIENT-03
    And the client passes conformance check CLIENT-02

  @destructive
  Scenario: A misbehaving client sends a lower-case signing password as typed
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password in lower case
    When the client under test runs "scripts/clients/bad-client.sh"
    Then the client fails conformance check CLIENT-03

  Scenario: A signing client checks the certificate with OCSP and signs a DigestInfo with the NULL parameter
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 0
    And the client's output contains "OCSP: the signing certificate is good"
    And the client passes conformance check CLIENT-08
    And the client passes conformance check CLIENT-09
    And the client passes conformance check CLIENT-10
    And the client passes conformance check CLIENT-02
    And the client passes conformance check CLIENT-06
    And the client passes conformance check CLIENT-14

  Scenario: A signing client that drops the NULL parameter signs what no verifier accepts
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake no-null"
    Then the client exits with status 0
    And the client fails conformance check CLIENT-08
    And the client fails conformance check CLIENT-09

  Scenario: A signing client that signs the bare hash
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake bare-hash"
    Then the client fails conformance check CLIENT-08
    And the client fails conformance check CLIENT-09

  Scenario: A signing client that signs without asking about the certificate
    Given the served card is in the conformance state "fresh"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake no-revocation-check"
    Then the client exits with status 0
    And the client passes conformance check CLIENT-09
    And the client fails conformance check CLIENT-10

  @card-revoked-address-change
  Scenario: A signing client refuses a revoked signing certificate
    Given the served card is in the conformance state "revoked"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 1
    And the client's output contains "affiliationChanged"
    And the client passes conformance check CLIENT-11

  @card-revoked-address-change
  Scenario: A signing client that asks nobody signs with a revoked certificate
    Given the served card is in the conformance state "revoked"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake no-revocation-check"
    Then the client exits with status 0
    And the client fails conformance check CLIENT-11
    And the client fails conformance check CLIENT-10

  @card-suspended
  Scenario: A signing client refuses a certificate on hold
    Given the served card is in the conformance state "on-hold"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 1
    And the client's output contains "certificateHold"
    And the client passes conformance check CLIENT-11

  @card-expired
  Scenario: A signing client refuses an expired certificate
    Given the served card is in the conformance state "expired"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 1
    And the client's output contains "has expired"
    And the client passes conformance check CLIENT-12

  @card-expired
  Scenario: A signing client that never looks at the validity signs with an expired certificate
    Given the served card is in the conformance state "expired"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake ignore-expiry"
    Then the client exits with status 0
    And the client fails conformance check CLIENT-12

  @card-t0
  Scenario: A signing client on a T=0 card fetches every 61xx with GET RESPONSE
    Given the served card is in the conformance state "t0"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 0
    And the client passes conformance check CLIENT-07
    And the client passes conformance check CLIENT-09
    And the client passes conformance check CLIENT-06

  @card-t0
  Scenario: A signing client on a T=0 card takes the 61 00 after the signature for the end
    Given the served card is in the conformance state "t0"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake no-get-response"
    Then the client exits with status 0
    And the client fails conformance check CLIENT-07
    And the client fails conformance check CLIENT-09

  Scenario: A signing client waits for a 2-second signature
    Given the served card is in the conformance state "slow-signature"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 0
    And the client passes conformance check CLIENT-13
    And the client passes conformance check CLIENT-09

  Scenario: A signing client with a 1-second timeout gives up on a 2-second signature
    Given the served card is in the conformance state "slow-signature"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake short-timeout"
    Then the client exits with status 1
    And the client fails conformance check CLIENT-13

  @card-counter-query-6a80
  Scenario: A signing client goes on when the counter query answers 6A80
    Given the served card is in the conformance state "counter-query-6a80"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 0
    And the client's output contains "going on"
    And the client passes conformance check CLIENT-15

  @card-counter-query-6a80
  Scenario: A signing client gives up when the counter query answers 6A80
    Given the served card is in the conformance state "counter-query-6a80"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake give-up-on-6a80"
    Then the client exits with status 1
    And the client fails conformance check CLIENT-15

  @card-under-15
  Scenario: A signing client on a child's card signs nothing and says why
    Given the served card is in the conformance state "under-15"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh"
    Then the client exits with status 1
    And the client's output contains "no signing certificate"
    And the client passes conformance check CLIENT-16

  @card-under-15
  Scenario: A signing client crashes on a child's card
    Given the served card is in the conformance state "under-15"
    And the client under test is given the signing password
    When the client under test runs "scripts/clients/signer.sh --mistake crash-without-cert"
    Then the client fails conformance check CLIENT-16
