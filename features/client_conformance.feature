@client
Feature: A client under test in front of the served card, judged by the conformance catalogue
  The suite proves the card; a vendor comes to certify a program. These
  scenarios put a program in front of the card served through pcscd (serve
  --control), take the card to a state of the conformance catalogue, run the
  program and judge it by what the card saw (docs/conformance.md). The
  program gets its PIN in JPKISIM_CLIENT_PIN, never in its arguments and
  never written here. scripts/clients/ holds a well-behaved client and a
  misbehaving one: each check below is shown passed by the one and failed
  by the other. They run only where the run has the served card's control
  interface (JPKISIM_CONTROL), as scripts/pcsc-test.sh gives it.

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
