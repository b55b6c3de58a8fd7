package server

import (
	"testing"

	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/layout"
)

// TestFlashKindsAreMessages: every message given a kind is in the catalogue, and only the exceptions are
// listed (a message not listed is a success).
func TestFlashKindsAreMessages(t *testing.T) {
	for key, kind := range flashKinds {
		if !i18n.Has(key) {
			t.Errorf("%s has a flash kind but is not in the catalogue", key)
		}
		if kind == layout.FlashSuccess {
			t.Errorf("%s is listed as a success, which every message not listed is", key)
		}
	}
	if got := flashKind("customer.saved"); got != layout.FlashSuccess {
		t.Errorf("a saved change is reported as %q", got)
	}
}
