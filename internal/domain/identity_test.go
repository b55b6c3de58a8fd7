package domain

import (
	"errors"
	"testing"
	"time"
)

var today = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// idCase is one typed number: accepted as want, or refused with fault.
type idCase struct {
	in    string
	now   time.Time // today when zero
	want  string
	fault IDFault
}

func checkIDCases(t *testing.T, scheme IDScheme, parse func(string, time.Time) (string, error), cases []idCase) {
	t.Helper()
	for _, tc := range cases {
		now := tc.now
		if now.IsZero() {
			now = today
		}
		got, err := parse(tc.in, now)
		var ie *IDError
		switch {
		case tc.fault == "" && (err != nil || got != tc.want):
			t.Errorf("%q at %s: got %q, %v; want %q", tc.in, now.Format(time.RFC3339), got, err, tc.want)
		case tc.fault != "" && (!errors.As(err, &ie) || *ie != IDError{scheme, tc.fault} || !errors.Is(err, ErrInvalid)):
			t.Errorf("%q at %s: got %q, %v; want the %s fault %q", tc.in, now.Format(time.RFC3339), got, err, scheme, tc.fault)
		}
	}
}

// Real Skatteverket test numbers (testdata/) where one exists for the rule; otherwise numbers made for the
// rule, with a valid check digit so that only the rule under test can refuse them.
func TestPersonnummer(t *testing.T) {
	endOf2023 := time.Date(2023, 12, 30, 12, 0, 0, 0, time.UTC)
	cases := map[string][]idCase{
		"written forms": {
			{in: "191500722390", want: "19150072-2390"},
			{in: "19150072-2390", want: "19150072-2390"},
			{in: "150072+2390", want: "19150072-2390"},
			{in: "811218-9876", want: "19811218-9876"},
			{in: "8112189876", want: "19811218-9876"},
			{in: "150072-2390", want: "20150072-2390"}, // the same ten digits, a hundred years later
			{in: "1500722390", want: "20150072-2390"},  // no separator reads as "-"
		},
		"plus: from the year the person turns 100": {
			{in: "19150072+2390", want: "19150072-2390"},
			{in: "19260104+9030", want: "19260104-9030"},
			{in: "261223+9232", want: "19261223-9232"}, // turns 100 in December, "+" all year
			{in: "261223-9232", fault: FaultDate},      // 2026-12-23 has not come yet
			{in: "270108+9167", want: "18270108-9167"}, // born 1927 is 99 in 2026, so "+" means 1827
			{in: "19270108+9167", fault: FaultPlus},
			{in: "20150072+2390", fault: FaultPlus},
			{in: "121212+1212", want: "19121212-1212"},
			{in: "121212-1212", want: "20121212-1212"},
		},
		"spaces": {
			{in: " 19150072-2390 ", want: "19150072-2390"},
			{in: "\u00a0150072+2390\u00a0", want: "19150072-2390"},
			{in: "1 9 0 9 0 5 2 7 1 4 7 4", fault: FaultSpace},
			{in: "090527 1474", fault: FaultSpace},
			{in: "19150072 -2390", fault: FaultSpace},
			{in: "1915\u00a00072-2390", fault: FaultSpace},
		},
		"format": {
			{in: "", fault: FaultFormat},
			{in: "19150072--2390", fault: FaultFormat},
			{in: "1915-0072-2390", fault: FaultFormat},
			{in: "15007-22390", fault: FaultFormat},
			{in: "150072-239", fault: FaultFormat},
			{in: "1915007223901", fault: FaultFormat},
			{in: "19150072\u20132390", fault: FaultFormat}, // en dash
			{in: "150072*2390", fault: FaultFormat},
			{in: "+1500722390", fault: FaultFormat},
			{in: "abcdef-ghij", fault: FaultFormat},
		},
		"personnummer dates": {
			{in: "161301-2382", fault: FaultDate}, // month 13
			{in: "150012-2385", fault: FaultDate}, // month 00 only for a samordningsnummer
			{in: "150100-2388", fault: FaultDate}, // day 00 likewise
			{in: "160332-2387", fault: FaultDate},
			{in: "20000229-2399", want: "20000229-2399"},
			{in: "18960229-9803", want: "18960229-9803"},
			{in: "19000229-9808", fault: FaultDate}, // 1900 is no leap year
			{in: "17991231-9804", fault: FaultDate}, // before century 18
		},
		"samordningsnummer dates": {
			{in: "19160161-2383", want: "19160161-2383"}, // day 61 is the 1st
			{in: "19160391-2385", want: "19160391-2385"}, // day 91 is the 31st
			{in: "19200491-2388", fault: FaultDate},      // 31 April (an error in Skatteverket's data)
			{in: "160392-2384", fault: FaultDate},        // day 92
			{in: "19171160-2399", want: "19171160-2399"}, // day 60: day unknown
			{in: "19800060-2394", want: "19800060-2394"}, // month and day unknown
			{in: "20200289-2392", want: "20200289-2392"}, // 29 February + 60 in a leap year
			{in: "19510289-2386", fault: FaultDate},      // … and in 1951, no leap year
		},
		"future": {
			{in: "20231231-2388", now: endOf2023, fault: FaultDate},
			{in: "231231-2388", now: endOf2023, fault: FaultDate}, // not 1923: that person writes "+"
			{in: "20231231-2388", now: endOf2023.AddDate(0, 0, 1), want: "20231231-2388"},
			{in: "20231231-2388", now: time.Date(2023, 12, 30, 23, 30, 0, 0, time.UTC), want: "20231231-2388"}, // 00:30 in Stockholm
			{in: "20231291-2393", now: endOf2023, fault: FaultDate},
			{in: "20261260-9806", fault: FaultDate},      // some day of December 2026
			{in: "20261160-9807", want: "20261160-9807"}, // some day of November 2026
			{in: "20270061-9808", fault: FaultDate},      // the 1st of some month of 2027
			{in: "20260061-9809", want: "20260061-9809"}, // … of 2026
			{in: "20261128-9808", fault: FaultDate},      // tomorrow
			{in: "20261127-9809", want: "20261127-9809"}, // today
			{in: "261128-9808", fault: FaultDate},        // tomorrow, not 1926: that person writes "+"
		},
		"serial": {
			{in: "20150916-0006", fault: FaultSerial},
			{in: "18900101-0017", want: "18900101-0017"},
		},
		"check digit": {
			{in: "811218-9875", fault: FaultChecksum},
			{in: "19150072-2391", fault: FaultChecksum},
		},
	}
	for rule, cs := range cases {
		t.Run(rule, func(t *testing.T) { checkIDCases(t, SchemePersonnummer, ParsePersonnummer, cs) })
	}
}

