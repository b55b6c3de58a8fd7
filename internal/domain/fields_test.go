package domain_test

import (
	"slices"
	"testing"

	"github.com/affar/affar/internal/domain"
)

// TestFieldTablesMatchTheirStructs keeps each field table and the structs rows and forms land in together:
// a stored column needs a field tagged db, a typed one a field tagged form, and a tagged field an entry.
func TestFieldTablesMatchTheirStructs(t *testing.T) {
	check := func(table string, fs domain.Fields, db, form []string) {
		t.Helper()
		stored, typed := slices.Sorted(slices.Values(fs.Stored())), slices.Sorted(slices.Values(fs.Typed().Names()))
		if !slices.Equal(stored, db) {
			t.Errorf("%s: stored columns %v, but the row struct's db tags are %v", table, stored, db)
		}
		if !slices.Equal(typed, form) {
			t.Errorf("%s: typed fields %v, but the input struct's form tags are %v", table, typed, form)
		}
		seen := map[string]bool{}
		for _, f := range fs {
			if seen[f.Name] {
				t.Errorf("%s: %s declared twice", table, f.Name)
			}
			seen[f.Name] = true
		}
	}
	check("customers", domain.CustomerFields, domain.Tagged[domain.Customer]("db"), domain.Tagged[domain.CustomerInput]("form"))
	check("suppliers", domain.SupplierFields, domain.Tagged[domain.Supplier]("db"), domain.Tagged[domain.SupplierInput]("form"))
}

// TestEveryCustomerFieldIsDeclaredWhole: each column is personal data with a way to clear it, or says
// why it is not; a personal one leaves with the register export (so the export and the erasure cover
// every field); what is typed or shown has a label.
func TestEveryCustomerFieldIsDeclaredWhole(t *testing.T) {
	exported := domain.CustomerFields.Exported().Names()
	for _, f := range domain.CustomerFields {
		switch {
		case f.Personal() == (f.Keep != ""):
			t.Errorf("%s: a column is either personal (Clear) or kept for a reason (Keep), not both or neither", f.Name)
		case f.Generated && f.Clear != domain.ClearDerived && f.Personal():
			t.Errorf("%s: a generated column is cleared through the columns it derives from (ClearDerived)", f.Name)
		case f.Personal() && !f.Generated && !slices.Contains(exported, f.Name):
			t.Errorf("%s: personal data the register export leaves out (give it a Heading)", f.Name)
		case (f.Input != domain.InputNone || f.Show != domain.ShowNot) && f.Label == "" && f.Show != domain.ShowIdentity:
			t.Errorf("%s: typed or shown without a label", f.Name)
		case f.Show != domain.ShowNot && f.Generated:
			t.Errorf("%s: a generated column is not shown", f.Name)
		}
	}
	for _, f := range domain.SupplierFields.Typed() {
		if f.Label == "" {
			t.Errorf("suppliers.%s: typed without a label", f.Name)
		}
	}
}

// TestFormRoundTrip: every typed field survives Input and FormInput, and ChangedFields names each one
// that differs, alone (a field missing there would drop an edit of it silently); customers and suppliers.
func TestFormRoundTrip(t *testing.T) {
	t.Run("customers", func(t *testing.T) {
		roundTrip(t, domain.CustomerFields, domain.Customer.Input, domain.Customer.ChangedFields)
	})
	t.Run("suppliers", func(t *testing.T) {
		roundTrip(t, domain.SupplierFields, domain.Supplier.Input, domain.Supplier.ChangedFields)
	})
}

func roundTrip[R any, In comparable](t *testing.T, fields domain.Fields, input func(R) In, changed func(R, R) []string) {
	var c R
	for _, f := range fields.Typed() {
		domain.SetText(&c, "db", f.Name, "v-"+f.Name)
	}
	in := input(c)
	form := map[string]string{}
	for _, f := range fields.Typed() {
		if got := domain.Text(&in, "form", f.Name); got != "v-"+f.Name {
			t.Errorf("Input: %s = %q", f.Name, got)
		}
		form[f.Name] = "v-" + f.Name
	}
	if back := domain.FormInput[In](fields, func(n string) string { return form[n] }); back != in {
		t.Errorf("FormInput: %+v, want %+v", back, in)
	}
	for _, f := range fields.Typed() {
		d := c
		domain.SetText(&d, "db", f.Name, "other")
		if got := changed(c, d); !slices.Equal(got, []string{f.Name}) {
			t.Errorf("an edit of %s alone: changed fields %v", f.Name, got)
		}
	}
}
