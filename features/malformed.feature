Feature: Malformed and unsupported C-APDUs get a status word
  Every C-APDU, however malformed, gets a two-byte status word and changes
  nothing: wrong class 6E00, unknown instruction 6D00, wrong parameters 6A86,
  wrong length 6700 (ISO/IEC 7816-4 §5.6; card.md §10).

  Background:
    Given the JPKI application is selected

  Scenario Outline: <what> is answered <sw>
    When I send "<command>"
    Then the status word is <sw>

    Examples:
      | what                                      | command                          | sw   |
      | SELECT with P1=08 (path)                  | 00 A4 08 0C 02 00 0A             | 6A86 |
      | SELECT by DF name with P2=04 (FCP)        | 00 A4 04 04 05 D3 92 F0 00 26 00 | 6A86 |
      | SELECT EF with a 3-byte FID               | 00 A4 02 0C 03 00 0A 00          | 6700 |
      | SELECT by DF name with no name            | 00 A4 04 0C                      | 6700 |
      | a C-APDU of 2 bytes                       | 00 A4                            | 6700 |
      | Lc longer than the data                   | 00 A4 02 0C 03 00                | 6700 |
      | an extended Lc with a short Le            | 00 A4 02 0C 00 00 02 00 0A 00    | 6700 |
      | READ BINARY with a data field             | 00 B0 00 00 01 00                | 6700 |
      | READ BINARY without Le                    | 00 B0 00 00                      | 6700 |
      | READ BINARY with SFI bits 6-7 set         | 00 B0 E1 00 04                   | 6A86 |
      | READ BINARY of an SFI the card lacks      | 00 B0 83 00 04                   | 6A82 |
      | VERIFY with P1=01                         | 00 20 01 98                      | 6A86 |
      | VERIFY with P2=00                         | 00 20 00 00                      | 6A86 |
      | VERIFY with no current EF                 | 00 20 00 80                      | 6986 |
      | VERIFY of an SFI that is not a PIN        | 00 20 00 8A                      | 6A88 |
      | COMPUTE DIGITAL SIGNATURE with P2=00      | 80 2A 00 00 01 00 00             | 6A86 |
      | COMPUTE DIGITAL SIGNATURE by a non-key    | 80 2A 00 8A 01 00 00             | 6A88 |
      | GET CHALLENGE with an extended Le         | 00 84 00 00 00 00 08             | 6985 |

    @destructive
    Examples: commands outside the read-only set, which a card that is not virtual never gets without --allow-destructive
      | what                                      | command                          | sw   |
      | an unsupported class 90                   | 90 A4 04 0C 02 00 01             | 6E00 |
      | an unsupported class A0                   | A0 B0 00 00 04                   | 6E00 |
      | an unknown instruction                    | 00 12 00 00                      | 6D00 |
      | an unknown proprietary instruction        | 80 12 00 00                      | 6D00 |
      | a secure-messaging READ BINARY            | 08 B0 00 00 04                   | 69FC |
      | SET SESSION KEY in the JPKI application   | 80 AE 00 00 01 00                | 6982 |
      | the iPhone last-command indicator         | 80 FC 00 00                      | 6700 |

    @destructive
    Examples: commands that carry a PIN value
      | what                                      | command                          | sw   |
      | CHANGE REFERENCE DATA with P1=00          | 00 24 00 98 04 31 31 31 31       | 6A86 |

  Scenario: GET CHALLENGE returns exactly Le random bytes
    When I send "00 84 00 00 08"
    Then the status word is 9000
    And the response has 8 bytes of data

  @destructive
  Scenario: A malformed VERIFY changes nothing
    When I send "00 20 00 98 09 31"
    Then the status word is 6700
    And the auth PIN has all its tries left
