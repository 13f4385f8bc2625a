@rules
Feature: Who may hold which certificate, and what each one is for
  The signing certificate is the electronic counterpart of a registered seal:
  not for under-15s nor adult wards. The auth certificate proves who logs in
  and has no age limit; for minors and wards the legal representative applies.
  No source describes an exception for the signing certificate, so this
  project treats the limit as hard. These scenarios check the rules alone.

  @AGE-01 @AGE-02 @AGE-03
  Scenario Outline: A holder born on <birth> <may> hold a signing certificate on <on>
    Given a holder born on <birth>
    Then on <on> the holder is <age> years old
    And on <on> the holder <may> hold a signing certificate
    And on <on> the holder may hold an auth certificate applied for by <applicant>

    Examples:
      | birth      | on         | age | may     | applicant                |
      | 2011-12-01 | 2026-11-30 | 14  | may not | the legal representative |
      | 2011-12-01 | 2026-12-01 | 15  | may     | the holder               |
      | 2000-02-29 | 2015-02-28 | 14  | may not | the legal representative |
      | 2000-02-29 | 2015-03-01 | 15  | may     | the holder               |
      | 1990-06-15 | 2026-11-29 | 36  | may     | the holder               |

  @AGE-01 @AGE-03
  Scenario: An adult ward gets no signing certificate, but an auth certificate through the guardian
    Given a holder born on 1970-01-01
    And the holder is an adult ward
    Then on 2026-11-29 the holder may not hold a signing certificate
    And on 2026-11-29 the holder may hold an auth certificate applied for by the legal representative

  @CERT-01 @CERT-02
  Scenario Outline: <service> uses the <cert> certificate
    Then "<service>" uses the <cert> certificate

    Examples:
      | service               | cert    |
      | e-tax-signing         | signing |
      | mynaportal            | auth    |
      | kiosk-family-register | auth    |
      | health-insurance      | auth    |

  @PIN-01 @PIN-02 @PIN-03 @PIN-04
  Scenario Outline: "<value>" <is> a valid signing password <when>
    Then "<value>" <is> a valid signing password <when>

    Examples:
      | value             | is     | when        |
      | A98765B           | is     | at issuance |
      | XYZ789            | is     | at issuance |
      | ABCDEF            | is not | at issuance |
      | ABCDEF            | is     | on the chip |
      | 987654            | is not | at issuance |
      | ABCDE             | is not | on the chip |
      | ABCDEFGHIJKLMNOPQ | is not | on the chip |
      | xyz789            | is not | on the chip |
      | ABC-123           | is not | on the chip |

  @PIN-06 @PIN-07
  Scenario Outline: "<value>" <is> a valid 4-digit PIN (auth, Kenhojo and Juki alike)
    Then "<value>" <is> a valid 4-digit PIN

    Examples:
      | value | is     |
      | 2580  | is     |
      | 0000  | is     |
      | 987   | is not |
      | 98765 | is not |
      | 12A4  | is not |

  @RETRY-01 @RETRY-02
  Scenario: The signing password allows 5 tries, every 4-digit PIN 3
    Then the signing password allows 5 tries and each 4-digit PIN 3
