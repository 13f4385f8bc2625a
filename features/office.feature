@embedded @profile
Feature: The office and the kiosk act on the card
  A holder takes the card to the municipal office, or to a kiosk, to reset a
  locked PIN or to renew the certificates, and the card comes back with new
  reference data, or new keys and certificates. These scenarios take the
  embedded card there and check it afterwards through its APDUs, as any
  client would. An operation the rules forbid is refused under its rule, and
  the card comes back as it went.

  Background:
    Given the card of the "default" profile
    And the JPKI application is selected

  @UNLOCK-01 @destructive @pin
  Scenario: The office resets a locked signing password
    Given I enter a wrong signing password 5 times
    And the signing password is blocked
    When the office resets the signing password
    Then the office did it
    When the card is inserted again
    And I select the JPKI application
    Then the signing password has all its tries left
    When I verify the signing password with the correct value
    Then the status word is 9000

  @UNLOCK-02 @destructive @pin
  Scenario: A kiosk resets a locked auth PIN on proof of the signing password
    Given I enter a wrong auth PIN 3 times
    When a kiosk resets the auth PIN on proof of the correct signing password
    Then the office did it
    When the card is inserted again
    And I select the JPKI application
    And I verify the auth PIN with the correct value
    Then the status word is 9000

  @UNLOCK-02 @destructive
  Scenario: A wrong proof at the kiosk costs a try and resets nothing
    The kiosk checks the proof the way the card checks a VERIFY: the try is
    spent before the comparison.
    Given I enter a wrong signing password 5 times
    When a kiosk resets the signing password on proof of the wrong auth PIN
    Then the office refused under UNLOCK-02
    When the card is inserted again
    And I select the JPKI application
    Then the auth PIN has 2 tries left
    And the signing password is blocked

  @UNLOCK-01 @UNLOCK-02 @destructive @pin
  Scenario: With both PINs locked only the office can help
    Given I enter a wrong signing password 5 times
    And I enter a wrong auth PIN 3 times
    When a kiosk resets the signing password on proof of the correct auth PIN
    Then the office refused under UNLOCK-02
    When the office resets the auth PIN
    And a kiosk resets the signing password on proof of the correct auth PIN
    Then the office did it
    When the card is inserted again
    And I select the JPKI application
    Then the auth PIN has all its tries left
    And the signing password has all its tries left

  @RENEW-01 @VALID-02 @pin
  Scenario: A renewal in the last 3 months puts new keys and certificates on the card
    The new certificates run to the 6th birthday; the card signs with the new
    auth key, and the signature verifies with the certificate it now holds.
    When the office renews the certificates on 2030-04-01
    Then the office did it
    When the card is inserted again
    And I select the JPKI application
    And I read the auth certificate
    Then the certificate expires on 2035-06-15 at 23:59:59 Japan time
    Given the auth PIN has been verified
    When I sign a SHA-256 DigestInfo of "renewed" with the auth key
    Then the status word is 9000
    And the signature verifies with the auth certificate

  @RENEW-01
  Scenario: A renewal before the window opens is refused and the card keeps its certificates
    When the office renews the certificates on 2030-03-14
    Then the office refused under RENEW-01
    When the card is inserted again
    And I select the JPKI application
    And I read the auth certificate
    Then the certificate expires on 2030-06-15 at 23:59:59 Japan time

  @AGE-01 @AGE-04 @pin
  Scenario: A holder who turned 15 gets a signing certificate, and EF 0008 shows it
    Given the card of the "under-15" profile
    When the office issues a signing certificate on 2030-05-04 to a holder born 2015-05-05
    Then the office refused under AGE-01
    When the office issues a signing certificate on 2030-05-05 to a holder born 2015-05-05
    Then the office did it
    When the card is inserted again
    And I select the JPKI application
    And I select EF 0008
    And I read 3 bytes at offset 0
    Then the response data is "8F 8F 00"
    Given the signing password has been verified
    When I sign a SHA-256 DigestInfo of "at fifteen" with the signing key
    Then the status word is 9000
    And the signature verifies with the signing certificate

  @REVOKE-01 @REVOKE-05 @HOLD-02
  Scenario: A change of address revokes the signing certificate; a hold that is not there cannot be lifted
    When the office records an address-change
    Then the office did it
    And the office's record shows the signing certificate revoked
    And the office's record shows the auth certificate valid
    When the office records found
    Then the office refused under HOLD-02