func TestOrgNumber(t *testing.T) {
	parse := func(s string, _ time.Time) (string, error) { return ParseOrgNumber(s) }
	cases := map[string][]idCase{
		"written forms": {
			{in: "556036-0793", want: "556036-0793"},
			{in: "5560360793", want: "556036-0793"},
			{in: "165560360793", want: "556036-0793"},
			{in: "16556036-0793", want: "556036-0793"},
			{in: " 556036-0793 ", want: "556036-0793"},
			{in: "556036 0793", fault: FaultSpace},
			{in: "5560-360793", fault: FaultFormat},
			{in: "556036--0793", fault: FaultFormat},
			{in: "55603607", fault: FaultFormat},
			{in: "", fault: FaultFormat},
		},
		"group digit 1-9": {
			{in: "162000-0008", want: "162000-0008"},
			{in: "202100-5489", want: "202100-5489"},
			{in: "362000-0004", want: "362000-0004"},
			{in: "462000-0002", want: "462000-0002"},
			{in: "562000-0009", want: "562000-0009"},
			{in: "662000-0007", want: "662000-0007"},
			{in: "762000-0005", want: "762000-0005"},
			{in: "862000-0003", want: "862000-0003"},
			{in: "962000-0001", want: "962000-0001"},
			{in: "062000-0000", fault: FaultGroup},
			{in: "0021000005", fault: FaultGroup},
		},
		"third digit 2 or more": {
			{in: "552000-0000", want: "552000-0000"},
			{in: "551000-0002", fault: FaultPersonal},
			{in: "811218-9876", fault: FaultPersonal},
			{in: "811218+9876", fault: FaultPersonal},
			{in: "19811218-9876", fault: FaultPersonal},
		},
		"check digit": {
			{in: "556036-0794", fault: FaultChecksum},
		},
	}
	for rule, cs := range cases {
		t.Run(rule, func(t *testing.T) { checkIDCases(t, SchemeOrgNumber, parse, cs) })
	}
}

