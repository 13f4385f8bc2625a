@rules
Feature: What revokes, holds or keeps each certificate; fees; PIN resets
  A change of name, address, date of birth or sex revokes the signing
  certificate only; death revokes both; moving abroad lapses the signing
  certificate (and the card without the continued-use procedure); a loss
  report holds both until the office lifts the hold. Relying parties see the
  status through CRL and OCSP, with the reason codes below. These scenarios
  check the rules alone; the OCSP side is checked end to end in package pki.

  @REVOKE-01 @REVOKE-05 @CERT-04 @RP-04
  Scenario Outline: A <event> revokes the signing certificate only
    Then "<event>" leaves the signing certificate revoked with reason affiliationChanged under REVOKE-01
    And "<event>" leaves the auth certificate unchanged under REVOKE-05

    Examples:
      | event             |
      | name-change       |
      | address-change    |
      | birth-date-change |
      | sex-change        |

  @REVOKE-02 @REVOKE-05
  Scenario: Death revokes both certificates
    Then "death" leaves the signing certificate revoked with reason cessationOfOperation under REVOKE-02
    And "death" leaves the auth certificate revoked under REVOKE-05

  @REVOKE-03 @RP-04
  Scenario Outline: <event> revokes the <cert> certificate with reason <reason>
    Then "<event>" leaves the <cert> certificate revoked with reason <reason> under REVOKE-03

    Examples:
      | event          | cert    | reason               |
      | revoke-signing | signing | cessationOfOperation |
      | revoke-auth    | auth    | cessationOfOperation |
      | key-compromise | signing | keyCompromise        |
      | key-compromise | auth    | keyCompromise        |

  @REVOKE-04 @ABROAD-03 @ABROAD-04
  Scenario: Moving abroad with continued use lapses the signing certificate only
    Then "departure-continued-use" leaves the signing certificate revoked under ABROAD-03
    And "departure-continued-use" leaves the auth certificate unchanged under ABROAD-04

  @ABROAD-02
  Scenario: Moving abroad without the procedure lapses the card and both certificates
    Then "departure" leaves the signing certificate revoked under ABROAD-02
    And "departure" leaves the auth certificate revoked under ABROAD-02

  @ABROAD-01
  Scenario Outline: For a departure on 2026-09-01 the continued-use application is <state> on <on>
    Then for a departure on 2026-09-01 the continued-use application is <state> on <on>

    Examples:
      | on         | state    |
      | 2026-08-31 | accepted |
      | 2026-09-01 | refused  |

  @ABROAD-05
  Scenario Outline: A <nationality> national who left Japan on <left> <can> apply for a card abroad
    Then a <nationality> national who left Japan on <left> <can> apply for a card abroad

    Examples:
      | nationality | left       | can    |
      | Japanese    | 2015-10-06 | can    |
      | Japanese    | 2015-10-05 | cannot |
      | foreign     | 2020-01-01 | cannot |

  @ABROAD-06
  Scenario Outline: From abroad, <service> <is> usable
    Then "<service>" <is> usable from abroad

    Examples:
      | service               | is     |
      | mynaportal            | is     |
      | e-tax-signing         | is     |
      | kiosk-family-register | is     |
      | kiosk-resident-record | is not |

  @HOLD-01 @HOLD-02 @RP-04
  Scenario: A loss report holds both certificates, and the office lifts the hold
    Then "loss" leaves the signing certificate suspended with reason certificateHold under HOLD-01
    And "loss" leaves the auth certificate suspended with reason certificateHold under HOLD-01
    And "found" leaves the signing certificate valid under HOLD-02
    And a hold on a card is lifted at the office

  @HOLD-03 @PHONE-04 @UNLOCK-05
  Scenario: A hold on a phone is lifted in the app
    Then a hold on a phone is lifted in the app

  @RP-01 @RP-02 @RP-03
  Scenario Outline: A <party> gets revocation information <how>
    Then a <party> gets revocation information <how>

    Examples:
      | party             | how                          |
      | government        | directly                     |
      | court             | directly                     |
      | approved-business | directly                     |
      | service-provider  | through a platform operator  |

  @FEE-01 @FEE-02 @FEE-03 @FEE-04 @RENEW-03
  Scenario Outline: <operation> costs <yen> yen
    Then "<operation>" costs <yen> yen under <rule>

    Examples:
      | operation          | yen  | rule   |
      | first-issuance     | 0    | FEE-01 |
      | renewal            | 0    | FEE-01 |
      | reissue-card       | 800  | FEE-02 |
      | reissue-with-certs | 1000 | FEE-02 |
      | reissue-free       | 0    | FEE-03 |
      | revocation-request | 0    | FEE-04 |

  @UNLOCK-01 @UNLOCK-02 @UNLOCK-04
  Scenario Outline: A holder who <knows> the other JPKI PIN can reset the <pin> <where>
    Then a holder who <knows> the other JPKI PIN can reset the <pin> <where>

    Examples:
      | knows          | pin              | where                           |
      | knows          | signing password | at a kiosk and at the office    |
      | knows          | auth PIN         | at a kiosk and at the office    |
      | has forgotten  | signing password | only at the office              |
      | has forgotten  | auth PIN         | only at the office              |
      | knows          | Kenhojo PIN      | only at the office              |
      | knows          | Juki PIN         | only at the office              |

  @UNLOCK-03
  Scenario Outline: A kiosk <takes> PIN resets at <time>
    Then a kiosk <takes> PIN resets at <time> Japan time

    Examples:
      | time  | takes         |
      | 06:29 | does not take |
      | 06:30 | takes         |
      | 22:59 | takes         |
      | 23:00 | does not take |

  @PHONE-01 @PHONE-02
  Scenario Outline: On <on> phone certificates <can> be set up on <platform>
    Then on <on> phone certificates <can> be set up on <platform>

    Examples:
      | on         | platform | can    |
      | 2023-05-10 | android  | cannot |
      | 2023-05-11 | android  | can    |
      | 2025-06-23 | iphone   | cannot |
      | 2025-06-24 | iphone   | can    |

  @PHONE-01
  Scenario: Phone certificates need a card with a valid signing certificate
    Then on 2026-01-01 phone certificates cannot be set up on android without a valid signing certificate
