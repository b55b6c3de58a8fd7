package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// mustQuote creates a quote of one line (quantity × price at 25 %) on date for a customer.
func mustQuote(t *testing.T, env *testutil.Env, id domain.CustomerID, date, qty, price string) domain.Quote {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	q, err := env.Services.Quotes.Create(ctx, id, domain.QuoteInput{QuoteDate: date, ValidUntil: "2026-12-31",
		Lines: []domain.QuoteLineInput{{Description: "Arbete", Quantity: qty, UnitPrice: price, VATRate: "25"}}})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

var listedNumber = regexp.MustCompile(`<a href="/quotes/\d+">(\d+)</a>`)

// listed are the quote numbers a list page shows, in order.
func listed(body string) []string {
	var out []string
	for _, m := range listedNumber.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestQuoteList: every quote with its customer, filtered by status and dates, sorted by any column, an
// erased customer shown as the register shows them, and a bad date told beside its field with the list
// still shown.
func TestQuoteList(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ek := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Ek Bygg AB"})
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Borta Bortasson"})
	small := mustQuote(t, env, ek.ID, "2026-10-01", "1", "100")  // 125,00
	big := mustQuote(t, env, ek.ID, "2026-11-01", "10", "1000")  // 12 500,00
	mid := mustQuote(t, env, gone.ID, "2026-11-15", "2", "1000") // 2 500,00
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Quotes.SetStatus(ctx, big.ID, domain.QuoteSent); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: strconv.FormatInt(gone.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	num := func(q domain.Quote) string { return strconv.FormatInt(q.Number, 10) }
	c := env.SignedInClient(t, "seller@example.se", false, authz.CustomerView)

	r := c.Get("/quotes")
	if r.Status != http.StatusOK {
		t.Fatalf("/quotes: %d", r.Status)
	}
	if got := strings.Join(listed(r.Body), ","); got != num(mid)+","+num(big)+","+num(small) {
		t.Errorf("newest first: %s", got)
	}
	if !strings.Contains(r.Body, `href="/customers/`+strconv.FormatInt(int64(ek.ID), 10)+`">Ek Bygg AB</a>`) ||
		!strings.Contains(r.Body, "Anonymiserad kund "+strconv.FormatInt(gone.Number, 10)) || strings.Contains(r.Body, "Borta") {
		t.Error("the customers are not shown as the register shows them")
	}
	if !strings.Contains(r.Body, `<td class="num nowrap">`+kr("12 500,00 kr")+`</td>`) {
		t.Error("the total incl. VAT is not shown right-aligned")
	}
	if !strings.Contains(r.Body, `href="/quotes"`) {
		t.Error("Offerter is not in the menu")
	}

	r = c.Get("/quotes?sort=total&dir=asc")
	if got := strings.Join(listed(r.Body), ","); got != num(small)+","+num(mid)+","+num(big) {
		t.Errorf("by total ascending: %s", got)
	}
	if !regexp.MustCompile(`<th scope="col" aria-sort="ascending"><a href="[^"]*dir=desc[^"]*">Totalt inkl. moms`).MatchString(r.Body) {
		t.Error("the total's heading does not tell the order or offer the other one")
	}
	r = c.Get("/quotes?sort=total&dir=desc")
	if got := strings.Join(listed(r.Body), ","); got != num(big)+","+num(mid)+","+num(small) {
		t.Errorf("by total descending: %s", got)
	}
	for _, col := range domain.QuoteSorts {
		if r := c.Get("/quotes?sort=" + string(col)); r.Status != http.StatusOK || len(listed(r.Body)) != 3 {
			t.Errorf("sort by %s: %d, %d rows", col, r.Status, len(listed(r.Body)))
		}
	}

	r = c.Get("/quotes?status=sent")
	if got := strings.Join(listed(r.Body), ","); got != num(big) {
		t.Errorf("status sent: %s", got)
	}
	r = c.Get("/quotes?status=accepted")
	if len(listed(r.Body)) != 0 || !strings.Contains(r.Body, `id="quotes-empty"`) || !strings.Contains(r.Body, "Rensa filter") {
		t.Error("an empty filtered list does not offer to clear the filter")
	}
	r = c.Get("/quotes?from=2026-11-01&to=2026-11-10")
	if got := strings.Join(listed(r.Body), ","); got != num(big) {
		t.Errorf("dates 2026-11-01…10: %s", got)
	}

	r = c.Get("/quotes?from=2026-13-01")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="from-error"`) || !strings.Contains(r.Body, "ÅÅÅÅ-MM-DD") ||
		len(listed(r.Body)) != 3 {
		t.Errorf("a bad date: %d, want its message beside the field and the list", r.Status)
	}
	r = c.Get("/quotes?from=2026-11-10&to=2026-11-01")
	if !strings.Contains(r.Body, `id="to-error"`) {
		t.Error("a to date before the from date is not told")
	}

	if r := env.SignedInClient(t, "edit@example.se", false, authz.CustomerEdit).Get("/quotes"); r.Status != http.StatusForbidden {
		t.Errorf("without Visa kund: %d, want 403", r.Status)
	}
}
