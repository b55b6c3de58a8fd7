package i18n_test

import (
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

// TestEveryFieldLabelInBothLanguages: the labels and export headings the field tables name are in the
// catalogue, in Swedish and in English.
func TestEveryFieldLabelInBothLanguages(t *testing.T) {
	for table, fs := range map[string]domain.Fields{"customers": domain.CustomerFields, "suppliers": domain.SupplierFields} {
		for _, f := range fs {
			for _, key := range []string{f.Label, f.Heading} {
				if key == "" {
					continue
				}
				if sv, en := i18n.Text(key); !i18n.Has(key) || sv == "" || en == "" {
					t.Errorf("%s.%s: message %s is not in the catalogue in both languages", table, f.Name, key)
				}
			}
		}
	}
}
