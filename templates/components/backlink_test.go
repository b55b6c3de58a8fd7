package components_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/affar/affar/templates/components"
)

// TestBackLink: an arrow hidden from screen readers and the target's name, as one link.
func TestBackLink(t *testing.T) {
	got := render(t, "sv", components.BackLink("/customers/7", "Kim & Co"))
	want := `<p class="back-link no-print"><a href="/customers/7"><span aria-hidden="true">←</span> Kim &amp; Co</a></p>`
	if got != want {
		t.Errorf("BackLink = %s, want %s", got, want)
	}
}

// TestOneBackLinkStyle: no page template writes a back link of its own ("← …", "« Tillbaka …") instead
// of components.BackLink, and none has an aria-label that is not looked up in the catalogue (an English
// label read out in the Swedish interface).
func TestOneBackLinkStyle(t *testing.T) {
	own := regexp.MustCompile(`<a [^>]*>\s*(←|«|&larr;|&laquo;)`)
	literal := regexp.MustCompile(`aria-label=["']`)
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".templ") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if m := own.Find(b); m != nil {
			t.Errorf("%s: a back link of its own, %q: use components.BackLink", path, m)
		}
		if m := literal.Find(b); m != nil {
			t.Errorf("%s: an aria-label not from the catalogue", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
