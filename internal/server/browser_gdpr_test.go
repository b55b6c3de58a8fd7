package server_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserAnonymiseCustomer anonymises a customer from its page in a real browser: the confirmation
// shows what is cleared and kept, refuses a mistyped customer number, and afterwards the customer page
// shows the placeholder and the lock.
func TestBrowserAnonymiseCustomer(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateRichCustomer(t, "Lind Lackering AB", 2*year)
	number := strconv.FormatInt(cust.Number, 10)

	b := signedInTab(t, env, "dpo@example.se", authz.CustomerView, authz.CustomerEdit, authz.CustomerAnonymise)
	b.do("open the customer",
		chromedp.Navigate(env.HTTP.URL+customerPath(cust)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/anonymise"]`)),
	)
	b.do("confirmation page",
		chromedp.Click(chromedp.CSS(`a[href$="/anonymise"]`)),
		chromedp.WaitVisible(chromedp.ID("reason")),
	)
	if got := b.text("what is cleared", "#cleared"); !strings.Contains(got, "Contact persons\t2") || strings.Contains(got, "Credit reports") {
		t.Errorf("cleared section: %q, want the contact persons and (for a user without credit-report access) no credit reports", got)
	}
	// Bokföringslagen 7 kap. 2 §, calendar fiscal year: kept through the seventh year after the year of the
	// sale, erasable from 1 January of the eighth.
	until := strconv.Itoa(env.Clock.Now().Add(-2*year).In(domain.Stockholm).Year()+8) + "-01-01"
	if got := b.text("what is kept", "#kept"); !strings.Contains(got, "Bokföringslagen") || !strings.Contains(got, until) {
		t.Errorf("kept section: %q, want the held quote explained", got)
	}
	b.do("mistyped number",
		chromedp.SendKeys(chromedp.ID("reason"), "Begäran per e-post, ärende 7"),
		chromedp.SendKeys(chromedp.ID("confirm"), "99999"),
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.ID("confirm-error")),
	)
	if got, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.ID("reason"))); err != nil || got != "Begäran per e-post, ärende 7" {
		t.Errorf("reason after the error: %q (%v), want it kept", got, err)
	}
	b.do("anonymise",
		chromedp.Clear(chromedp.ID("confirm")),
		chromedp.SendKeys(chromedp.ID("confirm"), number),
		chromedp.Click(chromedp.CSS(`button.danger`)),
		chromedp.WaitVisible(chromedp.ID("locked")),
	)
	if got := b.text("customer page", "main h1"); !strings.HasPrefix(got, "Anonymised customer "+number) {
		t.Errorf("heading %q, want the placeholder", got)
	}
	if got := b.text("flash", "main p.flash-ok"); !strings.Contains(got, "anonymised") {
		t.Errorf("flash %q", got)
	}
	body := b.text("customer page", "main")
	for _, gone := range []string{"Lind Lackering", "Storgatan", "Kim Kontakt", "070-123"} {
		if strings.Contains(body, gone) {
			t.Errorf("the anonymised customer's page still shows %q", gone)
		}
	}
	edits, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('a[href$="/edit"], a[href$="/anonymise"]')).map(a => a.href)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 0 {
		t.Errorf("the locked customer still offers %v", edits)
	}
}
