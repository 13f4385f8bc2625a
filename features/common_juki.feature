Feature: The common card and Juki applications
  The common card application (D3 92 10 00 31 00 01 01 01 00) holds the
  record EF 0001 (serial, municipality code, expiry), read by READ RECORD
  without a SELECT, and key 0019, the only key that answers INTERNAL
  AUTHENTICATE, without a credential. It and the Juki application
  (…04 01) each hold a PIN 001C, 4 digits and 3 tries, changed with CHANGE
  KEY 80 32 00 80 rather than 00 24, with a counter of its own. SET SESSION
  KEY answers 66F1 in the common card application and 6982 in Juki (card.md
  §4.4, §5.3, §5.5, §5.7, §5.10, §8.3; rules.md PIN-07, RETRY-02). The Juki
  PIN's value comes from the virtual card's profile, so the scenarios that
  present it are @embedded.

  Scenario: jpki/myna's READ RECORD 00 B2 01 0C 00 reads record 1 of SFI 1 without a SELECT
    Given the common card application is selected
    When I send "00 B2 01 0C 00"
    Then the status word is 9000
    And the response data is a common card record

  @embedded
  Scenario: The common card record is the virtual card's, and agrees with the card-level objects
    Given the common card application is selected
    When I send "00 B2 01 0C 00"
    Then the response data is record 1 of the common card application's EF 0001
    And the record holds the card's serial, municipality code and expiry

  Scenario: READ RECORD of the current EF 0001 (P2 04) reads a record of the same form
    Given the common card application is selected
    When I select EF 0001
    And I send "00 B2 01 04 00"
    Then the status word is 9000
    And the response data is a common card record

  @embedded
  Scenario: READ RECORD by SFI and of the current EF read the same record
    Given the common card application is selected
    When I select EF 0001
    And I send "00 B2 01 04 00"
    Then the response data is record 1 of the common card application's EF 0001

  Scenario: A record past the last one answers 6A83
    Given the common card application is selected
    When I send "00 B2 02 0C 00"
    Then the status word is 6A83

  Scenario: READ BINARY of the record EF answers 6981
    Given the common card application is selected
    When I select EF 0001
    And I read 4 bytes at offset 0
    Then the status word is 6981

  @destructive
  Scenario: INTERNAL AUTHENTICATE with key 0019 signs the challenge without a credential
    Given the common card application is selected
    When I send "00 88 00 99 08 01 02 03 04 05 06 07 08 00"
    Then the status word is 9000
    And the response data is a sha256WithRSAEncryption signature over "01 02 03 04 05 06 07 08" by the common card application's key

  @destructive
  Scenario Outline: SET SESSION KEY in the <app> application answers <sw>
    Given the <app> application is selected
    When I send "80 AE 00 00 04 A0 02 80 00"
    Then the status word is <sw>

    Examples:
      | app         | sw   |
      | common card | 66F1 |
      | Juki        | 6982 |

  @RETRY-02 @RETRY-07 @PIN-07
  Scenario Outline: The <app> application's PIN 001C reports 3 tries
    Given the <app> application is selected
    When I query the retry counter of the Juki PIN
    Then the status word is 63C3

    Examples:
      | app         |
      | common card |
      | Juki        |

  @embedded @destructive @PIN-07
  Scenario Outline: The <app> application's PIN is changed by CHANGE KEY 80 32 00 80 after its VERIFY
    Given the <app> application is selected
    And the Juki PIN has been verified
    When I change the Juki PIN to a new valid value with "80 32 00 80"
    Then the status word is 9000
    And the new Juki PIN verifies

    Examples:
      | app         |
      | common card |
      | Juki        |

  @embedded @destructive
  Scenario Outline: CHANGE REFERENCE DATA 00 24 is not the <app> application's command: 6D00
    Given the <app> application is selected
    And the Juki PIN has been verified
    When I change the Juki PIN to a new valid value with "00 24 01 80"
    Then the status word is 6D00
    And the Juki PIN is unchanged

    Examples:
      | app         |
      | common card |
      | Juki        |

  @embedded @destructive
  Scenario: CHANGE KEY before the VERIFY is refused with 6982
    Given the Juki application is selected
    When I change the Juki PIN to a new valid value with "80 32 00 80"
    Then the status word is 6982
    And the Juki PIN is unchanged

  @embedded @destructive @PIN-07
  Scenario: The two PINs 001C change apart
    Given the common card application is selected
    And the Juki PIN has been verified
    When I change the Juki PIN to a new valid value with "80 32 00 80"
    Then the status word is 9000
    When I select the Juki application
    Then the Juki PIN is unchanged

  @embedded @destructive @RETRY-02 @RETRY-06
  Scenario: The two PINs 001C count apart, and lock after 3 wrong entries
    Given the common card application is selected
    When I enter a wrong Juki PIN 3 times
    Then the status word is 63C0
    And the Juki PIN has 0 tries left
    When I select the Juki application
    Then the Juki PIN has all its tries left
