@CERT-10
Feature: The signing certificate is readable only after the signing password
  The signing certificate carries the holder's name, address, date of birth
  and sex, so the card protects it with the signing password; the signing
  public key is only available from it (card.md §4.1, rules.md CERT-10,
  field-reports.md B5). Key and PIN EFs are internal and never readable.

  Background:
    Given the JPKI application is selected

  @B5 @B4
  Scenario: Reading the signing certificate before the signing password is refused with 6982
    When I select EF 0001
    Then the status word is 9000
    When I read 4 bytes at offset 0
    Then the status word is 6982

  Scenario: Reading the signing certificate by SFI before the signing password is refused with 6982
    When I send "00 B0 81 00 04"
    Then the status word is 6982

  @pin
  Scenario: The signing certificate is readable after the signing password
    Given the signing password has been verified
    When I read the signing certificate
    Then the status word is 9000
    And the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption

  @pin
  Scenario: A VERIFY of the signing password built by the client opens the signing certificate
    A client that builds the VERIFY itself sends the header, Lc and the password's
    bytes as they are, without padding, after SELECT EF 001B.
    Given I select EF 001B
    When I send "00 20 00 80" with the signing password as its data
    Then the status word is 9000
    When I read the signing certificate
    Then the status word is 9000

  @pin
  Scenario: The auth PIN does not open the signing certificate
    Given the auth PIN has been verified
    When I select EF 0001
    And I read 4 bytes at offset 0
    Then the status word is 6982

  @pin
  Scenario Outline: The internal EF <fid> (<content>) is never readable
    Given the auth PIN has been verified
    And the signing password has been verified
    When I select EF <fid>
    And I read 4 bytes at offset 0
    Then the status word is 6981

    Examples:
      | fid  | content             |
      | 0017 | auth private key    |
      | 0018 | auth PIN            |
      | 001A | signing private key |
      | 001B | signing password    |

  Scenario: READ BINARY with no current EF is not allowed
    When I read 4 bytes at offset 0
    Then the status word is 6986
