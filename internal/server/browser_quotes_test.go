package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserSupplierAndQuote creates a supplier and a quote with two lines in a real browser and checks
// the totals the quote page shows.
func TestBrowserSupplierAndQuote(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Ek Bygg AB", City: "Lund"})

	b := signedInTab(t, env, "office@example.se", authz.SupplierCreate, authz.SupplierView,
		authz.CustomerView, authz.CustomerEdit)
	base := env.HTTP.URL
	save := chromedp.CSS(`main form button[type="submit"].primary`)
	b.do("create supplier",
		openNewForm("/suppliers"),
		chromedp.SendKeys(chromedp.ID("name"), "Sågverket i Norr AB"),
		chromedp.SendKeys(chromedp.ID("org_number"), "556036-0793"),
		chromedp.SendKeys(chromedp.ID("bankgiro"), "5050-1055"),
		chromedp.Click(save),
		chromedp.WaitVisible(chromedp.CSS(`main p.flash-ok`)),
	)
	if got := b.text("supplier page", "main h1"); !strings.HasPrefix(got, "Sågverket i Norr AB") {
		t.Errorf("supplier page heading %q", got)
	}

	b.do("new quote",
		chromedp.Navigate(base+customerPath(cust)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/quotes/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href$="/quotes/new"]`)),
		chromedp.WaitVisible(chromedp.ID("line_0_description")),
		chromedp.SendKeys(chromedp.ID("line_0_description"), "Konsulttimme"),
		chromedp.SendKeys(chromedp.ID("line_0_quantity"), "3"),
		chromedp.SendKeys(chromedp.ID("line_0_unit_price"), "33,33"),
		chromedp.SendKeys(chromedp.ID("line_1_description"), "Handbok"),
		chromedp.SendKeys(chromedp.ID("line_1_quantity"), "2"),
		chromedp.SendKeys(chromedp.ID("line_1_unit_price"), "199"),
		chromedp.SetValue(chromedp.ID("line_1_vat_rate"), "6"),
		chromedp.Click(save),
		chromedp.WaitVisible(chromedp.ID("quote-total")),
	)
	// 3 × 33,33 = 99,99 (25 %: 25,00) + 2 × 199 = 398,00 (6 %: 23,88) → 497,99 net, 546,87 in all.
	// innerText turns the no-break space before "kr" into a plain one.
	if got := strings.ReplaceAll(b.text("quote totals", "#quote-net"), "\u00a0", " "); got != "497,99 kr" {
		t.Errorf("net %q, want 497,99 kr", got)
	}
	if got := strings.ReplaceAll(b.text("quote totals", "#quote-total"), "\u00a0", " "); got != "546,87 kr" {
		t.Errorf("total %q, want 546,87 kr", got)
	}
	lines := b.text("quote lines", "#quote-lines tbody")
	if !strings.Contains(lines, "Konsulttimme") || !strings.Contains(lines, "Handbok") || !strings.Contains(lines, "99,99") {
		t.Errorf("quote lines %q", lines)
	}
}
