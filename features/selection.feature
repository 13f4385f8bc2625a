@CERT-08
Feature: Selecting the JPKI application and its files
  Every client starts by selecting the JPKI application by its DF name
  D3 92 F0 00 26 01 00 00 00 01, then selects EFs by FID inside it
  (card.md §2, §5.1). After reset the GlobalPlatform security domain is the
  current DF.

  Scenario: Selecting the JPKI application without FCI answers 9000 and no data
    When I send "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
    Then the status word is 9000
    And the response has no data

  Scenario: Selecting the JPKI application with P2=00 returns a minimal FCI
    When I send "00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01 00"
    Then the status word is 9000
    And the response data is "6F 0C 84 0A D3 92 F0 00 26 01 00 00 00 01"

  Scenario: Selecting by a unique prefix of the DF name selects the JPKI application
    When I send "00 A4 04 0C 05 D3 92 F0 00 26"
    And I select EF 0006
    Then the status word is 9000

  Scenario Outline: An application the card does not have is not found (<what>)
    When I send "<command>"
    Then the status word is 6A82

    Examples:
      | what                             | command                                         |
      | JPKI AID with a wrong last byte  | 00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 99    |
      | PIV application                  | 00 A4 04 0C 09 A0 00 00 03 08 00 00 10 00       |
      | DF name longer than the JPKI AID | 00 A4 04 0C 0B D3 92 F0 00 26 01 00 00 00 01 00 |

  Scenario: Select MF is refused right after reset, when the security domain is current
    When I send "00 A4 00 00"
    Then the status word is 6A86

  Scenario: Select MF with an application selected answers 9000 and leaves the application current
    Given the JPKI application is selected
    When I send "00 A4 00 00"
    Then the status word is 9000
    When I select EF 000A
    Then the status word is 9000

  Scenario: The MF cannot be selected by its file identifier
    When I send "00 A4 02 0C 02 3F 00"
    Then the status word is 6A82

  Scenario: The JPKI EFs are not reachable before the application is selected
    When I select EF 000A
    Then the status word is 6A82

  Scenario Outline: Every JPKI EF can be selected by FID (<fid>, <content>)
    Given the JPKI application is selected
    When I select EF <fid>
    Then the status word is 9000

    Examples:
      | fid  | content                     |
      | 0001 | signing certificate         |
      | 0002 | signing CA certificate      |
      | 0006 | token info                  |
      | 0008 | certificate presence flags  |
      | 000A | auth certificate            |
      | 000B | auth CA certificate         |
      | 0017 | auth private key            |
      | 0018 | auth PIN                    |
      | 001A | signing private key         |
      | 001B | signing password            |

  Scenario: An EF the application does not have is not found
    Given the JPKI application is selected
    When I select EF ABCD
    Then the status word is 6A82
