package layout_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/layout"
)

func page(t *testing.T, lang string, nav *layout.Nav, flash *layout.Flash) string {
	t.Helper()
	var b bytes.Buffer
	if err := layout.Page("Kunder", nav, flash).Render(i18n.WithLang(context.Background(), lang), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestFlashSaysWhatHappened: each kind has its own class (its colour in app.css), and a warning or an error
// is announced at once.
func TestFlashSaysWhatHappened(t *testing.T) {
	for kind, want := range map[layout.FlashKind]string{
		layout.FlashSuccess: `<p class="flash flash-ok" role="status">Sparat.</p>`,
		layout.FlashInfo:    `<p class="flash flash-info" role="status">Sparat.</p>`,
		layout.FlashWarning: `<p class="flash flash-warning" role="alert">Sparat.</p>`,
		layout.FlashError:   `<p class="flash flash-error" role="alert">Sparat.</p>`,
	} {
		if got := page(t, "sv", nil, &layout.Flash{Kind: kind, Text: "Sparat."}); !strings.Contains(got, want) {
			t.Errorf("%s: %s missing from\n%s", kind, want, got)
		}
	}
	if got := page(t, "sv", nil, nil); strings.Contains(got, `class="flash`) {
		t.Errorf("a flash without a message:\n%s", got)
	}
}

func TestNavigationIsLabelledInTheReadersLanguage(t *testing.T) {
	nav := &layout.Nav{UserName: "Eva", Items: []layout.NavItem{{Key: "nav.customers", Href: "/customers", Active: true}}}
	for lang, want := range map[string]string{"sv": `<nav aria-label="Huvudmeny">`, "en": `<nav aria-label="Main menu">`} {
		if got := page(t, lang, nav, nil); !strings.Contains(got, want) {
			t.Errorf("%s: %s missing from\n%s", lang, want, got)
		}
	}
}

// TestMenuFoldsBehindAButton: the navigation sits in a <details> whose button is named in the reader's
// language, so a phone shows the button and not the whole menu.
func TestMenuFoldsBehindAButton(t *testing.T) {
	nav := &layout.Nav{UserName: "Eva", Items: []layout.NavItem{{Key: "nav.customers", Href: "/customers"}}}
	for lang, want := range map[string]string{"sv": `<details class="menu"><summary>Meny</summary><nav`, "en": `<details class="menu"><summary>Menu</summary><nav`} {
		if got := page(t, lang, nav, nil); !strings.Contains(got, want) {
			t.Errorf("%s: %s missing from\n%s", lang, want, got)
		}
	}
}
