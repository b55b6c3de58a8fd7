package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// TestCustomerAccessLogFoldsAndPages: nine views by one user within seconds are one row "(9 gånger)" with
// their span, on the customer page, its whole access log and the printable access copy; every event stays
// stored. The whole log pages by 100 events and filters by date (a bad date is shown beside its field).
func TestCustomerAccessLogFoldsAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(time.Date(2026, 11, 30, 10, 2, 0, 0, domain.Stockholm))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Vera Visad"})
	_, pw := env.MustCreateUser(t, "dpo@example.se", true)
	dpo := env.NewClient(t)
	dpo.SignIn("dpo@example.se", pw)
	for range 9 {
		env.Clock.Advance(10 * time.Second)
		if r := dpo.Get(customerPath(cust)); r.Status != http.StatusOK {
			t.Fatalf("view: %d", r.Status)
		}
	}
	page := dpo.Get(customerPath(cust)).Body // the tenth view, not yet in the log it shows
	if !strings.Contains(page, "(9 gånger)") || !strings.Contains(page, "2026-11-30 10:02:10–10:03:30") {
		t.Fatal("the customer page does not fold the nine views into one row with their span")
	}
	var stored int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'customer.viewed' AND entity_id = $1`,
		int64(cust.ID)).Scan(&stored); err != nil || stored != 10 {
		t.Fatalf("%d view events stored (%v), want all 10", stored, err)
	}
	if copyPage := dpo.Get(customerPath(cust) + "/export").Body; !strings.Contains(copyPage, "(10 gånger)") {
		t.Fatal("the access copy does not fold the views")
	}

	// The next day: 120 views ten minutes apart, none folded.
	env.Clock.Set(time.Date(2026, 12, 1, 0, 5, 0, 0, domain.Stockholm))
	ctx := authz.WithActor(context.Background(), authz.System())
	for range 120 {
		env.Clock.Advance(10 * time.Minute)
		if _, err := env.Services.Customers.View(ctx, cust.ID); err != nil {
			t.Fatal(err)
		}
	}
	dpo = env.NewClient(t) // a day on, the session has expired
	dpo.SignIn("dpo@example.se", pw)
	rows := regexp.MustCompile(`<td class="nowrap">\d{4}-\d\d-\d\d `)
	log := dpo.Get(customerPath(cust) + "/access")
	if log.Status != http.StatusOK || !strings.Contains(log.Body, "Åtkomstlogg för kund") || strings.Contains(log.Body, "Vera Visad") {
		t.Fatalf("access log page: %d, or it lacks its title or shows the name", log.Status)
	}
	if n := len(rows.FindAllString(log.Body, -1)); n != 100 {
		t.Fatalf("first page: %d rows, want 100", n)
	}
	older := regexp.MustCompile(`href="(/customers/\d+/access\?before=\d+)"`).FindStringSubmatch(log.Body)
	if older == nil {
		t.Fatal("no link to older events")
	}
	// The rest: every other event of the customer, the first day's ten views in one row.
	var total int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE entity_type = 'customer' AND entity_id = $1`,
		int64(cust.ID)).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if n := len(rows.FindAllString(dpo.Get(strings.ReplaceAll(older[1], "&amp;", "&")).Body, -1)); n != total-100-9 {
		t.Fatalf("second page: %d rows, want %d (the other %d events, ten views folded into one)", n, total-100-9, total-100)
	}
	day := dpo.Get(customerPath(cust) + "/access?from=2026-11-30&to=2026-11-30")
	if n := len(rows.FindAllString(day.Body, -1)); n != total-120-9 || !strings.Contains(day.Body, "(10 gånger)") {
		t.Fatalf("30 November: %d rows, want %d: that day's events, the ten views folded", n, total-120-9)
	}
	bad := dpo.Get(customerPath(cust) + "/access?from=30/11&to=2026-11-30")
	if bad.Status != http.StatusOK || !strings.Contains(bad.Body, `value="30/11"`) || !strings.Contains(bad.Body, `aria-invalid="true"`) {
		t.Fatalf("a bad date: %d, or what was typed is lost, or no error beside the field", bad.Status)
	}
	clerk := env.SignedInClient(t, "clerk@example.se", false, authz.CustomerView)
	if r := clerk.Get(customerPath(cust) + "/access"); r.Status != http.StatusForbidden {
		t.Fatalf("without audit.view: %d, want 403", r.Status)
	}
}
