package domain

import (
	"testing"
	"time"
)

var today = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestPersonnummer(t *testing.T) {
	valid := map[string]string{
		"811218-9876":   "19811218-9876",
		"198112189876":  "19811218-9876",
		"19811218-9876": "19811218-9876",
		"8112189876":    "19811218-9876",
		"121212+1212":   "19121212-1212", // over 100 years old
		"121212-1212":   "20121212-1212",
		"701063-2391":   "19701063-2391", // samordningsnummer (day + 60)
	}
	for in, want := range valid {
		got, err := ParsePersonnummer(in, today)
		if err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "811218-9875", "811318-9876", "810230-1234", "abcdef-ghij", "81121-89876",
		"20301218-9876", "8112189876123"} {
		if got, err := ParsePersonnummer(in, today); err == nil {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}

func TestOrgNumber(t *testing.T) {
	for in, want := range map[string]string{"556036-0793": "556036-0793", "5560360793": "556036-0793",
		"165560360793": "556036-0793", "202100-5489": "202100-5489"} {
		if got, err := ParseOrgNumber(in); err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"556036-0794", "811218-9876", "55603607", ""} {
		if got, err := ParseOrgNumber(in); err == nil {
			t.Errorf("%q accepted as %q", in, got)
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
