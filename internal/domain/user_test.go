package domain

import "testing"

// TestNameKey: names that read alike in the audit log share a key, so the second is refused.
func TestNameKey(t *testing.T) {
	for _, pair := range [][2]string{
		{"Eva Ek", "eva  ek"},
		{"Eva Ek", "EvaEk"},
		{"Administrator", "Admin\u200bistrator"},       // a zero-width space
		{"Administrator", "\u202aAdministrator\u202c"}, // direction marks around it
		{"Administrator", "Ａｄｍｉｎｉｓｔｒａｔｏｒ"},             // full-width letters
		{"Åsa Öberg", "A\u030asa O\u0308berg"},         // the same letters, decomposed
	} {
		if NameKey(pair[0]) != NameKey(pair[1]) {
			t.Errorf("%q and %q have different keys: %q, %q", pair[0], pair[1], NameKey(pair[0]), NameKey(pair[1]))
		}
	}
	if NameKey("Eva Ek") == NameKey("Eva Eke") {
		t.Error("different names share a key")
	}
}
