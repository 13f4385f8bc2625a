@destructive
Feature: Changing a PIN with CHANGE REFERENCE DATA
  After a VERIFY of the current value, 00 24 01 80 Lc <new> sets a new value.
  The card checks the length and character set of the new value and answers
  6A80 to one outside the format, changing nothing (card.md §5.5; docs/card-behaviour.md Q5).

  Background:
    Given the JPKI application is selected

  @PIN-06
  Scenario: The auth PIN can be changed after it was verified
    Given the auth PIN has been verified
    When I change the auth PIN to a new valid value
    Then the status word is 9000
    And the new auth PIN verifies
    And the old auth PIN is refused

  @PIN-01
  Scenario Outline: The signing password can be changed to <new>
    Given the signing password has been verified
    When I change the signing password to <new>
    Then the status word is 9000
    And the new signing password verifies

    Examples:
      | new                    |
      | a new valid value      |
      | a 6-character value    |
      | a 16-character value   |

  Scenario Outline: Changing the <pin> without verifying it first is refused with 6982
    When I change the <pin> to a new valid value
    Then the status word is 6982
    And the <pin> is unchanged

    Examples:
      | pin              |
      | auth PIN         |
      | signing password |

  @PIN-06
  Scenario Outline: A new auth PIN outside 4 digits is refused with 6A80 (<new>)
    Given the auth PIN has been verified
    When I change the auth PIN to <new>
    Then the status word is 6A80
    And the auth PIN is unchanged

    Examples:
      | new                   |
      | a 3-digit value       |
      | a 5-digit value       |
      | a value with a letter |

  @PIN-01 @PIN-03
  Scenario Outline: A new signing password outside 6-16 of A-Z and 0-9 is refused with 6A80 (<new>)
    Given the signing password has been verified
    When I change the signing password to <new>
    Then the status word is 6A80
    And the signing password is unchanged

    Examples:
      | new                   |
      | a 5-character value   |
      | a 17-character value  |
      | a lowercase value     |
      | a value with a symbol |

  @RETRY-05
  Scenario: A blocked auth PIN cannot be changed
    When I enter a wrong auth PIN 3 times
    And I change the auth PIN to a new valid value
    Then the status word is 6984
