package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

// A user who may only create customers can ask the suppression list "was this person erased?" by
// typing details: each such hit is audited (field names, no values), and the date of the erasure is
// shown only to those who may read the erasure register.
func TestSuppressionProbeIsAuditedAndUndated(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	old := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gun Gran", Email: "gun@example.se", Phone: "070-111 22 33"})
	_, apw := env.MustCreateUser(t, "admin@example.se", true)
	admin := env.NewClient(t)
	admin.SignIn("admin@example.se", apw)
	if r := admin.PostForm(customerPath(old)+"/delete", url.Values{"confirm": {strconv.FormatInt(old.Number, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	prober, ppw := env.MustCreateUser(t, "prober@example.se", false, authz.CustomerCreate)
	c := env.NewClient(t)
	c.SignIn("prober@example.se", ppw)

	today := env.Clock.Now().In(domain.Stockholm).Format("2006-01-02")
	form := url.Values{"kind": {"person"}, "name": {"Vem Som Helst"}, "email": {"GUN@example.se"}, "phone": {"+46 70 111 22 33"}, "country": {"SE"}}
	r := c.PostForm("/customers", form)
	sv := i18n.WithLang(ctx, "sv")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, html.EscapeString(i18n.T(sv, "customer.erased_before_undated"))) ||
		strings.Contains(r.Body, today) || !strings.Contains(r.Body, `name="confirm_erased"`) || !strings.Contains(r.Body, "Vem Som Helst") {
		t.Fatalf("probe by a creator: %d, want the warning without the date, the typed values kept", r.Status)
	}
	var n int
	var details string
	if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*), coalesce(max(details::text), '') FROM audit_events
		WHERE action = 'customer.erased_match' AND actor_user_id = $1`, prober).Scan(&n, &details); err != nil || n != 1 {
		t.Fatalf("%d audit events of the probe (%v), want 1", n, err)
	}
	if !strings.Contains(details, `"email"`) || !strings.Contains(details, `"phone"`) || strings.Contains(details, "gun") || strings.Contains(details, "111") {
		t.Errorf("probe audit details %s: want the field names, no values", details)
	}
	// The register's readers see when.
	if r := admin.PostForm("/customers", form); r.Status != http.StatusConflict || !strings.Contains(r.Body, today) {
		t.Errorf("probe by an admin: %d, want the warning with the date", r.Status)
	}
	// Confirmed, the customer is created, and the creation says it matched.
	form.Set("confirm_erased", "yes")
	if r := c.PostForm("/customers", form); r.Status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", r.Status)
	}
	if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'customer.created'
		AND actor_user_id = $1 AND details->'erased_match' ? 'email'`, prober).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d creation events noting the match (%v), want 1", n, err)
	}
}
