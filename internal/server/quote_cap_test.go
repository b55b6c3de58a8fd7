package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

// Through the form: a line over the cap (the overflow of issue 13 among them) is refused beside its price
// with every typed value kept; a quote of exactly the cap is saved and shown as it is.
func TestQuoteFormRefusesAmountsAboveTheCap(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	sv := i18n.WithLang(context.Background(), "sv")
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Stor Affär AB"})
	c := env.SignedInClient(t, "seller@example.se", false, authz.CustomerView, authz.CustomerEdit)

	form := url.Values{"quote_date": {"2026-11-27"}, "valid_until": {"2026-12-27"},
		"description": {"Gräns", "Överflöd", "En öre till"}, "quantity": {"1", "123456789", "1"},
		"unit_price": {"100000000000", "9999999999999", "0,01"}, "vat_rate": {"0", "25", "0"}}
	r := c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="line_1_unit_price-error">`+html.EscapeString(i18n.T(sv, "error.line_amount_cap"))) ||
		!strings.Contains(r.Body, `id="line_2_vat_rate-error">`+html.EscapeString(i18n.T(sv, "error.rate_amount_cap"))) ||
		!strings.Contains(r.Body, `value="9999999999999"`) || !strings.Contains(r.Body, `value="123456789"`) {
		t.Fatalf("lines over the cap: %d, want 422 with the messages beside the fields and the input kept", r.Status)
	}
	form = url.Values{"quote_date": {"2026-11-27"}, "valid_until": {"2026-12-27"},
		"description": {"Gräns"}, "quantity": {"1"}, "unit_price": {"80 000 000 000"}, "vat_rate": {"25"}}
	r = c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("a quote of exactly the cap with VAT: %d", r.Status)
	}
	if page := c.Get(r.Location).Body; !strings.Contains(page, "100\u00a0000\u00a0000\u00a0000,00 kr") {
		t.Error("the quote page does not show the total of 100 000 000 000,00 kr")
	}
	// A quote stored before the cap shows no made-up amount, and says why.
	quote := r.Location
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE quote_lines SET qty_milli = 123456789000,
		unit_price_ore = 999999999999900 WHERE quote_id = $1`, strings.TrimPrefix(quote, "/quotes/")); err != nil {
		t.Fatal(err)
	}
	if page := c.Get(quote); page.Status != http.StatusOK || !strings.Contains(page.Body, html.EscapeString(i18n.T(sv, "quote.amount_exceeded"))) ||
		strings.Contains(page.Body, "-9") || !strings.Contains(page.Body, `id="quote-net">—`) {
		t.Errorf("a quote stored over the cap: %d, want its amounts as — with the explanation", page.Status)
	}
	form.Set("unit_price", "80 000 000 000,01")
	r = c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="line_0_unit_price-error">`+html.EscapeString(i18n.T(sv, "error.quote_amount_cap"))) {
		t.Errorf("a total one öre above the cap: %d, want 422 beside the price", r.Status)
	}
}
