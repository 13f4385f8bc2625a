Feature: The next-generation card is not modelled
  The Digital Agency's task force plans a next-generation card: 10-year
  certificates, ECDSA P-384, two applications instead of four, two PINs instead
  of four, renewal from a year before expiry. The public record calls all of it
  uncertain until the final report, so jpkisim models today's card; these
  scenarios pin that choice down, and will change when the plan is final.

  @NEXT-01 @rules
  Scenario: Certificates still run to the 5th birthday, not 10 years
    Given a holder born on 1990-06-15
    When the certificates are issued on 2026-04-01
    Then both certificates expire on 2030-06-15 at 23:59:59 Japan time

  @NEXT-02
  Scenario: Certificates are still RSA-2048 with sha256WithRSAEncryption, not ECDSA P-384
    Given the JPKI application is selected
    When I read the auth certificate
    Then the certificate is an RSA-2048 certificate with exponent 65537 signed with sha256WithRSAEncryption

  @NEXT-03
  Scenario: The JPKI application still answers to its current DF name
    When I send "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
    Then the status word is 9000

  @NEXT-04 @rules
  Scenario: Renewal still opens 3 months before the expiry, not a year
    Then for certificates expiring on 2030-06-15 renewal is closed on 2029-07-01
    And renewal opens on 2030-03-15 under RENEW-01

  @NEXT-05
  Scenario: The JPKI application still has its two PINs with 3 and 5 tries
    Given the JPKI application is selected
    Then the auth PIN has 3 tries left
    And the signing password has 5 tries left
