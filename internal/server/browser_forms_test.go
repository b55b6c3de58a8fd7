package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserFormSpeaksSwedish submits a customer form in Swedish with an e-mail address Chromium itself
// would refuse (type=email): no browser bubble stops it, the request reaches the server, and the page
// comes back with the server's Swedish messages and the focus on the error summary, whose links lead to
// the fields. The country is chosen by its Swedish name.
func TestBrowserFormSpeaksSwedish(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	b := signedInTab(t, env, "clerk@example.se", authz.CustomerCreate, authz.CustomerView)
	b.do("Swedish", chromedp.SetValue(chromedp.ID("language"), "sv"),
		chromedp.Click(chromedp.CSS(`form[action="/language"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="sv"] main p.flash-ok`)))
	b.do("new customer form", openNewForm("/customers"),
		chromedp.SendKeys(chromedp.ID("email"), "inte-en-adress"),
		chromedp.SendKeys(chromedp.ID("postal_code"), "1234"))
	if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`!document.querySelector("#email").validity.valid`)); err != nil || !ok {
		t.Fatalf("Chromium finds the typed address valid (%v): the test would prove nothing", err)
	}
	if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector("#country").selectedOptions[0].text`)); err != nil || got != "Sverige" {
		t.Errorf("country chosen by default: %q (%v), want Sverige", got, err)
	}
	b.do("submit", chromedp.Click(chromedp.CSS(`main form button[type="submit"].primary`)),
		chromedp.WaitVisible(chromedp.ID("error-summary")))

	if got := b.text("summary", "#error-summary h2"); got != "Formuläret har 3 fel" {
		t.Errorf("summary heading %q, want Formuläret har 3 fel (name, e-mail, postal code)", got)
	}
	for sel, want := range map[string]string{"#name-error": "Måste fyllas i.", "#email-error": "Ange en giltig e-postadress.",
		"#postal_code-error": "Ange postnummer som 123 45."} {
		if got := b.text("messages", sel); got != want {
			t.Errorf("%s: %q, want %q", sel, got, want)
		}
	}
	if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || got != "error-summary" {
		t.Errorf("focus after the failed submit is on %q (%v), want the error summary", got, err)
	}
	b.do("follow the link to the e-mail field", chromedp.Click(chromedp.CSS(`#error-summary a[href="#email"]`)))
	if got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || got != "email" {
		t.Errorf("after following the summary's link the focus is on %q (%v), want the e-mail field", got, err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`true`)); err != nil {
		t.Fatal(err)
	}
	for _, m := range b.console.all() {
		if !consoleExpected(m) && !strings.Contains(m.Text, "status of 422") {
			t.Errorf("browser console %s [%s] %s (at %s)", m.Type, m.Source, m.Text, m.URL)
		}
	}
}