// The customer form shows one message per fault, for persons and companies; a company may be a sole
// trader, whose organisation number is the owner's personnummer.
func TestIDNumberMessages(t *testing.T) {
	cases := []struct{ kind, in, want, message string }{
		{"person", "150072+2390", "19150072-2390", ""},
		{"person", "1915 0072-2390", "", "error.personnummer.space"},
		{"person", "1915-0072-2390", "", "error.personnummer.format"},
		{"person", "19200491-2388", "", "error.personnummer.date"},
		{"person", "20150072+2390", "", "error.personnummer.plus"},
		{"person", "20150916-0006", "", "error.personnummer.serial"},
		{"person", "19150072-2391", "", "error.personnummer.checksum"},
		{"person", "556036-0793", "", "error.personnummer.date"}, // month 60
		{"company", "5560360793", "556036-0793", ""},
		{"company", "556036 0793", "", "error.orgnumber.space"},
		{"company", "5560-360793", "", "error.orgnumber.format"},
		{"company", "0021000005", "", "error.orgnumber.group"},
		{"company", "556036-0794", "", "error.orgnumber.checksum"},
		{"company", "261223+9232", "19261223-9232", ""}, // a sole trader
		{"company", "20150916-0006", "", "error.personnummer.serial"},
		{"company", "19150072-2391", "", "error.personnummer.checksum"},
	}
	for _, tc := range cases {
		c, err := CustomerInput{Kind: tc.kind, Name: "Eva Ek", IDNumber: tc.in}.Validate(today)
		fe, _ := err.(FieldErrors)
		if c.IDNumber != tc.want || fe["id_number"] != tc.message || (tc.message == "") != (err == nil) {
			t.Errorf("%s %q: %q, %v; want %q, message %q", tc.kind, tc.in, c.IDNumber, err, tc.want, tc.message)
		}
	}
}

func TestPostalCodeAndPhone(t *testing.T) {
	for in, want := range map[string]string{"12345": "123 45", "123 45": "123 45", " 41301 ": "413 01"} {
		if got, err := ParsePostalCode(in); err != nil || got != want {
			t.Errorf("postal code %q: %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"1234", "123456", "01234", "12a45"} {
		if _, err := ParsePostalCode(in); err == nil {
			t.Errorf("postal code %q accepted", in)
		}
	}
	for _, in := range []string{"08-123 456 78", "+46 70 123 45 67", "(031) 12 34 56"} {
		if _, err := ParsePhone(in); err != nil {
			t.Errorf("phone %q refused", in)
		}
	}
	for _, in := range []string{"12345", "070-ABC", "+46+70 1234567", "1234567890123456"} {
		if _, err := ParsePhone(in); err == nil {
			t.Errorf("phone %q accepted", in)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	if got, err := NormalizeEmail(" Eva.Ek@Example.SE "); err != nil || got != "eva.ek@example.se" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, in := range []string{"eva", "eva@", "@example.se", "Eva <eva@example.se>", "eva@example"} {
		if _, err := NormalizeEmail(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestKronor(t *testing.T) {
	for in, want := range map[string]int64{"1 234,50": 123450, "1234.5": 123450, "12 500": 1250000, "0,05": 5, "7 kr": 700} {
		if got, err := ParseKronor(in); err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-5", "1,234", "abc", "1.2.3", ",5"} {
		if got, err := ParseKronor(in); err == nil {
			t.Errorf("%q accepted as %d", in, got)
		}
	}
	if got := FormatKronor(123450); got != "1\u00a0234,50 kr" {
		t.Errorf("FormatKronor: %q", got)
	}
	if got := FormatKronor(5); got != "0,05 kr" {
		t.Errorf("FormatKronor(5): %q", got)
	}
}

// Done when (issue 16): a personnummer keeps its date and hides its last four digits, also a sole
// trader's; a legal entity's organisation number is shown as it is.
func TestMaskedIDNumber(t *testing.T) {
	for in, want := range map[string]string{
		"19690220-1234": "19690220-****", // a person's, or a sole trader's stored as a personnummer
		"":              "",
		"6902201234":    "****",
		"556036-0793":   "556036-0793",
		"690220-1234":   "****", // shaped like an organisation number but a short personnummer
	} {
		if got := MaskedIDNumber(in); got != want {
			t.Errorf("MaskedIDNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
