package i18n_test

import (
	"strings"
	"testing"

	"github.com/affar/affar/internal/i18n"
)

// TestNoArrowInTheCatalogue: back links get their arrow from components.BackLink, one style everywhere,
// so no message brings its own (the pager's first-page link is a pager's, not a back link).
func TestNoArrowInTheCatalogue(t *testing.T) {
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(k, "pager.") {
			continue
		}
		sv, en := i18n.Text(k)
		for _, s := range []string{sv, en} {
			if strings.HasPrefix(s, "←") || strings.HasPrefix(s, "«") || strings.HasPrefix(s, "→") {
				t.Errorf("%s starts with an arrow: %q (use components.BackLink)", k, s)
			}
		}
	}
}
