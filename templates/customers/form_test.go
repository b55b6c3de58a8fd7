package customers_test

import (
	"context"
	"html"
	"strings"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/customers"
)

// TestFormHasAnInputForEveryField: every field domain.CustomerFields says is typed has its input in the
// form, labelled, showing what was typed and its message; a country is a select.
func TestFormHasAnInputForEveryField(t *testing.T) {
	in, errs := domain.CustomerInput{}, map[string]string{}
	for _, f := range domain.CustomerFields.Typed() {
		if f.Input != domain.InputChoice {
			domain.SetText(&in, "form", f.Name, "typed-"+f.Name)
		}
		errs[f.Name] = "error.too_long"
	}
	var b strings.Builder
	ctx := context.Background()
	if err := customers.FormPage(customers.FormView{Input: in, Errors: errs}).Render(ctx, &b); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(b.String())
	for _, f := range domain.CustomerFields.Typed() {
		for _, want := range []string{`name="` + f.Name + `"`, `id="` + f.Name + `-error"`, i18n.T(ctx, f.Label)} {
			if !strings.Contains(page, want) {
				t.Errorf("field %s: the form has no %s", f.Name, want)
			}
		}
		if f.Input != domain.InputChoice && !strings.Contains(page, "typed-"+f.Name) {
			t.Errorf("field %s: the form does not show what was typed", f.Name)
		}
		if f.Input == domain.InputCountry && !strings.Contains(page, `<select id="`+f.Name+`" name="`+f.Name+`"`) {
			t.Errorf("field %s: a country is not chosen from a list", f.Name)
		}
	}
}
