package suppliers_test

import (
	"bytes"
	"context"
	"html"
	"strings"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/suppliers"
)

// TestFormHasAnInputForEveryField: the supplier form has an input, a label, the typed value and the
// message of each field domain.SupplierFields says is typed.
func TestFormHasAnInputForEveryField(t *testing.T) {
	typed := domain.SupplierFields.Typed()
	v := suppliers.FormView{Errors: map[string]string{}}
	for _, f := range typed {
		domain.SetText(&v.Input, "form", f.Name, "typed-"+f.Name)
		v.Errors[f.Name] = "error.too_long"
	}
	var buf bytes.Buffer
	if err := suppliers.FormPage(v).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(buf.String())
	for _, f := range typed {
		label := i18n.T(context.Background(), f.Label)
		for _, want := range []string{`name="` + f.Name + `"`, "typed-" + f.Name, `id="` + f.Name + `-error"`, label} {
			if !strings.Contains(page, want) {
				t.Errorf("field %s: the form has no %s", f.Name, want)
			}
		}
		if f.Input == domain.InputCountry && !strings.Contains(page, `<select id="`+f.Name+`" name="`+f.Name+`"`) {
			t.Errorf("field %s: a country is not chosen from a list", f.Name)
		}
	}
}
