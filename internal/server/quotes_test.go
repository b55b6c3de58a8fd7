package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

func TestQuoteLifecycleAndTotals(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", Street: "Storgatan 1",
		PostalCode: "41104", City: "Göteborg", Email: "eva@example.se"})
	_, pw := env.MustCreateUser(t, "seller@example.se", false, authz.CustomerView, authz.CustomerEdit)
	c := env.NewClient(t)
	c.SignIn("seller@example.se", pw)

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
	var last time.Time
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT last_activity_at FROM customers WHERE id = $1`, cust.ID).Scan(&last); err != nil || last.Before(cust.LastActivityAt) {
		t.Errorf("quote events did not move the customer's last activity (%v, %v)", last, err)
	}
	if !strings.Contains(c.Get(customerPath(cust)).Body, "230,99") {
		t.Error("the customer page does not list the quote")
	}
}

func TestErasableFromDate(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	withSale := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek"})
	without := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Bo Ek"})
	q := env.MustCreateQuote(t, withSale.ID)
	threeYearsAgo := env.Clock.Now().AddDate(-3, 0, 0)
	if _, err := env.DB.Pool.Exec(ctx, `UPDATE quotes SET status = 'accepted', sent_at = $2, decided_at = $2 WHERE id = $1`,
		q.ID, threeYearsAgo); err != nil {
		t.Fatal(err)
	}
	_, pw := env.MustCreateUser(t, "viewer@example.se", false, authz.CustomerView)
	c := env.NewClient(t)
	c.SignIn("viewer@example.se", pw)

	erasable := func(cust domain.Customer) string {
		m := regexp.MustCompile(`id="erasable-from">[^<]*?(\d{4}-\d{2}-\d{2})`).FindStringSubmatch(c.Get(customerPath(cust)).Body)
		if m == nil {
			t.Fatalf("no erasable-from date on the page of %s", cust.Name)
		}
		return m[1]
	}
	stockholm, _ := time.LoadLocation("Europe/Stockholm")
	today := env.Clock.Now().In(stockholm)
	if got, want := erasable(withSale), threeYearsAgo.In(stockholm).AddDate(7, 0, 0).Format("2006-01-02"); got != want {
		t.Errorf("accepted three years ago: erasable from %s, want %s (four years ahead)", got, want)
	}
	if got := erasable(without); got != today.Format("2006-01-02") {
		t.Errorf("no accepted quote: erasable from %s, want today %s", got, today.Format("2006-01-02"))
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
	_, pw := env.MustCreateUser(t, "admin@example.se", true)
	c := env.NewClient(t)
	c.SignIn("admin@example.se", pw)
	if r := c.Get("/settings"); r.Status != http.StatusOK || !strings.Contains(r.Body, `value="7"`) {
		t.Fatalf("settings page: %d, want the default of 7 years", r.Status)
	}
	r := c.PostForm("/settings", url.Values{"retention_years": {"5"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "bokföringslagen") || !strings.Contains(r.Body, `name="below_law"`) {
		t.Fatalf("5 years unconfirmed: %d, want the warning and a confirmation box", r.Status)
	}
	if r := c.PostForm("/settings", url.Values{"retention_years": {"5"}, "below_law": {"yes"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("5 years confirmed: %d", r.Status)
	}
	if r := c.PostForm("/settings", url.Values{"retention_years": {"0"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("0 years: %d, want 422", r.Status)
	}
	if r := c.Get("/settings"); !strings.Contains(r.Body, `value="5"`) {
		t.Fatal("the saved retention is not shown")
	}
}
