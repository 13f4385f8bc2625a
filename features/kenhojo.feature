Feature: The Kenhojo application: who opens which EF, its keys and its counters
  券面事項入力補助AP (D3 92 10 00 31 00 01 01 04 08) holds the card face as
  text: the My Number in EF 0001, the basic 4 information in EF 0002, the
  integrity record over both in EF 0003 and its CV certificate in EF 0004
  (card.md §4.2, §8.1). The Kenhojo PIN 0011 (4 digits, 3 tries) opens all of
  them; 照合番号A 0014 (the My Number) opens 0001 but not 0002, 照合番号B 0015
  (14 digits from the card face) 0002 but not 0001; 0003, 0006 and 0007 open
  to any of the three, and 0004, 0005 and 0008 are free. Key reference 0012 is
  blocked as issued; the application's own key 0013 signs without a
  credential (rules.md PIN-07, RETRY-02, RETRY-06, RETRY-07). The values of
  the key references come from the virtual card's profile, so the scenarios
  that present one are @embedded.

  Background:
    Given the Kenhojo application is selected

  @PIN-07
  Scenario Outline: EF <fid> (<content>) is refused with 6982 before any credential
    When I select EF <fid>
    Then the status word is 9000
    When I read 1 bytes at offset 0
    Then the status word is 6982

    Examples:
      | fid  | content                      |
      | 0001 | My Number                    |
      | 0002 | basic 4 information          |
      | 0003 | integrity record             |
      | 0006 | session-key public key       |
      | 0007 | signed own public key        |

  Scenario Outline: EF <fid> (<content>) is free: <size> bytes
    When I select EF <fid>
    And I read <size> bytes at offset 0
    Then the status word is 9000
    And the response has <size> bytes of data
    And the response data starts with "<start>"

    Examples:
      | fid  | content            | size | start          |
      | 0004 | CV certificate     | 568  | 7F 21 82 02 33 |
      | 0005 | application info   | 256  | FF 40          |
      | 0008 | sixteen FF bytes   | 16   | FF FF FF FF    |

  @embedded
  Scenario Outline: The free EF <fid> is the virtual card's, byte for byte
    When I select EF <fid>
    And I read <size> bytes at offset 0
    Then the response data is Kenhojo EF <fid>

    Examples:
      | fid  | size |
      | 0004 | 568  |
      | 0005 | 256  |
      | 0008 | 16   |

  @embedded @pin @PIN-07
  Scenario Outline: After the Kenhojo PIN, EF <fid> reads back whole
    Given the Kenhojo PIN has been verified
    When I select EF <fid>
    And I read <size> bytes at offset 0
    Then the status word is 9000
    And the response data is Kenhojo EF <fid>

    Examples:
      | fid  | size |
      | 0001 | 17   |
      | 0002 | 256  |
      | 0003 | 336  |
      | 0006 | 269  |
      | 0007 | 536  |

  @embedded @pin
  Scenario Outline: 照合番号<key> opens EF <opens> and not EF <not>
    Given 照合番号<key> has been verified
    When I select EF <opens>
    And I read 17 bytes at offset 0
    Then the status word is 9000
    And the response data is the first 17 bytes of Kenhojo EF <opens>
    When I select EF <not>
    And I read 17 bytes at offset 0
    Then the status word is 6982

    Examples:
      | key | opens | not  |
      | A   | 0001  | 0002 |
      | B   | 0002  | 0001 |

  @embedded @pin
  Scenario Outline: 照合番号<key> opens the integrity record, the session key and the own key's record
    Given 照合番号<key> has been verified
    When I select EF <fid>
    And I read 4 bytes at offset 0
    Then the status word is 9000

    Examples:
      | key | fid  |
      | A   | 0003 |
      | A   | 0006 |
      | A   | 0007 |
      | B   | 0003 |
      | B   | 0006 |
      | B   | 0007 |

  @embedded @pin
  Scenario: jsapdu's VERIFY by SFI (00 20 00 91) opens the My Number without a SELECT
    When I verify the Kenhojo PIN by SFI with the correct value
    Then the status word is 9000
    When I send "00 B0 81 00 11"
    Then the status word is 9000
    And the response data is Kenhojo EF 0001

  @embedded @pin
  Scenario: 照合番号A verified in Kenhojo opens nothing in Kenkaku
    Given 照合番号A has been verified
    When I select the Kenkaku application
    And I select EF 0002
    And I read 4 bytes at offset 0
    Then the status word is 6982

  @RETRY-06 @RETRY-07
  Scenario: Key reference 0012 is blocked as issued: the empty VERIFY answers 63C0
    When I select EF 0012
    And I send "00 20 00 80"
    Then the status word is 63C0

  @destructive @RETRY-06
  Scenario: Key reference 0012 is blocked as issued: a VERIFY with data answers 6984
    When I select EF 0012
    And I send "00 20 00 80 04 31 32 33 34"
    Then the status word is 6984
    When I send "00 20 00 80"
    Then the status word is 63C0

  @RETRY-02 @RETRY-07 @PIN-07
  Scenario Outline: A fresh card reports every try of <key> as 63C<tries>
    When I query the retry counter of <key>
    Then the status word is 63C<tries>

    Examples:
      | key         | tries |
      | Kenhojo PIN | 3     |
      | 照合番号A   | A     |
      | 照合番号B   | A     |

  @RETRY-07
  Scenario: The empty VERIFY by SFI (00 20 00 91) reports the Kenhojo PIN's counter
    When I send "00 20 00 91"
    Then the status word is 63C3

  @embedded @destructive @RETRY-02 @RETRY-06
  Scenario: The Kenhojo PIN locks after 3 wrong entries and then answers 6984
    When I enter a wrong Kenhojo PIN 2 times
    Then the status word is 63C1
    When I verify the Kenhojo PIN with a wrong value
    Then the status word is 63C0
    When I verify the Kenhojo PIN with the correct value
    Then the status word is 6984
    And the Kenhojo PIN has 0 tries left

  @embedded @destructive @RETRY-03
  Scenario: A correct Kenhojo PIN restores its counter
    When I enter a wrong Kenhojo PIN 2 times
    And I verify the Kenhojo PIN with the correct value
    Then the status word is 9000
    And the Kenhojo PIN has all its tries left

  @embedded @destructive @RETRY-06
  Scenario: A wrong 照合番号A spends a try of its own counter only
    When I verify 照合番号A with a wrong value
    Then the status word is 63C9
    And 照合番号A has 9 tries left
    And 照合番号B has all its tries left
    And the Kenhojo PIN has all its tries left

  @embedded @destructive @RETRY-06
  Scenario: A wrong Kenhojo PIN takes back the security status it gave
    Given the Kenhojo PIN has been verified
    When I verify the Kenhojo PIN with a wrong value
    And I select EF 0001
    And I read 17 bytes at offset 0
    Then the status word is 6982

  @embedded @destructive @PIN-07
  Scenario: The Kenhojo PIN is changed by CHANGE REFERENCE DATA 00 24 after its VERIFY
    Given the Kenhojo PIN has been verified
    When I change the Kenhojo PIN to a new valid value with "00 24 01 80"
    Then the status word is 9000
    And the new Kenhojo PIN verifies

  @embedded @destructive
  Scenario: CHANGE REFERENCE DATA before the Kenhojo PIN is refused with 6982
    When I change the Kenhojo PIN to a new valid value with "00 24 01 80"
    Then the status word is 6982
    And the Kenhojo PIN is unchanged

  Scenario: The own key 0013 signs without a credential (80 2A 00 00)
    When I sign a SHA-256 DigestInfo of "presence challenge" with the application's own key
    Then the status word is 9000
    And the signature is 256 bytes long

  Scenario: The own key signs the PSS form (80 2A 05 00) without a credential
    When I sign "presence challenge" with the application's own key using P1 05
    Then the status word is 9000
    And the signature is 256 bytes long

  @embedded @pin
  Scenario Outline: The own key's signature (P1 <p1>) verifies with the public key of EF 0007, which the CV certificate's key signed
    Given 照合番号B has been verified
    When I sign "presence challenge" with the application's own key using P1 <p1>
    Then the status word is 9000
    And the signature verifies with the application's own public key read from the card
    And the record of the own public key verifies with the key of the application's CV certificate

    Examples:
      | p1 |
      | 03 |
      | 05 |

  @embedded @pin
  Scenario: The own key's DigestInfo signature verifies with the public key of EF 0007
    Given 照合番号A has been verified
    When I sign a SHA-256 DigestInfo of "presence challenge" with the application's own key
    Then the signature verifies with the application's own public key read from the card

  @destructive
  Scenario: SET SESSION KEY before the Kenhojo PIN is refused with 6982
    When I send "80 AE 00 00 04 A0 02 80 00"
    Then the status word is 6982

  @embedded @destructive
  Scenario: 照合番号A is not enough for SET SESSION KEY
    Given 照合番号A has been verified
    When I deliver a session key with an 80 object encrypted to the key of EF 0006 with SET SESSION KEY
    Then the status word is 6982

  @embedded @destructive
  Scenario Outline: After the Kenhojo PIN, SET SESSION KEY <form> answers <sw>
    Given the Kenhojo PIN has been verified
    When I deliver a session key <form> encrypted to the key of EF 0006 with SET SESSION KEY
    Then the status word is <sw>

    Examples:
      | form              | sw   |
      | with an 80 object | 9000 |
      | with an 81 object | 6A80 |
