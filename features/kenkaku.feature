Feature: The Kenkaku application: which key opens which EF of the card face
  券面事項確認AP (D3 92 10 00 31 00 01 01 04 02) holds the card face as
  images: the age record EF 0001 opens to the birth-date key 0011 (era
  YYMMDD), the card face EF 0002 and EF 0006 to 照合番号A 0013 or 照合番号B
  0012, the My Number image EF 0005 to 照合番号A only; the application
  information EF 0003 and the CV certificate EF 0004 are free. The own key
  001A signs without a credential, and there is no secure messaging: SET
  SESSION KEY answers 66F1 (card.md §4.3, §5.10, §8.2). The values of the
  key references come from the virtual card's profile, so the scenarios that
  present one are @embedded.

  Background:
    Given the Kenkaku application is selected

  Scenario Outline: EF <fid> (<content>) is refused with 6982 before any key
    When I select EF <fid>
    Then the status word is 9000
    When I read 1 bytes at offset 0
    Then the status word is 6982

    Examples:
      | fid  | content          |
      | 0001 | age record       |
      | 0002 | card face        |
      | 0005 | My Number image  |
      | 0006 | unknown          |

  Scenario Outline: EF <fid> (<content>) is free
    When I select EF <fid>
    And I read 5 bytes at offset 0
    Then the status word is 9000
    And the response data starts with "<start>"

    Examples:
      | fid  | content          | start          |
      | 0003 | application info | FF 30          |
      | 0004 | CV certificate   | 7F 21 82 02 33 |

  @embedded
  Scenario Outline: The free EF <fid> is the virtual card's, byte for byte
    When I select EF <fid>
    And I read <size> bytes at offset 0
    Then the status word is 9000
    And the response data is Kenkaku EF <fid>

    Examples:
      | fid  | size |
      | 0003 | 320  |
      | 0004 | 568  |

  @embedded @pin
  Scenario Outline: <key> opens EF <fid>: <answer>
    Given <key> has been verified
    When I select EF <fid>
    And I read 4 bytes at offset 0
    Then the status word is <answer>

    Examples:
      | key            | fid  | answer |
      | birth-date key | 0001 | 9000   |
      | birth-date key | 0002 | 6982   |
      | birth-date key | 0005 | 6982   |
      | birth-date key | 0006 | 6982   |
      | 照合番号A      | 0001 | 6982   |
      | 照合番号A      | 0002 | 9000   |
      | 照合番号A      | 0005 | 9000   |
      | 照合番号A      | 0006 | 9000   |
      | 照合番号B      | 0001 | 6982   |
      | 照合番号B      | 0002 | 9000   |
      | 照合番号B      | 0005 | 6982   |
      | 照合番号B      | 0006 | 9000   |

  @embedded @pin
  Scenario: The whole card face reads back by SFI with an extended Le after 照合番号B
    Given 照合番号B has been verified
    When I send "00 B0 82 00 00 00 00"
    Then the status word is 9000
    And the response data is Kenkaku EF 0002

  @RETRY-07
  Scenario Outline: A fresh card reports every try of <key> as 63CA
    When I query the retry counter of <key>
    Then the status word is 63CA

    Examples:
      | key            |
      | birth-date key |
      | 照合番号A      |
      | 照合番号B      |

  @RETRY-07
  Scenario: The empty VERIFY by SFI (00 20 00 93) reports 照合番号A's counter
    When I send "00 20 00 93"
    Then the status word is 63CA

  @embedded @destructive @RETRY-06 @RETRY-04
  Scenario: 照合番号A of Kenkaku counts apart from 照合番号A of Kenhojo
    When I verify 照合番号A with a wrong value
    Then the status word is 63C9
    When I select the Kenhojo application
    Then 照合番号A has all its tries left

  @embedded @destructive @RETRY-06
  Scenario: The birth-date key locks after 10 wrong entries
    When I enter a wrong birth-date key 10 times
    Then the status word is 63C0
    When I verify the birth-date key with the correct value
    Then the status word is 6984
    And the birth-date key has 0 tries left

  Scenario: The own key 001A signs without a credential (80 2A 00 00)
    When I sign a SHA-256 DigestInfo of "presence challenge" with the application's own key
    Then the status word is 9000
    And the signature is 256 bytes long

  @embedded @pin
  Scenario Outline: The own key's signature (P1 <p1>) verifies with the key of the card face, which the CV certificate's key signed
    Given 照合番号A has been verified
    When I sign "presence challenge" with the application's own key using P1 <p1>
    Then the status word is 9000
    And the signature verifies with the application's own public key read from the card
    And the record of the own public key verifies with the key of the application's CV certificate

    Examples:
      | p1 |
      | 03 |
      | 05 |

  @destructive
  Scenario: SET SESSION KEY answers 66F1: no secure messaging here
    When I send "80 AE 00 00 04 A0 02 80 00"
    Then the status word is 66F1

  @destructive
  Scenario: INTERNAL AUTHENTICATE with the own key answers 6985
    When I send "00 88 00 9A 08 01 02 03 04 05 06 07 08 00"
    Then the status word is 6985
