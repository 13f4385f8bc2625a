Feature: The card as a whole beside JPKI: card-level objects and which cards have the other applications
  A physical card answers the card-level GET DATA objects while the issuer
  security domain is current, after a reset (card.md §2, §5.9): the issuer
  ID 0042, the serial 0045, the card recognition data 0066, the
  municipality code 00F0, the expiry 00F2, the signer's ID 00F7 and the CV
  certificate 00F8, which needs an extended Le; an absent object answers
  6A88. Which objects a card holds differs by card, so the scenarios that
  compare them with the virtual card's are @embedded. A phone token holds the JPKI application alone, so the four other
  SELECTs answer 6A82, while a card of a holder under 15 has all of them
  (card.md §11, §14.1; rules.md PHONE-01, PHONE-02, AGE-01).

  @embedded
  Scenario Outline: GET DATA <tag> after a reset answers the card-level object
    When I send "00 CA <p1p2> 00"
    Then the status word is 9000
    And the response data is the card-level object <tag>

    Examples:
      | tag  | p1p2  |
      | 0042 | 00 42 |
      | 0045 | 00 45 |
      | 0066 | 00 66 |
      | 00F0 | 00 F0 |
      | 00F2 | 00 F2 |
      | 00F7 | 00 F7 |

  @embedded
  Scenario: The CV certificate 00F8 needs an extended Le
    When I send "00 CA 00 F8 00"
    Then the status word is 6700
    When I send "00 CA 00 F8 00 00 00"
    Then the status word is 9000
    And the response data is the card-level object 00F8

  @embedded
  Scenario: The card holds no 7F21 at card level: 6A88
    When I send "00 CA 7F 21 00 00 00"
    Then the status word is 6A88

  Scenario: Inside an application the card-level objects answer 6A88
    Given the Kenhojo application is selected
    When I send "00 CA 00 F0 00"
    Then the status word is 6A88

  Scenario Outline: GET CHALLENGE in the <app> application answers <n> bytes
    Given the <app> application is selected
    When I send "00 84 00 00 <le>"
    Then the status word is 9000
    And the response has <n> bytes of data

    Examples:
      | app         | le | n   |
      | Kenhojo     | 01 | 1   |
      | Kenkaku     | 08 | 8   |
      | common card | 00 | 256 |
      | Juki        | 10 | 16  |

  Scenario: GET CHALLENGE with an extended Le answers 6985
    Given the Kenkaku application is selected
    When I send "00 84 00 00 00 01 00"
    Then the status word is 6985

  @profile @PHONE-01 @PHONE-02
  Scenario Outline: The <profile> token answers 6A82 to the SELECT of the <app> application
    Given the card of the "<profile>" profile
    When I select the <app> application
    Then the status word is 6A82

    Examples:
      | profile | app         |
      | android | Kenhojo     |
      | android | Kenkaku     |
      | android | common card |
      | android | Juki        |
      | iphone  | Kenhojo     |
      | iphone  | Kenkaku     |
      | iphone  | common card |
      | iphone  | Juki        |

  @profile @AGE-01
  Scenario Outline: The card of a holder under 15 has the <app> application
    Given the card of the "under-15" profile
    When I select the <app> application
    Then the status word is 9000

    Examples:
      | app         |
      | Kenhojo     |
      | Kenkaku     |
      | common card |
      | Juki        |
