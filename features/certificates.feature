@CERT-07
Feature: Reading the certificates and checking their profiles
  The auth certificate and both CA certificates are free to read; clients
  read them in chunks after a 4-byte header (card.md §4.1, §9, §12). The card
  holds RSA-2048 keys and sha256WithRSAEncryption certificates.

  Background:
    Given the JPKI application is selected

  @CERT-10
  Scenario Outline: The <which> certificate is readable without any PIN
    When I read the <which> certificate
    Then the status word is 9000
    And the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption

    Examples:
      | which      |
      | auth       |
      | auth CA    |
      | signing CA |

  @CERT-03 @CERT-08
  Scenario: The auth certificate follows the user-authentication profile
    When I read the auth certificate
    Then the certificate's key usage is critical and allows exactly digitalSignature
    And the certificate's extended key usage is clientAuth
    And the certificate carries the JPKI auth certificate policy as a critical extension
    And the certificate's subject is C=JP with a 23-character CN
    And the certificate has no subjectAltName
    And the certificate is issued by the auth CA certificate on the card

  @CERT-03 @CERT-05 @pin
  Scenario: The signing certificate carries the basic 4 information
    Given the signing password has been verified
    When I read the signing certificate
    Then the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption
    And the certificate's key usage is critical and allows exactly digitalSignature and nonRepudiation
    And the certificate carries the JPKI signing certificate policy as a critical extension
    And the certificate carries the basic 4 information in its subjectAltName
    And the date of birth in the certificate is an era digit followed by a Gregorian date
    And the certificate is issued by the signing CA certificate on the card

  Scenario Outline: The <which> CA certificate is a self-signed root for certificate and CRL signing
    When I read the <which> CA certificate
    Then the certificate is a self-signed CA certificate
    And the certificate's key usage is critical and allows exactly keyCertSign and cRLSign

    Examples:
      | which   |
      | auth    |
      | signing |

  @VALID-01
  Scenario: The auth certificate expires at the end of a day in Japan time
    When I read the auth certificate
    Then the certificate expires at 23:59:59 Japan time

  @CERT-09 @B2
  Scenario: The token info names a physical card
    When I select EF 0006
    And I read 32 bytes at offset 0
    Then the status word is 9000
    And the response data is the label "JPKIAPICCTOKEN2" padded with spaces to 32 bytes

  @CERT-09
  Scenario: The token info EF is 160 bytes long
    When I select EF 0006
    And I read 256 bytes at offset 0
    Then the status word is 9000
    And the response has 160 bytes of data

  @AGE-04
  Scenario: The certificate presence flags show both certificates
    When I select EF 0008
    And I read 3 bytes at offset 0
    Then the status word is 9000
    And the response data is "8F 8F 00"

  Scenario: A whole EF comes back in one response to an extended Le by SFI, as jsapdu reads it
    When I send "00 B0 8A 00 00 00 00"
    Then the status word is 9000
    And the response data is the whole auth certificate EF

  Scenario: A read that crosses the end of the EF returns the remaining bytes with 9000
    When I select EF 0008
    And I read 16 bytes at offset 1
    Then the status word is 9000
    And the response data is "8F 00"

  Scenario Outline: A read at or past the end of the EF answers 6B00 (offset <offset>)
    When I select EF 0008
    And I read 1 bytes at offset <offset>
    Then the status word is 6B00

    Examples:
      | offset |
      | 3      |
      | 32767  |
