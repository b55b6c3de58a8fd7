package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// TestAuditLogAnswersWhoViewedACustomer: "who viewed customer N between two dates?" through the log's
// filters, the object named by its number and linked, the details in words; the same as CSV, itself
// recorded with the names of the filters only; an erased customer is still found by number.
func TestAuditLogAnswersWhoViewedACustomer(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, domain.Stockholm))
	watched := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Vilma Visad"})
	other := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Otto Annan"})
	anna := env.SignedInClient(t, "anna@example.se", false, authz.CustomerView)
	bo := env.SignedInClient(t, "bo@example.se", false, authz.CustomerView)
	anna.Get(customerPath(watched))
	bo.Get(customerPath(other))
	env.Clock.Advance(72 * time.Hour) // 26 November
	bo = env.SignedInClient(t, "bo2@example.se", false, authz.CustomerView)
	bo.Get(customerPath(watched))
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.AuditView, authz.CustomerView)

	number := strconv.FormatInt(watched.Number, 10)
	week := "/audit?customer=" + number + "&group=views&from=2026-11-23&to=2026-11-24"
	r := dpo.Get(week)
	rows := regexp.MustCompile(`<tr><td>\d+</td>`).FindAllString(r.Body, -1)
	if r.Status != http.StatusOK || len(rows) != 1 || !strings.Contains(r.Body, "User anna@example.se") ||
		strings.Contains(r.Body, "User bo") {
		t.Fatalf("views of customer %s on 23–24 November: %d, %d rows, want anna's one", number, r.Status, len(rows))
	}
	if !strings.Contains(r.Body, `href="`+customerPath(watched)+`">Kund `+number+`</a>`) {
		t.Error("the object is not shown as a link by its number")
	}
	if all := dpo.Get("/audit?customer=" + number + "&group=views"); len(regexp.MustCompile(`<tr><td>\d+</td>`).FindAllString(all.Body, -1)) != 2 {
		t.Error("without dates, the log does not show both viewers")
	}
	if bad := dpo.Get("/audit?customer=tio&q=x"); !strings.Contains(bad.Body, "Ange ett nummer med bara siffror.") || !strings.Contains(bad.Body, `value="tio"`) ||
		!strings.Contains(bad.Body, "Sök i detaljer tillsammans med ett annat filter") {
		t.Error("a bad number or a text alone is not told beside its field, or what was typed is lost")
	}

	csv := dpo.Get(strings.Replace(week, "/audit?", "/audit.csv?", 1))
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Body, "Kund "+number) || !strings.Contains(csv.Body, "User anna@example.se") || strings.Contains(csv.Body, "User bo") {
		t.Fatalf("csv: %d %q", csv.Status, csv.Body)
	}
	var filters string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details->>'filters' FROM audit_events WHERE action = 'export.audit'`).Scan(&filters); err != nil ||
		filters != `["customer", "group", "from", "to"]` {
		t.Fatalf("the export's event holds %q (%v), want the names of the filters only", filters, err)
	}

	ctx := authz.WithActor(context.Background(), authz.System())
	if _, err := env.Services.GDPR.Delete(ctx, watched.ID, gdpr.Input{Confirm: number, Reason: "Begäran"}); err != nil {
		t.Fatal(err)
	}
	gone := dpo.Get("/audit?customer=" + number + "&group=views")
	if n := len(regexp.MustCompile(`<tr><td>\d+</td>`).FindAllString(gone.Body, -1)); n != 2 || !strings.Contains(gone.Body, "Kund "+number) ||
		strings.Contains(gone.Body, `href="`+customerPath(watched)+`"`) {
		t.Fatalf("after deletion: %d rows; the customer should be found by number, named, not linked", n)
	}
}
