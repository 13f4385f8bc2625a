# Attacks on the real-card guard through `jpkisim run --features`, which
# scripts/pcsc-test.sh runs without any flag against `jpkisim serve
# --as-real-card` (docs/guard.md). Every scenario tries to make a VERIFY reach
# another PIN than the one its value belongs to, or to slip a VERIFY past the
# guard in another form. The guard must refuse them (those scenarios fail,
# with "refused by the real-card guard") or the card must answer 9000; either
# way no retry counter moves, which the script checks afterwards.
Feature: no feature can spend a try of a card that is not virtual

  Scenario Outline: a command by SFI that fails, then the configured auth PIN to "the current EF"
    Given the JPKI application is selected
    When I select EF 0018
    And I send "<between>"
    And I send "00 20 00 80" with the auth PIN as its data
    Then the status word is 9000

    Examples:
      | between        |
      | 00 B2 01 DC 00 |
      | 00 B0 9B 00 01 |
      | 00 B0 9B 00    |
      | 00 A4 02 0C 02 00 1B 00 |
      | 00 A4 04 0C 03 D3 92 F0 |

  Scenario Outline: the configured signing password to the auth PIN's EF
    Given the JPKI application is selected
    When I select EF <ef>
    And I send "<verify>" with the signing password as its data
    Then the status word is 9000

    Examples:
      | ef   | verify      |
      | 0018 | 00 20 00 80 |
      | 001B | 00 20 00 98 |
      | 0001 | 00 20 00 80 |

  Scenario Outline: a VERIFY in another form
    Given the JPKI application is selected
    When I select EF 001B
    And I send "<command>"
    Then the status word is 9000

    Examples:
      | command                         |
      | 0C 20 00 80 04 39 39 39 39      |
      | 01 20 00 80 04 39 39 39 39      |
      | 10 20 00 80 04 39 39 39 39      |
      | 80 20 00 80 04 39 39 39 39      |
      | 00 21 00 80 04 39 39 39 39      |
      | 00 24 00 80 04 39 39 39 39      |
      | 00 C2 00 00 09 00 20 00 80 04 39 39 39 39 |
      | 00 20 00 80 09 39               |
      | 00 20 00                        |
      | 00 20 00 80 04 39 39 39 39 00   |
      | 00 20 01 80 04 39 39 39 39      |

  Scenario: the configured signing password after a reset, with no SELECT
    Given the card is reset
    When I send "00 20 00 80" with the signing password as its data
    Then the status word is 9000

  # The other applications of a real card (docs/guard.md, "The other
  # applications"): their PINs, 照合番号 and keys get no configured value, by
  # P2 80 with the EF selected, by SFI, nor by CHANGE REFERENCE DATA or
  # CHANGE KEY. (Until the virtual card has these applications, the SELECT
  # answers 6A82 and the guard refuses for not knowing the application.)
  Scenario Outline: the configured auth PIN to a reference of another application
    Given the JPKI application is selected
    When I send "00 A4 04 0C 0A <aid>"
    And I select EF <ef>
    And I send "<command>" with the auth PIN as its data
    Then the status word is 9000

    Examples:
      | aid                           | ef   | command     |
      | D3 92 10 00 31 00 01 01 04 08 | 0011 | 00 20 00 80 |
      | D3 92 10 00 31 00 01 01 04 08 | 0005 | 00 20 00 91 |
      | D3 92 10 00 31 00 01 01 04 08 | 0014 | 00 20 00 80 |
      | D3 92 10 00 31 00 01 01 04 08 | 0015 | 00 20 00 95 |
      | D3 92 10 00 31 00 01 01 04 08 | 0011 | 00 24 01 80 |
      | D3 92 10 00 31 00 01 01 04 02 | 0011 | 00 20 00 80 |
      | D3 92 10 00 31 00 01 01 04 02 | 0002 | 00 20 00 93 |
      | D3 92 10 00 31 00 01 01 01 00 | 001C | 00 20 00 80 |
      | D3 92 10 00 31 00 01 01 01 00 | 001C | 80 32 00 80 |
      | D3 92 10 00 31 00 01 01 04 01 | 001C | 00 20 00 9C |
      | D3 92 10 00 31 00 01 01 04 01 | 001C | 80 32 00 80 |

  Scenario Outline: from the JPKI application, an SFI that names another application's PIN
    Given the JPKI application is selected
    When I select EF 0018
    And I send "<command>" with the auth PIN as its data
    Then the status word is 9000

    Examples:
      | command     |
      | 00 20 00 91 |
      | 00 20 00 9C |
      | 80 32 00 98 |
