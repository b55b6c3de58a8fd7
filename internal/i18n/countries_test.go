package i18n_test

import (
	"context"
	"slices"
	"testing"

	"github.com/affar/affar/internal/i18n"
)

// TestCountryNames: every country of ISO 3166-1 has a name in both languages under a two-letter code;
// the lists put the chosen country first and the rest in each language's alphabetical order, Å, Ä and
// Ö after Z in Swedish.
func TestCountryNames(t *testing.T) {
	sv, en := context.Background(), i18n.WithLang(context.Background(), "en")
	svList, enList := i18n.Countries(sv, "SE"), i18n.Countries(en, "SE")
	if len(svList) != 250 || len(enList) != 250 {
		t.Fatalf("%d countries in Swedish, %d in English; want ISO 3166-1's 249 and Kosovo", len(svList), len(enList))
	}
	for _, c := range svList {
		if len(c.Code) != 2 || c.Code[0] < 'A' || c.Code[0] > 'Z' || c.Code[1] < 'A' || c.Code[1] > 'Z' {
			t.Errorf("code %q is not an alpha-2 code", c.Code)
		}
		if name, ok := i18n.CountryName(en, c.Code); !ok || name == "" || c.Name == "" {
			t.Errorf("%s: Swedish %q, English %q", c.Code, c.Name, name)
		}
	}
	for lang, want := range map[string][]string{"sv": {"SE", "AF"}, "en": {"SE", "AF", "AX"}} {
		list := svList
		if lang == "en" {
			list = enList
		}
		var first []string
		for _, c := range list[:len(want)] {
			first = append(first, c.Code)
		}
		if !slices.Equal(first, want) {
			t.Errorf("%s: the list starts %v, want %v", lang, first, want)
		}
	}
	if last := svList[len(svList)-3:]; last[0].Name != "Åland" || last[1].Name != "Österrike" || last[2].Name != "Östtimor" {
		t.Errorf("Swedish list ends %v, want Åland, Österrike, Östtimor", last)
	}
	for code, want := range map[string][2]string{"SE": {"Sverige", "Sweden"}, "DE": {"Tyskland", "Germany"},
		"MK": {"Nordmakedonien", "North Macedonia"}, "SZ": {"Eswatini", "Eswatini"}, "FI": {"Finland", "Finland"}} {
		s, _ := i18n.CountryName(sv, code)
		e, _ := i18n.CountryName(en, code)
		if s != want[0] || e != want[1] {
			t.Errorf("%s: %q / %q, want %q / %q", code, s, e, want[0], want[1])
		}
	}
	if _, ok := i18n.CountryName(sv, "UK"); ok {
		t.Errorf("UK is not an ISO 3166-1 code (GB is)")
	}
}
