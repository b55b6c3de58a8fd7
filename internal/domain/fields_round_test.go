package domain_test

import (
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
)

// TestEveryMistakeShowsAfterOneSubmit: the form says everything that is wrong at once, so a corrected
// field never uncovers another's message on the next submit. A country that is not a code does not hide
// a postal code that is not Swedish (Sverige is the default), nor does a field that cannot be stored
// hide the others' mistakes; for customers and suppliers alike.
func TestEveryMistakeShowsAfterOneSubmit(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		in    map[string]string
		wants domain.FieldErrors
	}{
		{"country and postal code", map[string]string{"country": "Sverige", "postal_code": "1234"},
			domain.FieldErrors{"country": "error.country", "postal_code": "error.postal_code"}},
		{"unstorable text and a bad e-mail address", map[string]string{"city": "Lund\x00", "email": "eva@", "postal_code": "1234"},
			domain.FieldErrors{"city": "error.text", "email": "error.email", "postal_code": "error.postal_code"}},
		{"unstorable country and postal code", map[string]string{"country": "S\x01", "postal_code": "12"},
			domain.FieldErrors{"country": "error.text", "postal_code": "error.postal_code"}},
		{"a postal code abroad is free text", map[string]string{"country": "NO", "postal_code": "0150"}, nil},
		{"no country means Sweden", map[string]string{"country": "", "postal_code": "0150"},
			domain.FieldErrors{"postal_code": "error.postal_code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := domain.CustomerInput{Kind: "person", Name: "Eva Ek"}
			s := domain.SupplierInput{Name: "Ek AB"}
			for k, v := range tc.in {
				domain.SetText(&c, "form", k, v)
				domain.SetText(&s, "form", k, v)
			}
			_, cerr := c.Validate(now)
			_, serr := s.Validate(now)
			for who, err := range map[string]error{"customer": cerr, "supplier": serr} {
				var got domain.FieldErrors
				errors.As(err, &got)
				if !maps.Equal(got, tc.wants) {
					t.Errorf("%s: messages %v, want %v", who, map[string]string(got), map[string]string(tc.wants))
				}
			}
		})
	}
}

// TestCountryIsStoredAsItsCode: the select sends a code; nothing chosen is Sweden, and a code outside
// today's list (saved before it) still saves unchanged.
func TestCountryIsStoredAsItsCode(t *testing.T) {
	now := time.Now()
	for typed, want := range map[string]string{"": "SE", "NO": "NO", "de": "DE", "UK": "UK"} {
		c, err := domain.CustomerInput{Kind: "person", Name: "Eva Ek", Country: typed}.Validate(now)
		if err != nil || c.Country != want {
			t.Errorf("country %q: stored %q (%v), want %q", typed, c.Country, err, want)
		}
	}
}
