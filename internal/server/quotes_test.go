package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

func TestQuoteLifecycleAndTotals(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", Street: "Storgatan 1",
		PostalCode: "41104", City: "Göteborg", Email: "eva@example.se"})
	c := env.SignedInClient(t, "seller@example.se", false, authz.CustomerView, authz.CustomerEdit)

	form := url.Values{"quote_date": {"2026-11-27"}, "valid_until": {"2026-12-27"},
		"description": {"Konsulttimme", "Bok", ""}, "quantity": {"3", "x", ""}, "unit_price": {"33,33", "100", ""},
		"vat_rate": {"25", "6", "25"}}
	r := c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="line_1_quantity-error"`) ||
		!strings.Contains(r.Body, `value="33,33"`) || !strings.Contains(r.Body, `value="Bok"`) {
		t.Fatalf("invalid quantity: %d, want 422 marking line 2 and keeping every line", r.Status)
	}
	form["quantity"] = []string{"3", "1", ""}
	r = c.PostForm(customerPath(cust)+"/quotes", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/quotes/") {
		t.Fatalf("create quote: %d %q", r.Status, r.Location)
	}
	quotePath := r.Location
	page := c.Get(quotePath).Body
	// 3 × 33,33 = 99,99 + VAT 25 % 25,00; 1 × 100 + VAT 6 % 6,00 → 199,99 net, 230,99 in all.
	for _, want := range []string{"99,99 kr", "25,00 kr", "6,00 kr", `id="quote-net">199,99 kr`, "230,99 kr"} {
		if !strings.Contains(page, strings.ReplaceAll(want, " kr", "\u00a0kr")) && !strings.Contains(page, want) {
			t.Errorf("quote page lacks %q", want)
		}
	}

	for _, status := range []string{"sent", "accepted"} {
		if r := c.PostForm(quotePath+"/status", url.Values{"status": {status}}); r.Status != http.StatusSeeOther {
			t.Fatalf("mark %s: %d", status, r.Status)
		}
	}
	page = c.Get(quotePath).Body
	if !strings.Contains(page, "Accepterad") || !strings.Contains(page, "Storgatan 1") {
		t.Fatal("the accepted quote does not show its status and the billing snapshot")
	}
	if r := c.PostForm(quotePath+"/status", url.Values{"status": {"rejected"}}); r.Status != http.StatusConflict {
		t.Errorf("rejecting an accepted quote: %d, want 409", r.Status)
	}
	if r := c.Get(quotePath + "/edit"); r.Status != http.StatusConflict {
		t.Errorf("editing a sent quote: %d, want 409", r.Status)
	}
	// A save with a mistake in it, from a form opened before the quote was sent, is told the quote is sent:
	// the form is not offered again for a quote that can no longer change.
	bad := url.Values{"version": {"1"}, "quote_date": {"2026-11-27"}, "valid_until": {"2026-12-27"},
		"description": {"Konsulttimme"}, "quantity": {"x"}, "unit_price": {"1"}, "vat_rate": {"25"}}
	if r := c.PostForm(quotePath, bad); r.Status != http.StatusConflict || strings.Contains(r.Body, `name="quantity"`) {
		t.Errorf("an invalid save of a sent quote: %d, want 409 without the form", r.Status)
	}
	var last time.Time
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT last_activity_at FROM customers WHERE id = $1`, cust.ID).Scan(&last); err != nil || last.Before(cust.LastActivityAt) {
		t.Errorf("quote events did not move the customer's last activity (%v, %v)", last, err)
	}
	if page := c.Get(customerPath(cust)).Body; !strings.Contains(page, "230,99") {
		t.Error("the customer page does not list the quote")
	} else if quotes := page[strings.Index(page, `id="quotes"`):]; !strings.Contains(quotes, `<th scope="col">Offertnr</th>`) ||
		strings.Contains(quotes, `<th scope="col">Kundnr</th>`) {
		t.Error("the customer page's quotes table does not head its number column Offertnr")
	}
}

