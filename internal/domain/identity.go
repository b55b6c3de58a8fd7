package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// LuhnDigit is the check digit that makes payload pass the Luhn (mod 10) test, as used by personnummer,
// organisation numbers, bankgiro and plusgiro: from the right, every other digit is doubled.
func LuhnDigit(payload string) int {
	sum := 0
	for i := range payload {
		d := int(payload[len(payload)-1-i] - '0')
		if i%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// luhnOK checks the last digit of digits against the rest.
func luhnOK(digits string) bool {
	return len(digits) > 1 && LuhnDigit(digits[:len(digits)-1]) == int(digits[len(digits)-1]-'0')
}

func onlyDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ParsePersonnummer accepts YYMMDD-NNNN, YYMMDD+NNNN (100 years or older), YYYYMMDDNNNN, YYYYMMDD-NNNN and
// YYMMDDNNNN, checks the date (samordningsnummer: day + 60) and the checksum, and returns the canonical
// 12-digit form YYYYMMDD-NNNN. now decides the century of a 10-digit number.
func ParsePersonnummer(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	plus := strings.Contains(s, "+")
	if i := strings.IndexAny(s, "-+"); i >= 0 && (i != len(s)-5 || strings.Count(s, "-")+strings.Count(s, "+") != 1) {
		return "", fmt.Errorf("personnummer: %w", ErrInvalid) // the separator goes before the last four digits
	}
	digits := strings.ReplaceAll(s, " ", "")
	digits = strings.NewReplacer("-", "", "+", "").Replace(digits)
	if !onlyDigits(digits) || (len(digits) != 10 && len(digits) != 12) {
		return "", fmt.Errorf("personnummer: %w", ErrInvalid)
	}
	var century int
	if len(digits) == 12 {
		fmt.Sscanf(digits[:2], "%d", &century)
		digits = digits[2:]
	} else {
		var yy int
		fmt.Sscanf(digits[:2], "%d", &yy)
		century = now.Year() / 100
		if yy > now.Year()%100 {
			century--
		}
		if plus {
			century--
		}
	}
	var yy, mm, dd int
	fmt.Sscanf(digits[0:2], "%d", &yy)
	fmt.Sscanf(digits[2:4], "%d", &mm)
	fmt.Sscanf(digits[4:6], "%d", &dd)
	if dd > 60 { // samordningsnummer
		dd -= 60
	}
	year := century*100 + yy
	born := time.Date(year, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if mm < 1 || mm > 12 || dd < 1 || born.Day() != dd || born.Month() != time.Month(mm) || born.After(now) {
		return "", fmt.Errorf("personnummer date: %w", ErrInvalid)
	}
	if !luhnOK(digits) {
		return "", fmt.Errorf("personnummer checksum: %w", ErrInvalid)
	}
	return fmt.Sprintf("%02d%s-%s", century, digits[:6], digits[6:]), nil
}

// ParseOrgNumber accepts NNNNNN-NNNN or ten digits (an optional "16" prefix too), checks that the third
// digit is at least 2 (legal entities) and the checksum, and returns NNNNNN-NNNN.
func ParseOrgNumber(s string) (string, error) {
	digits := strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))
	if len(digits) == 12 && strings.HasPrefix(digits, "16") {
		digits = digits[2:]
	}
	if !onlyDigits(digits) || len(digits) != 10 {
		return "", fmt.Errorf("organisationsnummer: %w", ErrInvalid)
	}
	if digits[2] < '2' {
		return "", fmt.Errorf("organisationsnummer: %w", ErrInvalid)
	}
	if !luhnOK(digits) {
		return "", fmt.Errorf("organisationsnummer checksum: %w", ErrInvalid)
	}
	return digits[:6] + "-" + digits[6:], nil
}

// ParsePostalCode accepts "12345" or "123 45" and returns "123 45".
func ParsePostalCode(s string) (string, error) {
	digits := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if !onlyDigits(digits) || len(digits) != 5 || digits[0] == '0' {
		return "", fmt.Errorf("postal code: %w", ErrInvalid)
	}
	return digits[:3] + " " + digits[3:], nil
}

// ParsePhone accepts digits with spaces, dashes, parentheses and a leading +, between 6 and 15 digits,
// and returns it with runs of white space collapsed.
func ParsePhone(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	n := 0
	for i, r := range s {
		switch {
		case unicode.IsDigit(r):
			n++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')':
		default:
			return "", fmt.Errorf("phone: %w", ErrInvalid)
		}
	}
	if n < 6 || n > 15 {
		return "", fmt.Errorf("phone: %w", ErrInvalid)
	}
	return s, nil
}
