package components_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/affar/affar/templates/components"
)

// TestErrorSummary: after a failed submit the form opens with how many problems there are and a link to
// each field, in the form's order, named by its label (and row), taking the focus; a message of no
// listed field is listed too; nothing shows without errors.
func TestErrorSummary(t *testing.T) {
	fields := []components.Labelled{{ID: "name", Label: "customer.name"}, {ID: "email", Label: "customer.email"},
		{ID: "line_1_quantity", Label: "quote.line.quantity", Row: 2}}
	errs := map[string]string{"line_1_quantity": "error.quantity", "name": "error.required", "lines": "error.too_many_lines"}
	sv := render(t, "sv", components.ErrorSummary(errs, fields))
	for _, want := range []string{`tabindex="-1"`, "autofocus", "Formuläret har 3 fel",
		`<a href="#name">Namn: Måste fyllas i.</a>`, `<a href="#line_1_quantity">Rad 2, Antal: Ange ett antal`, "Högst 100 rader."} {
		if !strings.Contains(sv, want) {
			t.Errorf("Swedish summary has no %q:\n%s", want, sv)
		}
	}
	if strings.Index(sv, "#name") > strings.Index(sv, "#line_1_quantity") || strings.Contains(sv, "#email") || strings.Contains(sv, "#lines") {
		t.Errorf("links out of the form's order, or to fields without errors:\n%s", sv)
	}
	if en := render(t, "en", components.ErrorSummary(map[string]string{"email": "error.email"}, fields)); !strings.Contains(en, "There is 1 problem") ||
		!strings.Contains(en, `<a href="#email">E-mail: Enter a valid e-mail address.</a>`) {
		t.Errorf("English summary of one problem:\n%s", en)
	}
	if got := render(t, "sv", components.ErrorSummary(nil, fields)); got != "" {
		t.Errorf("summary without errors: %q", got)
	}
}

// TestCountrySelect: the country is chosen by its name in the reader's language and sent as its code,
// Sverige first and chosen when there is none; a code the list lacks stays chosen.
func TestCountrySelect(t *testing.T) {
	sv := render(t, "sv", components.CountrySelect("country", "customer.country", "", nil))
	if !regexp.MustCompile(`<select id="country" name="country" autocomplete="country"><option value="SE" selected>Sverige</option><option value="AF">Afghanistan</option>`).MatchString(sv) {
		t.Errorf("Swedish select does not open with Sverige, chosen:\n%.400s", sv)
	}
	if !strings.Contains(sv, `<option value="AT">Österrike</option>`) {
		t.Errorf("Swedish select has no Österrike")
	}
	en := render(t, "en", components.CountrySelect("country", "customer.country", "NO", map[string]string{"country": "error.country"}))
	for _, want := range []string{`<option value="NO" selected>Norway</option>`, `<option value="SE">Sweden</option>`,
		`aria-invalid="true"`, `aria-describedby="country-error"`, `id="country-error"`} {
		if !strings.Contains(en, want) {
			t.Errorf("English select with Norway chosen and an error has no %s", want)
		}
	}
	if old := render(t, "sv", components.CountrySelect("country", "customer.country", "UK", nil)); !strings.Contains(old, `<option value="UK" selected>UK</option>`) ||
		strings.Contains(old, `value="SE" selected`) {
		t.Errorf("a code outside the list is not kept chosen:\n%.300s", old)
	}
}

// TestEveryFormLeavesCheckingToTheServer: every form of every page has novalidate, so the browser never
// shows its own (English) bubbles; the server's messages, in the reader's language, are the only ones.
func TestEveryFormLeavesCheckingToTheServer(t *testing.T) {
	form := regexp.MustCompile(`<form\b[^>]*>`)
	n := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".templ") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, tag := range form.FindAllString(string(src), -1) {
			n++
			if !regexp.MustCompile(`\snovalidate\b`).MatchString(tag) {
				t.Errorf("%s: %s has no novalidate", path, tag)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("found only %d forms: the templates were not read", n)
	}
}
