@embedded
Feature: Faults of real cards and readers, on demand
  Real cards and readers misbehave: a slow signature over NFC, a card pulled
  out mid-command, power cut after the card wrote its retry counter, a token
  that answers the counter query with 6A80, a T=0 card that answers 61xx.
  These scenarios switch each fault on the embedded card and say how a client
  should behave; they run on the embedded card only.

  Background:
    Given the JPKI application is selected

  @B12 @RETRY-07 @pin
  Scenario: A card that answers the counter query with 6A80 gives no retry count
    A client must not read 6A80 as "0 tries left" nor as "verified": it has no count
    and must not present a PIN on the strength of it (OpenSC #2565). Only the
    counter query is refused: a VERIFY with data still logs in.
    Given the card answers 6A80 to exactly "00 20 00 80"
    When I query the retry counter of the auth PIN
    Then the status word is 6A80
    When I query the retry counter of the auth PIN by SFI
    Then the status word is 63C3
    When I verify the auth PIN with the correct value
    Then the status word is 9000

  @B12 @RETRY-07 @pin
  Scenario: A card that answers every VERIFY of the current EF with 6A80 refuses the login too
    The fault of B12 on the whole command, not only the counter query: a client that
    gets 6A80 to a VERIFY with data must report an error, not a wrong PIN, and must
    not count a try; the counter, asked by SFI, shows none was spent.
    Given the card answers 6A80 to "00 20 00 80"
    When I verify the auth PIN with the correct value
    Then the status word is 6A80
    When I query the retry counter of the auth PIN by SFI
    Then the status word is 63C3

  @RETRY-04 @destructive
  Scenario: A card pulled out during a VERIFY has not spent the try
    A client sees the transport fail and must not count the try itself; the
    card, asked again after re-insertion, has the truth.
    Given the card is pulled out at the next VERIFY
    When I verify the auth PIN with a wrong value
    Then the exchange fails: card removed
    When the card is inserted again
    And I select the JPKI application
    Then the auth PIN has all its tries left

  @RETRY-04 @destructive @pin
  Scenario: Power cut after the counter was written keeps the spent try, even for the right PIN
    The card decrements and writes its counter before it compares, so no
    answer means the try is gone; a client must ask the counter again.
    Given the power fails after the next write to the card's memory
    When I verify the auth PIN with the correct value
    Then the exchange fails: power lost
    When the card is inserted again
    And I select the JPKI application
    Then the auth PIN has 2 tries left

  @CERT-07 @pin @B13
  Scenario: A slow signature still arrives
    An NFC client must allow seconds for an RSA-2048 signature (field-reports.md B13).
    Given the auth PIN has been verified
    And the card takes 50 ms to answer a signature
    When I sign a SHA-256 DigestInfo of "slow" with the auth key
    Then the status word is 9000
    And the last exchange took at least 50 ms
    And the signature verifies with the auth certificate

  Scenario: A T=0 card's answers come whole through GET RESPONSE
    The transport sends GET RESPONSE on 61xx and resends with the right Le on
    6Cxx, inside one transaction; the client sees whole answers.
    Given the card speaks T=0
    When I read the auth certificate
    Then the status word is 9000
    And the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption
    When I select EF 0008
    And I read 16 bytes at offset 1
    Then the response data is "8F 00"
