// Package rules holds the rules of the two JPKI certificates as pure
// functions of dates and facts — PIN formats, eligibility, validity,
// renewal, revocation, fees and PIN reset paths — each citing the ID of its
// rule in the project's rule catalogue (rules.md) and its source there.
//
// Dates are calendar dates in Japan. The package does no I/O.
package rules

import (
	"fmt"
	"time"
)

// Date is a calendar date in Japan (no time of day, no zone).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// D builds a date; it does not normalise (see Valid).
func D(y int, m time.Month, d int) Date { return Date{y, m, d} }

// ParseDate reads YYYY-MM-DD and refuses dates that do not exist.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD, an existing day", s)
	}
	return FromTime(t), nil
}

// FromTime takes the calendar date of t in its own location.
func FromTime(t time.Time) Date { return Date{t.Year(), t.Month(), t.Day()} }

// Valid reports whether the date exists.
func (d Date) Valid() bool {
	return d.Month >= 1 && d.Month <= 12 && d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// String is YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// MarshalText gives YYYY-MM-DD in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// IsZero reports the zero date (no date given).
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Before reports d < e.
func (d Date) Before(e Date) bool { return d.time().Before(e.time()) }

// After reports d > e.
func (d Date) After(e Date) bool { return e.Before(d) }

// AddDays moves by n days.
func (d Date) AddDays(n int) Date { return FromTime(d.time().AddDate(0, 0, n)) }

// AddMonths moves by n months; a day the target month lacks becomes its
// last day (Civil Code art. 143(2): a period ends on the last day of a
// month that has no corresponding day), so 2026-05-31 minus 3 months is
// 2026-02-28.
func (d Date) AddMonths(n int) Date {
	y, m := d.Year, int(d.Month)-1+n
	y += m / 12
	m %= 12
	if m < 0 {
		m += 12
		y--
	}
	month := time.Month(m + 1)
	return Date{y, month, min(d.Day, daysIn(y, month))}
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// IsLeap reports a leap year of the Gregorian calendar.
func IsLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// JST is Japan Standard Time (UTC+9, no daylight saving).
var JST = time.FixedZone("JST", 9*3600)

// EndOfDay is 23:59:59 JST of d, the notAfter of a certificate that expires
// on d (card.md §9.1: notAfter ends ...145959Z).
func (d Date) EndOfDay() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 0, JST)
}
