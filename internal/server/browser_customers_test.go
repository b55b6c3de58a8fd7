package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestBrowserCustomerCreateEditSearch creates a customer in a real browser, corrects a mistake the form
// points out, edits the customer and finds it again through search.
func TestBrowserCustomerCreateEditSearch(t *testing.T) {
	t.Parallel()
	env := testutil.NewEnv(t, nil)
	env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Someone Else"})

	b := signedInTab(t, env, "clerk@example.se", authz.CustomerCreate, authz.CustomerView, authz.CustomerEdit)
	submit := chromedp.CSS(`main form button[type="submit"].primary`)

	// Create, with a personnummer that has a typo: the form says so and keeps everything else.
	b.do("new customer form",
		openNewForm("/customers"),
		chromedp.SendKeys(chromedp.ID("name"), "Märta Sjöberg"),
		chromedp.SendKeys(chromedp.ID("id_number"), "811218-9875"),
		chromedp.SendKeys(chromedp.ID("email"), "marta@example.se"),
		chromedp.SendKeys(chromedp.ID("street"), "Strandvägen 7"),
		chromedp.SendKeys(chromedp.ID("postal_code"), "11456"),
		chromedp.SendKeys(chromedp.ID("city"), "Stockholm"),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.ID("id_number-error")),
	)
	if got := b.text("invalid personnummer", "#id_number-error"); !strings.Contains(got, "personal identity number") {
		t.Errorf("message beside the personnummer: %q", got)
	}
	if got, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.ID("street"))); err != nil || got != "Strandvägen 7" {
		t.Errorf("street after the error: %q (%v), want it kept", got, err)
	}
	b.do("correct and save",
		chromedp.Clear(chromedp.ID("id_number")),
		chromedp.SendKeys(chromedp.ID("id_number"), "811218-9876"),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)),
	)
	if got := b.text("customer page", "main h1"); !strings.HasPrefix(got, "Märta Sjöberg") {
		t.Errorf("customer page heading %q", got)
	}
	// The clerk may not see full personnummer (customer.view_identity): the date part, the rest masked.
	if got := b.text("customer page", "dl.details"); !strings.Contains(got, "19811218-****") || strings.Contains(got, "9876") ||
		!strings.Contains(got, "114 56 Stockholm") {
		t.Errorf("details %q: want the canonical personnummer masked and the postal code", got)
	}

	// Edit: move to Göteborg.
	b.do("edit",
		chromedp.Click(chromedp.CSS(`a[href$="/edit"]`)),
		chromedp.WaitVisible(chromedp.ID("city")),
		chromedp.Clear(chromedp.ID("city")),
		chromedp.SendKeys(chromedp.ID("city"), "Göteborg"),
		chromedp.Clear(chromedp.ID("postal_code")),
		chromedp.SendKeys(chromedp.ID("postal_code"), "411 04"),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`main p.flash-ok`)),
	)
	if got := b.text("after edit", "dl.details"); !strings.Contains(got, "411 04 Göteborg") {
		t.Errorf("details after the edit: %q", got)
	}
	// The edit form showed the number masked and left it as it was: the stored number is kept.
	var stored string
	if err := env.DB.Pool.QueryRow(b.ctx, `SELECT id_number FROM customers WHERE name = 'Märta Sjöberg'`).Scan(&stored); err != nil ||
		stored != "19811218-9876" {
		t.Errorf("stored personnummer after an edit with it masked: %q (%v), want it kept", stored, err)
	}

	// Find her through search, by a part of the surname.
	b.do("search",
		chromedp.Click(chromedp.CSS(`nav a[href="/customers"]`)),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), "sjöb"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
		// The results page carries the search in the field's value attribute; typing sets no attribute.
		chromedp.WaitVisible(chromedp.CSS(`input#q[value="sjöb"]`)),
	)
	rows := b.text("search results", "table tbody")
	if !strings.Contains(rows, "Märta Sjöberg") || strings.Contains(rows, "Someone Else") || !strings.Contains(rows, "Göteborg") {
		t.Errorf("search for sjöb shows %q; want only Märta Sjöberg, in Göteborg", rows)
	}
	b.do("open result",
		chromedp.Click(chromedp.CSS(`table tbody a`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/edit"]`)),
	)
	if got := b.location("open result"); !strings.Contains(got, "/customers/") {
		t.Errorf("opened %q", got)
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
