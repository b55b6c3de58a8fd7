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

// Digits returns the ASCII digits of s, and whether s holds nothing else but runes of allowed: the one
// reading of numbers as people type them (identity numbers, giro numbers, postal codes, searches, the
// erasure hashes).
func Digits(s, allowed string) (digits string, only bool) {
	var b strings.Builder
	only = true
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case !strings.ContainsRune(allowed, r):
			only = false
		}
	}
	return b.String(), only
}

// IDScheme names the kind of identity number an IDError is about.
type IDScheme string

// Identity number schemes.
const (
	SchemePersonnummer IDScheme = "personnummer" // samordningsnummer included
	SchemeOrgNumber    IDScheme = "organisationsnummer"
)

// IDFault is what is wrong with a typed identity number, so the form can say which part to correct.
type IDFault string

// Identity number faults.
const (
	FaultFormat   IDFault = "format"   // not one of the accepted written forms
	FaultSpace    IDFault = "space"    // white space inside the number
	FaultDate     IDFault = "date"     // no such birth date, or one still to come
	FaultPlus     IDFault = "plus"     // "+" (100 or older) on a twelve-digit number of someone younger
	FaultSerial   IDFault = "serial"   // födelsenummer 000, which is never issued
	FaultChecksum IDFault = "checksum" // the check digit does not match
	FaultGroup    IDFault = "group"    // an organisation number's group digit 0
	FaultPersonal IDFault = "personal" // given as an organisation number, but shaped like a personnummer
)

// IDError is an ErrInvalid naming the scheme and the fault of a typed identity number.
type IDError struct {
	Scheme IDScheme
	Fault  IDFault
}

func (e *IDError) Error() string {
	return string(e.Scheme) + " " + string(e.Fault) + ": " + ErrInvalid.Error()
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *IDError) Unwrap() error { return ErrInvalid }

// splitNumber reads the written form personnummer and organisation numbers share: white space around
// the number is dropped and white space inside it refused (is "090527 1474" a short form, or a long one
// missing its century?), and at most one separator from seps may stand, right before the last four
// digits. It returns the digits and the separator, 0 when there is none.
func splitNumber(s string, scheme IDScheme, seps string) (digits string, sep byte, err error) {
	s = strings.TrimSpace(s)
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", 0, &IDError{scheme, FaultSpace}
	}
	if i := len(s) - 5; i > 0 && strings.IndexByte(seps, s[i]) >= 0 {
		sep, s = s[i], s[:i]+s[i+1:]
	}
	if _, only := Digits(s, ""); !only || s == "" {
		return "", 0, &IDError{scheme, FaultFormat}
	}
	return s, sep, nil
}

// ParsePersonnummer accepts a personnummer or samordningsnummer as YYYYMMDDNNNN, YYYYMMDD-NNNN,
// YYMMDD-NNNN, YYMMDDNNNN or YYMMDD+NNNN, and returns the canonical YYYYMMDD-NNNN. The rules are
// Skatteverket's (Rättslig vägledning, "Personnummer"; folkbokföringslagen 18 §):
//   - the birth date is a real date from 1800 on and not after now; a samordningsnummer adds 60 to the
//     day and may give the month or the day as 00 when it is unknown (month 00, day 60);
//   - the födelsenummer is 001–999;
//   - "+" instead of "-" is written from the year the person turns 100, so in the ten-digit form it
//     chooses the century, and in the twelve-digit form it must belong to someone 100 or older that year;
//   - the last digit is the Luhn check digit of the nine before it.
//
// The reference libraries (github.com/personnummer/go, /js, /python) agree on serial 000, on refusing any
// space and on "+" in the ten-digit form, and are followed there. They refuse month 00, and /js and
// /python day 60 too, which Skatteverket issues (personnummer/csharp issue #119), and with twelve digits
// they ignore a "+" that contradicts the century; here a contradiction is refused as the likelier typo.
//
// now, read in Stockholm, decides the century of a ten-digit number and what lies in the future. Errors
// are *IDError.
func ParsePersonnummer(s string, now time.Time) (string, error) {
	digits, sep, err := splitNumber(s, SchemePersonnummer, "-+")
	if err != nil {
		return "", err
	}
	fault := func(f IDFault) (string, error) { return "", &IDError{SchemePersonnummer, f} }
	today := now.In(Stockholm)
	var year int
	switch len(digits) {
	case 12:
		year, digits = atoi(digits[:4]), digits[2:]
	case 10:
		year = shortFormYear(atoi(digits[:2]), sep == '+', today)
	default:
		return fault(FaultFormat)
	}
	switch {
	case !birthDateOK(year, atoi(digits[2:4]), atoi(digits[4:6]), today):
		return fault(FaultDate)
	case sep == '+' && !hundredOrOlder(year, today):
		return fault(FaultPlus)
	case digits[6:9] == "000":
		return fault(FaultSerial)
	case !luhnOK(digits):
		return fault(FaultChecksum)
	}
	return fmt.Sprintf("%04d%s-%s", year, digits[2:6], digits[6:]), nil
}

