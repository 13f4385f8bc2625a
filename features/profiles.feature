@profile
Feature: Cards in other states: the profiles
  Each profile is a virtual card produced by the rules: a child without a
  signing certificate, locked PINs, expired certificates, a foreign resident,
  a holder abroad, the smartphone tokens. These scenarios run on the embedded
  card only (a reader holds one card, in whatever state it is).

  @AGE-01 @AGE-04
  Scenario: A child's card has no signing certificate
    Given the card of the "under-15" profile
    And the JPKI application is selected
    When I select EF 0008
    And I read 3 bytes at offset 0
    Then the response data is "00 8F 00"
    When I read the auth certificate
    Then the certificate expires at 23:59:59 Japan time
    And the certificate is issued by the auth CA certificate on the card

  @AGE-01 @pin
  Scenario: A child's card cannot sign with the signing key
    Given the card of the "under-15" profile
    And the JPKI application is selected
    And the signing password has been verified
    When I sign a SHA-256 DigestInfo of "seal" with the signing key
    Then the status word is 6985

  @RETRY-01 @RETRY-05
  Scenario: On the signing-locked card the signing password is blocked and the auth PIN works
    Given the card of the "signing-locked" profile
    And the JPKI application is selected
    Then the signing password is blocked
    And the auth PIN has all its tries left

  @RETRY-02 @RETRY-05
  Scenario: On the auth-locked card the auth PIN is blocked and the signing password works
    Given the card of the "auth-locked" profile
    And the JPKI application is selected
    Then the auth PIN is blocked
    And the signing password has all its tries left

  @VALID-01 @VALID-07
  Scenario: The expired card's certificates ended on 2026-01-20
    Given the card of the "expired" profile
    And the JPKI application is selected
    When I read the auth certificate
    Then the certificate expires on 2026-01-20 at 23:59:59 Japan time

  @VALID-06
  Scenario: A foreign resident's certificates end with the period of stay
    Given the card of the "foreign-resident" profile
    And the JPKI application is selected
    When I read the auth certificate
    Then the certificate expires on 2028-03-31 at 23:59:59 Japan time

  @CERT-06 @ABROAD-03 @pin
  Scenario: The signing certificate of a holder abroad shows the planned departure as the address
    Given the card of the "moved-abroad" profile
    And the JPKI application is selected
    And the signing password has been verified
    When I read the signing certificate
    Then the address in the certificate is "国外転出（2026年9月1日転出予定）"

  @PHONE-03 @CERT-09 @CERT-10 @B7
  Scenario: The Android token names itself and keeps the auth certificate behind the auth PIN
    Given the card of the "android" profile
    And the JPKI application is selected
    When I select EF 0006
    And I read 32 bytes at offset 0
    Then the response data is the label "JPKIAPGPSETOKEN" padded with spaces to 32 bytes
    When I send "00 B0 8A 00 04"
    Then the status word is 6982

  @PHONE-03 @pin @B7
  Scenario: On the Android token the auth certificate opens with the auth PIN
    Given the card of the "android" profile
    And the JPKI application is selected
    And the auth PIN has been verified
    When I read the auth certificate
    Then the status word is 9000

  @PHONE-03 @CERT-09 @destructive
  Scenario: The iPhone token names itself and answers the last-command indicator
    Given the card of the "iphone" profile
    And the JPKI application is selected
    When I select EF 0006
    And I read 32 bytes at offset 0
    Then the response data is the label "JPKIAPIOSTOKEN" padded with spaces to 32 bytes
    When I send "80 FC 00 00"
    Then the status word is 9000

  @PHONE-03 @destructive
  Scenario: A physical card answers the last-command indicator with 6700
    Given the JPKI application is selected
    When I send "80 FC 00 00"
    Then the status word is 6700