// acceptAt marks quote q accepted at the given time (as if decided then).
func acceptAt(t *testing.T, env *testutil.Env, q domain.QuoteID, at time.Time) {
	t.Helper()
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE quotes SET status = 'accepted', sent_at = $2, decided_at = $2 WHERE id = $1`,
		q, at); err != nil {
		t.Fatal(err)
	}
}

func stockholmTime(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, domain.Stockholm)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRetentionDatesOnThePages: Bokföringslagen 7 kap. 2 § keeps räkenskapsinformation "fram till och med det
// sjunde året efter utgången av det kalenderår då räkenskapsåret avslutades". A quote accepted on 2026-03-24
// in a calendar fiscal year is kept through 2033-12-31 and its personal data is erasable from 2034-01-01:
// the customer page, the delete refusal and the bulk preview say so, and quote the rule; on 2034-01-01 the
// customer may be deleted.
func TestRetentionDatesOnThePages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	withSale := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", City: "Visby"})
	without := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Bo Ek", City: "Visby"})
	q := env.MustCreateQuote(t, withSale.ID)
	acceptAt(t, env, q.ID, stockholmTime("2026-03-24 10:00"))
	_, pw := env.MustCreateUser(t, "dpo@example.se", false, authz.CustomerView, authz.CustomerDelete,
		authz.CustomerAnonymise, authz.CustomerBulkErase)
	var c *testutil.Client
	// on moves the clock and signs in again (a session does not outlive a jump of years).
	on := func(when string) {
		env.Clock.Set(stockholmTime(when))
		c = env.NewClient(t)
		c.SignIn("dpo@example.se", pw)
	}
	const rule = "fram till och med det sjunde året efter utgången av det kalenderår då räkenskapsåret avslutades"

	erasable := func(cust domain.Customer) (string, string) {
		page := c.Get(customerPath(cust)).Body
		m := regexp.MustCompile(`(?s)id="erasable-from">.*?(\d{4}-\d{2}-\d{2})`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no erasable-from date on the page of %s", cust.Name)
		}
		return m[1], page
	}
	// The last day of the hold.
	on("2033-12-31 23:00")
	got, page := erasable(withSale)
	if got != "2034-01-01" || !strings.Contains(page, "2033-12-31") || !strings.Contains(page, "2026-03-24") ||
		!strings.Contains(page, "2026-12-31") || !strings.Contains(page, rule) {
		t.Errorf("customer page on 2033-12-31: erasable from %s, want 2034-01-01 with the hold through 2033-12-31, the fiscal year's end and the rule", got)
	}
	if got, _ := erasable(without); got != "2033-12-31" {
		t.Errorf("no accepted quote: erasable from %s, want today", got)
	}
	r := c.Get(customerPath(withSale) + "/delete")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "sparas till och med 2033-12-31, får rensas från 2034-01-01") ||
		!strings.Contains(r.Body, "accepterad 2026-03-24") || !strings.Contains(r.Body, rule) {
		t.Errorf("delete on the hold's last day: %d, want the refusal with the dates and the rule", r.Status)
	}
	r = c.PostForm("/crm/bulk", url.Values{"city": {"Visby"}, "all": {"yes"}})
	preview := c.Get(r.Location).Body
	if !strings.Contains(preview, "1 offert sparas till och med 2033-12-31, får rensas från 2034-01-01") || !strings.Contains(preview, rule) {
		t.Errorf("bulk preview on 2033-12-31: want the held quote with its dates and the rule\n%s", preview)
	}
	// The first day after it.
	on("2034-01-01 00:00")
	if got, page := erasable(withSale); got != "2034-01-01" || strings.Contains(page, "2033-12-31") {
		t.Errorf("customer page on 2034-01-01: erasable from %s, want today, with no hold", got)
	}
	if r := c.Get(customerPath(withSale) + "/delete"); r.Status != http.StatusOK || !strings.Contains(r.Body, `name="reason"`) {
		t.Errorf("delete on 2034-01-01: %d, want the confirmation form", r.Status)
	}
	r = c.PostForm("/crm/bulk", url.Values{"city": {"Visby"}, "all": {"yes"}})
	if preview := c.Get(r.Location).Body; strings.Contains(preview, "sparas till och med") {
		t.Error("bulk preview on 2034-01-01 still lists a held quote")
	}
}

func TestEveryQuoteStatusHasLabels(t *testing.T) {
	for _, s := range []domain.QuoteStatus{domain.QuoteDraft, domain.QuoteSent, domain.QuoteAccepted, domain.QuoteRejected, domain.QuoteExpired} {
		if !i18n.Has("quote.status." + string(s)) {
			t.Errorf("status %s has no label", s)
		}
		if s != domain.QuoteDraft && !i18n.Has("quote.action."+string(s)) {
			t.Errorf("status %s has no action label", s)
		}
	}
}

func TestRetentionSetting(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "admin@example.se", true)
	if r := c.Get("/settings"); r.Status != http.StatusOK || !strings.Contains(r.Body, `value="7"`) {
		t.Fatalf("settings page: %d, want the default of 7 years", r.Status)
	}
	r := c.PostForm("/settings", url.Values{"retention_years": {"5"}, "fiscal_year_end": {"12"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "bokföringslagen") || !strings.Contains(r.Body, `name="below_law"`) {
		t.Fatalf("5 years unconfirmed: %d, want the warning and a confirmation box", r.Status)
	}
	if r := c.PostForm("/settings", url.Values{"retention_years": {"5"}, "fiscal_year_end": {"12"}, "below_law": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("5 years confirmed: %d", r.Status)
	}
	if r := c.PostForm("/settings", url.Values{"retention_years": {"0"}, "fiscal_year_end": {"13"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `id="retention_years-error"`) || !strings.Contains(r.Body, `id="fiscal_year_end-error"`) {
		t.Fatalf("0 years and month 13: %d, want 422 naming both fields in one round", r.Status)
	}
	if r := c.Get("/settings"); !strings.Contains(r.Body, `value="5"`) {
		t.Fatal("the saved retention is not shown")
	}
}

// TestBrokenFiscalYearMovesTheHolds: with the fiscal year ending on 30 June, a quote accepted on 2026-08-15
// belongs to the fiscal year that ends on 2027-06-30, so it is kept through 2034-12-31 instead of
// 2033-12-31: the customer page says so at once, and a snapshot already held moves in the same save.
func TestBrokenFiscalYearMovesTheHolds(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	env.Clock.Set(stockholmTime("2026-11-27 12:00"))
	open := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek"})
	acceptAt(t, env, env.MustCreateQuote(t, open.ID).ID, stockholmTime("2026-08-15 09:00"))
	gone := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Bo Ek"})
	q := env.MustCreateQuote(t, gone.ID)
	if err := env.Services.Quotes.SetStatus(ctx, q.ID, domain.QuoteSent); err != nil { // takes the billing snapshot
		t.Fatal(err)
	}
	acceptAt(t, env, q.ID, stockholmTime("2026-08-15 09:00"))
	if _, err := env.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: strconv.FormatInt(gone.Number, 10), Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	held := func() string {
		var d time.Time
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT held_until FROM quotes WHERE id = $1`, q.ID).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d.Format("2006-01-02")
	}
	if got := held(); got != "2034-01-01" {
		t.Fatalf("held until %s under a calendar fiscal year, want 2034-01-01", got)
	}
	c := env.SignedInClient(t, "admin@example.se", true)
	if page := c.Get(customerPath(open)).Body; !strings.Contains(page, "2034-01-01") || !strings.Contains(page, "2026-12-31") {
		t.Fatal("calendar fiscal year: the customer page lacks 2034-01-01 and the fiscal year's end 2026-12-31")
	}
	if r := c.PostForm("/settings", url.Values{"retention_years": {"7"}, "fiscal_year_end": {"6"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("saving a June fiscal year end: %d", r.Status)
	}
	if r := c.Get("/settings"); !strings.Contains(r.Body, `<option value="6" selected>`) {
		t.Error("the settings page does not show the June year end as chosen")
	}
	page := c.Get(customerPath(open)).Body
	if !strings.Contains(page, "Personuppgifterna får raderas från 2035-01-01") || !strings.Contains(page, "2027-06-30") ||
		!strings.Contains(page, "2034-12-31") {
		t.Error("June fiscal year: the customer page should say erasable from 2035-01-01, kept through 2034-12-31, fiscal year ending 2027-06-30")
	}
	if got := held(); got != "2035-01-01" {
		t.Errorf("the held snapshot: until %s after the change, want 2035-01-01", got)
	}
}
