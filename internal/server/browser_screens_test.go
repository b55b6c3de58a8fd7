package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/testutil"
)

// screenPages are the pages the README's "Screens" section shows, by their names in phonePages.
var screenPages = []string{"CRM screen", "customer page", "quote edit form", "users list"}

// screenSizes are the laptop and the phone the README shows them at.
var screenSizes = []struct {
	name          string
	width, height int64
}{{"1366", 1366, 768}, {"390", 390, 844}}

// TestBrowserScreens shows the README's pages in both colour schemes at both widths, as the browser's
// prefers-color-scheme says: the page's background follows the scheme (dark text on light, light on
// dark). `make screens` runs it with AFFAR_SCREENSHOTS=docs/screens to refresh the README's pictures.
func TestBrowserScreens(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	byName := map[string]phonePage{}
	for _, p := range phonePages(t, env) {
		byName[p.name] = p
	}
	_, password := env.MustCreateUser(t, "admin@example.se", true)
	b := openTab(t, env)
	base := env.HTTP.URL
	b.do("sign in", signIn(base, "admin@example.se", password), switchLanguage(base, "sv"))
	for _, scheme := range []string{"light", "dark"} {
		b.do(scheme, colourScheme(scheme == "dark"))
		for _, size := range screenSizes {
			b.do(size.name, chromedp.EmulateViewport(size.width, size.height))
			for _, name := range screenPages {
				p, ok := byName[name]
				if !ok {
					t.Fatalf("no page %q among the phone test's pages", name)
				}
				b.visit(base, p)
				if got := b.backgroundLightness(); (scheme == "dark") != (got < 0.5) {
					t.Errorf("%s at %s px in the %s scheme: background lightness %.2f", name, size.name, scheme, got)
				}
				b.viewShot(fmt.Sprintf("%s-%s-%s", name, size.name, scheme))
			}
		}
	}
}

// switchLanguage chooses the interface language with the language form, as a user does.
func switchLanguage(base, lang string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("language")),
		chromedp.SetValue(chromedp.ID("language"), lang),
		chromedp.Click(chromedp.CSS(`form[action="/language"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang+`"] main p.flash-ok`)))
}

// backgroundLightness is the lightness (0 black … 1 white) of the page's background colour as drawn.
func (b tab) backgroundLightness() float64 {
	b.t.Helper()
	l, err := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`(() => {
		const [r, g, bl] = getComputedStyle(document.body).backgroundColor.match(/[\d.]+/g).map(Number);
		return (Math.max(r, g, bl) + Math.min(r, g, bl)) / 2 / 255;
	})()`))
	if err != nil {
		b.t.Fatalf("background: %v", err)
	}
	return l
}

// viewShot saves what the window shows (not the whole page: the README's pictures stay small) under
// $AFFAR_SCREENSHOTS, if that is set.
func (b tab) viewShot(name string) {
	b.t.Helper()
	dir := os.Getenv("AFFAR_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
