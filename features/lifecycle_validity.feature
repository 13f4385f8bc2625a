@rules
Feature: How long the certificates live, and when they can be renewed
  Each certificate runs to the holder's 5th birthday after issuance, capped by
  the card's own expiry and, for a foreign resident with a period of stay, by
  its end; renewed with fewer than 3 months left it runs to the 6th birthday.
  Renewal opens 3 months before the expiry. Birthdays are counted the Japanese
  way: a person is older from the birthday itself, and someone born on
  29 February is older from 1 March in a common year (Civil Code art. 143(2);
  the choice is this project's, the JPKI sources do not say). These scenarios
  check the rules alone; no card is involved.

  @VALID-01 @VALID-04
  Scenario Outline: Issued on <issued> to a holder born on <birth>, the certificates run to the 5th birthday, <expiry>
    Given a holder born on <birth>
    When the certificates are issued on <issued>
    Then both certificates expire on <expiry> at 23:59:59 Japan time
    And the expiry follows VALID-01

    Examples:
      | birth      | issued     | expiry     |
      | 1990-06-15 | 2026-04-01 | 2030-06-15 |
      | 1980-02-17 | 2025-10-27 | 2030-02-17 |
      | 1990-06-15 | 2026-06-15 | 2031-06-15 |
      | 1990-06-15 | 2026-06-16 | 2031-06-15 |
      | 2000-02-29 | 2026-04-01 | 2031-03-01 |
      | 2000-02-29 | 2027-04-01 | 2032-02-29 |

  @VALID-01 @VALID-03 @VALID-05
  Scenario: The card's own expiry caps the certificates, and is a different date
    Given a holder born on 1990-06-15
    And the card expires on 2029-01-10
    When the certificates are issued on 2026-04-01
    Then both certificates expire on 2029-01-10 at 23:59:59 Japan time
    And the expiry follows VALID-01, VALID-05

  @VALID-05
  Scenario Outline: A card applied for at <age> runs to the <n>th birthday after issuance
    Given a holder born on <birth>
    Then a card applied for on <applied> and issued on <issued> expires on <expiry>

    Examples:
      | age               | birth      | applied    | issued     | expiry     | n  |
      | 35                | 1990-06-15 | 2026-03-01 | 2026-04-01 | 2035-06-15 | 10 |
      | 16                | 2010-01-01 | 2026-01-10 | 2026-02-01 | 2031-01-01 | 5  |
      | 18, before 2022-04 | 2004-01-01 | 2022-03-31 | 2022-05-01 | 2027-01-01 | 5  |
      | 18, from 2022-04  | 2004-01-01 | 2022-04-01 | 2022-05-01 | 2032-01-01 | 10 |

  @VALID-02 @RENEW-01
  Scenario: Renewed with fewer than 3 months left, the certificates run to the 6th birthday
    Given a holder born on 1990-06-15
    When the certificates are renewed on 2030-04-01 from certificates expiring on 2030-06-15
    Then both certificates expire on 2035-06-15 at 23:59:59 Japan time
    And the expiry follows VALID-01, VALID-02

  @VALID-02
  Scenario: Renewed 3 months before the expiry to the day, the certificates still run to the 6th birthday
    Given a holder born on 1990-06-15
    When the certificates are renewed on 2030-03-15 from certificates expiring on 2030-06-15
    Then both certificates expire on 2035-06-15 at 23:59:59 Japan time

  @VALID-06
  Scenario: A foreign resident's certificates end with the period of stay
    Given a holder born on 1990-06-15
    And the holder is a foreign resident whose period of stay ends on 2028-03-31
    When the certificates are issued on 2026-04-01
    Then both certificates expire on 2028-03-31 at 23:59:59 Japan time
    And the expiry follows VALID-01, VALID-06

  @VALID-06
  Scenario Outline: A <status> resident's certificates run to the 5th birthday
    Given a holder born on 1990-06-15
    And the holder is a <status> resident
    When the certificates are issued on 2026-04-01
    Then both certificates expire on 2030-06-15 at 23:59:59 Japan time

    Examples:
      | status            |
      | permanent         |
      | special-permanent |

  @RENEW-01
  Scenario Outline: Renewal is <state> on <on> for certificates expiring on 2030-06-15
    Then for certificates expiring on 2030-06-15 renewal is <state> on <on>
    And renewal opens on 2030-03-15 under <rule>

    Examples:
      | on         | state  | rule     |
      | 2030-03-14 | closed | RENEW-01 |
      | 2030-03-15 | open   | RENEW-01 |
      | 2030-06-15 | open   | RENEW-01 |

  @RENEW-04
  Scenario: After the expiry a new certificate can be issued while the card is valid
    Given the card expires on 2035-06-15
    Then for certificates expiring on 2030-06-15 renewal is open on 2031-01-01
    And renewal opens on 2030-03-15 under RENEW-04

  @RENEW-04
  Scenario: After the card itself expired, no certificate can be issued on it
    Given the card expires on 2030-12-31
    Then for certificates expiring on 2030-06-15 renewal is closed on 2031-01-01

  @RENEW-01
  Scenario: Renewal windows follow the month's last day
    Then for certificates expiring on 2026-05-31 renewal is open on 2026-02-28
    And renewal opens on 2026-02-28 under RENEW-01

  @RENEW-02
  Scenario: The expiry notice comes 2 to 3 months ahead
    Then the expiry notice for certificates expiring on 2030-06-15 is expected from 2030-03-15 to 2030-04-15

  @VALID-07
  Scenario Outline: After the expiry <service> <is> usable
    Then "<service>" <is> usable on 2030-08-01 with certificates that expired on 2030-06-15

    Examples:
      | service          | is     |
      | e-tax-signing    | is not |
      | mynaportal       | is not |
      | kiosk-resident-record | is not |
      | photo-id         | is     |
      | health-insurance | is     |

  @VALID-07
  Scenario: Health insurance's grace period ends 3 months after the expiry
    Then "health-insurance" is not usable on 2030-09-16 with certificates that expired on 2030-06-15
