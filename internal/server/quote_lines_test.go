package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// quoteCount is how many quotes and quote lines are stored.
func quoteCount(t *testing.T, env *testutil.Env) (quotes, lines int) {
	t.Helper()
	err := env.DB.Pool.QueryRow(context.Background(),
		`SELECT (SELECT count(*) FROM quotes), (SELECT count(*) FROM quote_lines)`).Scan(&quotes, &lines)
	if err != nil {
		t.Fatal(err)
	}
	return quotes, lines
}

// kr writes an amount "12 500,00 kr" as the pages do, with a no-break space between thousands.
func kr(s string) string {
	return strings.ReplaceAll(strings.TrimSuffix(s, " kr"), " ", "\u00a0") + " kr"
}

// TestQuoteFormRowsWithoutScript: without script the row buttons are submit buttons of the form. "Lägg
// till rad" shows the form again with one more row and "Ta bort" with that row gone, everything typed in
// the other rows kept, and nothing saved, on the new form and on the edit form (whose version is kept).
func TestQuoteFormRowsWithoutScript(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Rader AB"})
	c := env.SignedInClient(t, "seller@example.se", false, authz.CustomerView, authz.CustomerEdit)
	form := url.Values{"quote_date": {"2026-11-27"}, "valid_until": {"2026-12-27"},
		"description": {"Konsulttimme", "Resa"}, "quantity": {"3", "1,5"}, "unit_price": {"100", "x"},
		"vat_rate": {"25", "6"}, "op": {"add"}}

	r := c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusOK {
		t.Fatalf("add row: %d, want the form again", r.Status)
	}
	for _, want := range []string{`value="Konsulttimme"`, `value="Resa"`, `value="1,5"`, `value="x"`, `id="line_2_description"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("after adding a row the form lacks %s", want)
		}
	}
	if strings.Contains(r.Body, `id="line_3_description"`) || strings.Contains(r.Body, `id="error-summary"`) {
		t.Error("adding a row added more than one, or reported errors of a form not yet saved")
	}
	// The rows' sums are shown: 3 × 100 = 300,00 at 25 %; the row with a bad price has none.
	if !strings.Contains(r.Body, `id="line_0_net">`+kr("300,00 kr")+`<`) || !strings.Contains(r.Body, `id="line_1_net"></span>`) {
		t.Error("the rows' amounts are not shown as typed")
	}
	if q, l := quoteCount(t, env); q != 0 || l != 0 {
		t.Fatalf("adding a row saved %d quotes, %d lines", q, l)
	}

	form["op"] = []string{"remove_0"}
	r = c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusOK || strings.Contains(r.Body, `value="Konsulttimme"`) || !strings.Contains(r.Body, `value="Resa"`) ||
		strings.Contains(r.Body, `id="line_1_description"`) {
		t.Errorf("remove row 1: %d, want the form with only the second row", r.Status)
	}
	if q, _ := quoteCount(t, env); q != 0 {
		t.Fatal("removing a row saved the quote")
	}

	// The edit form the same way; the version the form was opened at goes on, so a later save is still
	// checked against it.
	quote := env.MustCreateQuote(t, cust.ID)
	path := "/quotes/" + strconv.FormatInt(int64(quote.ID), 10)
	_, linesBefore := quoteCount(t, env)
	edit := url.Values{"version": {"1"}, "quote_date": {"2026-11-01"}, "valid_until": {"2026-12-01"},
		"description": {"Arbete", "Material"}, "quantity": {"2", "4"}, "unit_price": {"100", "50"}, "vat_rate": {"25", "12"},
		"op": {"add"}}
	r = c.PostForm(path, edit)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `value="Material"`) || !strings.Contains(r.Body, `id="line_2_description"`) ||
		!strings.Contains(r.Body, `name="version" value="1"`) {
		t.Errorf("edit form, add row: %d, want the form with a third row and version 1", r.Status)
	}
	if _, l := quoteCount(t, env); l != linesBefore {
		t.Error("adding a row on the edit form saved the quote")
	}
	delete(edit, "op")
	if r := c.PostForm(path, edit); r.Status != http.StatusSeeOther {
		t.Fatalf("save after adding a row: %d", r.Status)
	}
	if _, l := quoteCount(t, env); l != linesBefore+1 {
		t.Errorf("the saved quote has %d lines in all, want %d", l, linesBefore+1)
	}
}

// TestQuotePreviewIsComputedOnTheServer: the running totals come from the server's sums, the same the saved
// quote gets; a row that cannot be read yet has no amount and no error page.
func TestQuotePreviewIsComputedOnTheServer(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "seller@example.se", false, authz.CustomerView, authz.CustomerEdit)
	r := c.PostForm("/quotes/preview", url.Values{"description": {"Konsulttimme", "Bok", "Trasig", ""},
		"quantity": {"3", "2", "x", ""}, "unit_price": {"100,00", "49,50", "10", ""}, "vat_rate": {"25", "6", "25", "25"}})
	if r.Status != http.StatusOK {
		t.Fatalf("preview: %d", r.Status)
	}
	// 3 × 100 = 300 (VAT 75) + 2 × 49,50 = 99 (VAT 5,94) → 399,00 net, 479,94 in all.
	for _, want := range []string{`id="line_0_net" hx-swap-oob="true">` + kr("300,00 kr"), `id="line_1_net" hx-swap-oob="true">` + kr("99,00 kr"),
		`id="line_2_net" hx-swap-oob="true"></span>`, `id="quote-form-net">` + kr("399,00 kr"), kr("75,00 kr"), kr("5,94 kr"),
		`id="quote-form-total"><strong>` + kr("479,94 kr")} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("preview lacks %q:\n%s", want, r.Body)
		}
	}
	if strings.Contains(r.Body, "<html") {
		t.Error("the preview answers a whole page, not the sums")
	}
	r = c.PostForm("/quotes/preview", url.Values{"description": {"Konsulttimme"}, "quantity": {"3"}, "unit_price": {"100,00"}, "vat_rate": {"25"}})
	if !strings.Contains(r.Body, `id="quote-form-total"><strong>`+kr("375,00 kr")) {
		t.Errorf("3 × 100,00 at 25 %%: want 375,00 kr in all:\n%s", r.Body)
	}
	if q, _ := quoteCount(t, env); q != 0 {
		t.Error("the preview saved a quote")
	}

	// The line editor with script: the rows after the button, as a fragment.
	r = c.PostForm("/quotes/lines", url.Values{"description": {"Konsulttimme"}, "quantity": {"3"}, "unit_price": {"100"},
		"vat_rate": {"25"}, "op": {"add"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="quote-lines-box"`) || !strings.Contains(r.Body, `id="line_1_description"`) ||
		!strings.Contains(r.Body, `value="Konsulttimme"`) || strings.Contains(r.Body, "<html") {
		t.Errorf("line editor, add: %d, want the rows with one more", r.Status)
	}
}
