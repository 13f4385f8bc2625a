@CERT-07
Feature: Signing with the two private keys
  COMPUTE DIGITAL SIGNATURE 80 2A 00 80 Lc <DigestInfo> 00 signs with the key
  of the current EF after its PIN was verified; the card pads with PKCS#1
  v1.5 and the signature verifies with the matching certificate. P1 chooses
  the scheme (card.md §5.6).

  Background:
    Given the JPKI application is selected

  @pin
  Scenario: The auth key signs a SHA-256 DigestInfo after the auth PIN
    Given the auth PIN has been verified
    When I sign a SHA-256 DigestInfo of "login challenge" with the auth key
    Then the status word is 9000
    And the signature is 256 bytes long
    And the signature verifies with the auth certificate

  @pin
  Scenario: The signing key signs a SHA-256 DigestInfo after the signing password
    Given the signing password has been verified
    When I sign a SHA-256 DigestInfo of "e-Tax return" with the signing key
    Then the status word is 9000
    And the signature is 256 bytes long
    And the signature verifies with the signing certificate

  Scenario Outline: Signing with the <key> key without its PIN is refused with 6982
    When I sign a SHA-256 DigestInfo of "no PIN" with the <key> key
    Then the status word is 6982

    Examples:
      | key     |
      | auth    |
      | signing |

  @pin
  Scenario: The auth PIN does not open the signing key
    Given the auth PIN has been verified
    When I sign a SHA-256 DigestInfo of "wrong PIN" with the signing key
    Then the status word is 6982

  @pin
  Scenario: The signing password does not open the auth key
    Given the signing password has been verified
    When I sign a SHA-256 DigestInfo of "wrong PIN" with the auth key
    Then the status word is 6982

  @pin
  Scenario Outline: The <key> key named by SFI signs without a SELECT
    Given the <pin> has been verified
    When I sign a SHA-256 DigestInfo of "by SFI" with the <key> key by SFI
    Then the status word is 9000
    And the signature verifies with the <key> certificate

    Examples:
      | key     | pin              |
      | auth    | auth PIN         |
      | signing | signing password |

  @B8 @pin
  Scenario Outline: A <hash> DigestInfo is padded and signed as given
    Given the signing password has been verified
    When I sign a <hash> DigestInfo of "CMS signed attributes" with the signing key
    Then the status word is 9000
    And the signature verifies with the signing certificate

    Examples:
      | hash    |
      | SHA-1   |
      | SHA-384 |
      | SHA-512 |

  @B8 @pin
  Scenario: A DigestInfo without the NULL parameter is padded without being parsed
    Given the auth PIN has been verified
    When I sign a DigestInfo without the NULL parameter with the auth key
    Then the status word is 9000
    And the signature opens with the auth certificate to PKCS#1 v1.5 padding of the data sent

  @pin
  Scenario Outline: Signature scheme P1=<p1> (<scheme>) verifies with the certificate
    Given the auth PIN has been verified
    When I sign "scheme test" with the auth key using P1 <p1>
    Then the status word is 9000
    And the signature verifies with the auth certificate

    Examples:
      | p1 | scheme                                      |
      | 00 | PKCS#1 v1.5 over a host DigestInfo          |
      | 01 | PKCS#1 v1.5 over the bare SHA-256 hash      |
      | 02 | PKCS#1 v1.5 over a given SHA-256 hash       |
      | 03 | PKCS#1 v1.5 over a card-computed SHA-256    |
      | 04 | RSASSA-PSS over a given SHA-256 hash        |
      | 05 | RSASSA-PSS over a card-computed SHA-256     |

  @pin
  Scenario: An unknown signature scheme P1=06 is refused with 6A86
    Given the auth PIN has been verified
    When I sign "scheme test" with the auth key using P1 06
    Then the status word is 6A86

  @pin
  Scenario Outline: Input of the wrong length for P1=<p1> is refused with 6700 (<n> bytes)
    Given the auth PIN has been verified
    When I sign <n> bytes of data with the auth key using P1 <p1>
    Then the status word is 6700

    Examples:
      | p1 | n   |
      | 00 | 246 |
      | 02 | 31  |
      | 04 | 33  |

  @pin
  Scenario: Several signatures follow one VERIFY
    Given the signing password has been verified
    When I sign a SHA-256 DigestInfo of "first" with the signing key
    Then the status word is 9000
    When I sign a SHA-256 DigestInfo of "second" with the signing key
    Then the status word is 9000
    And the signature verifies with the signing certificate