// hundredOrOlder reports whether someone born in year writes "+" in the short form of their
// personnummer on the day now: from the calendar year they turn 100 (folkbokföringslagen 18 §).
func hundredOrOlder(year int, now time.Time) bool { return now.Year()-year >= 100 }

// firstCentury is the earliest century of a personnummer: Skatteverket stores them with 18, 19 or 20.
const firstCentury = 18

// shortFormYear is the birth year of a ten-digit personnummer: the latest year ending in yy that is not
// after now's year, a hundred years earlier with "+".
func shortFormYear(yy int, plus bool, now time.Time) int {
	base := now.Year()
	if plus {
		base -= 100
	}
	return base - (base-yy)%100
}

// birthDateOK checks the date part of a personnummer (day) or samordningsnummer (day + 60). Only a
// samordningsnummer may leave the month or the day unknown as 00. The earliest date the number allows
// must not be after now.
func birthDateOK(year, month, day int, now time.Time) bool {
	coordination := day >= 60
	if coordination {
		day -= 60
	}
	switch {
	case year < firstCentury*100 || month > 12 || day > 31:
		return false
	case (month == 0 || day == 0) && !coordination:
		return false
	case month != 0 && day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day():
		return false
	}
	earliest := time.Date(year, time.Month(max(month, 1)), max(day, 1), 0, 0, 0, 0, now.Location())
	return !earliest.After(now)
}

// atoi reads a run of ASCII digits the caller has checked.
func atoi(digits string) int {
	n := 0
	for i := range len(digits) {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}

// ParseOrgNumber accepts a legal entity's organisation number as NNNNNN-NNNN or ten digits, also with the
// "16" prefix some registers add, and returns NNNNNN-NNNN. The group digit (the first) is 1–9, the third
// digit at least 2 so that no organisation number can be taken for a personnummer (lag 1974:174 om
// identitetsbeteckning för juridiska personer m.fl., 4 §), and the last digit is the Luhn check digit.
// A number shaped like a personnummer (third digit 0 or 1, a "+", or twelve digits with a century) is
// refused with FaultPersonal: a sole trader's organisation number is the owner's personnummer, which
// ParsePersonnummer reads. Errors are *IDError.
func ParseOrgNumber(s string) (string, error) {
	digits, sep, err := splitNumber(s, SchemeOrgNumber, "-+")
	if err != nil {
		return "", err
	}
	fault := func(f IDFault) (string, error) { return "", &IDError{SchemeOrgNumber, f} }
	switch {
	case len(digits) == 12 && strings.HasPrefix(digits, "16"):
		digits = digits[2:]
	case len(digits) == 12:
		return fault(FaultPersonal)
	case len(digits) != 10:
		return fault(FaultFormat)
	}
	switch {
	case sep == '+' || digits[2] < '2':
		return fault(FaultPersonal)
	case digits[0] == '0':
		return fault(FaultGroup)
	case !luhnOK(digits):
		return fault(FaultChecksum)
	}
	return digits[:6] + "-" + digits[6:], nil
}

// ParsePostalCode accepts "12345" or "123 45" and returns "123 45".
func ParsePostalCode(s string) (string, error) {
	digits, only := Digits(strings.TrimSpace(s), " ")
	if !only || len(digits) != 5 || digits[0] == '0' {
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

// MaskedIDNumber is how a customer's identity number is shown where the full number is not needed: lists,
// search results, the CRM screen, labels, quotes and exports without the right to see full numbers
// (authz.CustomerViewIdentity). IMY asks that personnummer be exposed as little as possible
// (lagen 2018:218 3 kap. 10 §: a personnummer may be used only when clearly justified). The rule, written
// once, goes by the number, not the customer's kind:
//   - a personnummer (canonical YYYYMMDD-NNNN) keeps its date and masks the four last digits:
//     "19690220-****". This covers a sole trader entered as a company, whose organisation number is the
//     owner's personnummer (parseIDNumber stores it as one);
//   - a legal entity's organisation number (NNNNNN-NNNN) is shown in full: it identifies a company, is
//     public in Bolagsverket's register and is not personal data.
//
// Anything else that is not empty (no stored number should be) is masked whole.
func MaskedIDNumber(n string) string {
	switch {
	case n == "":
		return n
	case len(n) == 13 && n[8] == '-':
		return n[:9] + "****"
	case len(n) == 11 && n[6] == '-':
		if _, err := ParseOrgNumber(n); err == nil {
			return n
		}
	}
	return "****"
}
