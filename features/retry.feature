Feature: PIN retry counters, lockout and the empty VERIFY
  The auth PIN locks after 3 consecutive wrong entries and the signing
  password after 5; a correct entry restores the counter; the empty VERIFY
  00 20 00 80 reports the counter as 63Cx without using a try, and never
  answers 9000 (card.md §5.4, §6; rules.md RETRY-*).

  Background:
    Given the JPKI application is selected

  @RETRY-01 @RETRY-02 @RETRY-07
  Scenario Outline: A fresh card reports every try of the <pin> as 63C<tries>
    When I query the retry counter of the <pin>
    Then the status word is 63C<tries>

    Examples:
      | pin              | tries |
      | auth PIN         | 3     |
      | signing password | 5     |

  @RETRY-07
  Scenario: The empty VERIFY does not use a try
    When I query the retry counter of the auth PIN
    And I query the retry counter of the auth PIN
    And I query the retry counter of the auth PIN
    Then the status word is 63C3
    And the auth PIN has 3 tries left

  @RETRY-07 @B12 @pin
  Scenario Outline: The empty VERIFY right after a correct VERIFY of the <pin> answers 63C<tries>, not 9000
    When I verify the <pin> with the correct value
    Then the status word is 9000
    When I query the retry counter of the <pin>
    Then the status word is 63C<tries>

    Examples:
      | pin              | tries |
      | auth PIN         | 3     |
      | signing password | 5     |

  @RETRY-07
  Scenario: The empty VERIFY by SFI reports the counter without selecting the PIN EF
    When I query the retry counter of the signing password by SFI
    Then the status word is 63C5

  @pin
  Scenario: VERIFY by SFI with the correct auth PIN answers 9000
    When I verify the auth PIN by SFI with the correct value
    Then the status word is 9000

  @destructive @RETRY-06
  Scenario Outline: A wrong <pin> answers 63Cx with the tries left
    When I verify the <pin> with a wrong value
    Then the status word is 63C<left>
    And the <pin> has <left> tries left

    Examples:
      | pin              | left |
      | auth PIN         | 2    |
      | signing password | 4    |

  @destructive @RETRY-02 @RETRY-05 @RETRY-06
  Scenario: Three wrong auth PINs block it; the exhausting try answers 63C0, later ones 6984
    When I enter a wrong auth PIN 3 times
    Then the status word is 63C0
    And the auth PIN is blocked
    When I verify the auth PIN with the correct value
    Then the status word is 6984
    When I verify the auth PIN with a wrong value
    Then the status word is 6984
    When I query the retry counter of the auth PIN
    Then the status word is 63C0

  @destructive @RETRY-01 @RETRY-05 @RETRY-06
  Scenario: Five wrong signing passwords block it; the exhausting try answers 63C0, later ones 6984
    When I enter a wrong signing password 4 times
    Then the status word is 63C1
    When I verify the signing password with a wrong value
    Then the status word is 63C0
    And the signing password is blocked
    When I verify the signing password with the correct value
    Then the status word is 6984

  @destructive @RETRY-03
  Scenario Outline: A correct <pin> restores the counter after wrong entries
    When I enter a wrong <pin> <wrong> times
    Then the <pin> has <left> tries left
    When I verify the <pin> with the correct value
    Then the status word is 9000
    And the <pin> has all its tries left

    Examples:
      | pin              | wrong | left |
      | auth PIN         | 2     | 1    |
      | signing password | 4     | 1    |

  @destructive @RETRY-05
  Scenario: A blocked signing password keeps the signing certificate and key closed, even after the correct value
    When I enter a wrong signing password 5 times
    And I verify the signing password with the correct value
    Then the status word is 6984
    When I select EF 0001
    And I read 4 bytes at offset 0
    Then the status word is 6982
    When I sign a SHA-256 DigestInfo of "blocked" with the signing key
    Then the status word is 6982

  @destructive @RETRY-04
  Scenario: Retry counters survive a reset and a power cycle
    When I verify the auth PIN with a wrong value
    And the card is reset
    And I select the JPKI application
    Then the auth PIN has 2 tries left
    When the card is powered off and on again
    And I select the JPKI application
    Then the auth PIN has 2 tries left

  @destructive
  Scenario: The two counters are independent
    When I enter a wrong auth PIN 2 times
    Then the signing password has all its tries left
    And the auth PIN has 1 try left

  @destructive @PIN-03
  Scenario: A lowercase signing password is a wrong password and costs a try
    When I verify the signing password in lowercase
    Then the status word is 63C4

  @destructive @PIN-05
  Scenario Outline: VERIFY data longer than the <pin>'s maximum answers 6700 and costs no try
    When I verify the <pin> with a wrong value of <length> characters
    Then the status word is 6700
    And the <pin> has all its tries left

    Examples:
      | pin              | length |
      | auth PIN         | 5      |
      | signing password | 17     |

  @destructive @PIN-06
  Scenario: A 3-digit auth PIN is compared and counted as a wrong try
    When I verify the auth PIN with a wrong value of 3 characters
    Then the status word is 63C2
