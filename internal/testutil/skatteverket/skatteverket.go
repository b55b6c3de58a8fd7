// Package skatteverket reads Skatteverket's official test personnummer and samordningsnummer, kept in
// internal/domain/testdata (its README names the source and licence), for the tests that run them through
// the customer form. It depends on the standard library only, so domain's own tests can use it.
package skatteverket

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Lists are the test numbers as Skatteverket publishes them: twelve digits, YYYYMMDDNNNN.
type Lists struct {
	Personnummer      []string
	Samordningsnummer []string
}

// The lists' lengths, so that a truncated or replaced file fails instead of testing less.
const (
	personnummerCount      = 41129 // 41,127 distinct: two are listed twice
	samordningsnummerCount = 2264
)

// Load reads the lists from dir, internal/domain/testdata seen from the test's package.
func Load(t testing.TB, dir string) Lists {
	t.Helper()
	return Lists{
		Personnummer:      read(t, filepath.Join(dir, "testpersonnummer.json"), personnummerCount),
		Samordningsnummer: read(t, filepath.Join(dir, "testsamordningsnummer.json"), samordningsnummerCount),
	}
}

func read(t testing.TB, path string, count int) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	if err := json.Unmarshal(data, &numbers); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(numbers) != count {
		t.Fatalf("%s has %d numbers, want %d", path, len(numbers), count)
	}
	return numbers
}

// ImpossibleDates are the 24 samordningsnummer of the list whose day the month does not have (31 April,
// 30 February, 29 February 1951…). Skatteverket told the ActiveLogin.Identity maintainers that these are
// errors in the test data, not numbers it issues (github.com/ActiveLogin/ActiveLogin.Identity issue #126;
// pull request #132 lists exactly these), so the form refuses them.
var ImpossibleDates = map[string]bool{
	"192004912388": true, "193002902397": true, "193302912385": true, "193309912388": true,
	"194209912387": true, "194804912386": true, "195102892386": true, "195109912385": true,
	"195202912381": true, "196602902394": true, "197404912383": true, "197902902399": true,
	"198106912382": true, "198502902391": true, "199611912388": true, "200111912382": true,
	"200302912381": true, "200902912385": true, "201109912384": true, "201302892383": true,
	"201402902397": true, "201402912388": true, "201604912384": true, "201902892387": true,
}

// Canonical is how Affär stores the number: YYYYMMDD-NNNN.
func Canonical(n string) string { return n[:8] + "-" + n[8:] }

// PartialDate reports whether the number leaves the birth month (00) or day (60) unknown, as only a
// samordningsnummer may.
func PartialDate(n string) bool { return n[4:6] == "00" || n[6:8] == "60" }

// WrittenForms are the ways a user types the number: as published, with a hyphen, and in the short form
// with "-", or with "+" from the calendar year the person turns 100 at now (folkbokföringslagen 18 §).
func WrittenForms(t testing.TB, n string, now time.Time) []string {
	t.Helper()
	year, err := strconv.Atoi(n[:4])
	if err != nil {
		t.Fatalf("%q: %v", n, err)
	}
	sep := "-"
	if now.Year()-year >= 100 {
		sep = "+"
	}
	return []string{n, Canonical(n), n[2:8] + sep + n[8:]}
}
