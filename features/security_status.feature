Feature: Security status lives until reset or power-off
  A verified PIN stays in effect across EF selects and re-selection of the
  application, and is lost on reset and power-off (card.md §5.11;
  docs/card-behaviour.md Q6). Retry counters are not affected.

  Background:
    Given the JPKI application is selected
    And the auth PIN has been verified

  @pin
  Scenario: A warm reset clears the verified auth PIN
    When the card is reset
    And I select the JPKI application
    And I sign a SHA-256 DigestInfo of "after reset" with the auth key
    Then the status word is 6982

  @pin
  Scenario: A power cycle clears the verified auth PIN
    When the card is powered off and on again
    And I select the JPKI application
    And I sign a SHA-256 DigestInfo of "after power-off" with the auth key
    Then the status word is 6982

  @pin
  Scenario: A warm reset clears the verified signing password
    Given the signing password has been verified
    When the card is reset
    And I select the JPKI application
    And I select EF 0001
    And I read 4 bytes at offset 0
    Then the status word is 6982

  @pin
  Scenario: Selecting other EFs keeps the verified PIN
    When I select EF 000A
    And I read 4 bytes at offset 0
    And I select EF 0006
    And I sign a SHA-256 DigestInfo of "after selects" with the auth key
    Then the status word is 9000

  @pin
  Scenario: Re-selecting the JPKI application keeps the verified PIN
    When I select the JPKI application
    And I sign a SHA-256 DigestInfo of "after re-select" with the auth key
    Then the status word is 9000
