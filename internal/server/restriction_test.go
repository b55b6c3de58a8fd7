package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/internal/testutil"
)

// The restricted canary's strings: none of them may reach a user who may not see restricted customers.
var restrictedCanary = []string{"Spärrad Spårsson", "sparrad-kanarie@example.se", "19811218-9876", "811218-9876", "198112189876", "8112189876"}

func withoutRestricted(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range restrictedCanary {
		if strings.Contains(body, s) {
			t.Errorf("%s shows the restricted customer (%q)", what, s)
		}
	}
}

// restrictedFixture is a restricted canary with consent, an address, an e-mail address and a quote, and
// beside it an ordinary customer of the same city, whom every list and export does show.
func restrictedFixture(t *testing.T) (*testutil.Env, domain.Customer, domain.Quote, domain.Customer) {
	t.Helper()
	env := testutil.NewEnv(t, nil)
	ctx := authz.WithActor(context.Background(), authz.System())
	in := domain.CustomerInput{Kind: "person", Email: "", Street: "Gatan 2", PostalCode: "90326", City: "Umeå"}
	in.Name, in.Email = "Synlig Svensson", "synlig@example.se"
	other := env.MustCreateCustomer(t, in)
	in.Name, in.Email, in.IDNumber = "Spärrad Spårsson", "sparrad-kanarie@example.se", "811218-9876"
	cust := env.MustCreateCustomer(t, in)
	for _, id := range []domain.CustomerID{cust.ID, other.ID} {
		if err := env.Services.Customers.SetConsent(ctx, id, true, "email"); err != nil {
			t.Fatal(err)
		}
	}
	q := env.MustCreateQuote(t, cust.ID)
	env.MustCreateQuote(t, other.ID)
	req, err := env.Services.Requests.Register(ctx, request.Input{Kinds: []string{"restriction"},
		Received: env.Clock.Now().In(domain.Stockholm).Format(domain.DateLayout), Channel: "letter", Name: "Begärande Person"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Services.Customers.Restrict(ctx, cust.ID, customer.RestrictInput{Reason: "accuracy_contested", RequestID: req.Number()}); err != nil {
		t.Fatal(err)
	}
	return env, cust, q, other
}

// allBut is every permission of the catalogue except p.
func allBut(p authz.Permission) []authz.Permission {
	var out []authz.Permission
	for _, q := range authz.All() {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}

// Done when (issue 17 item 5): a restricted customer appears on no page for a user who holds every
// permission but privacy.manage: every GET route of the table, searches by its name, e-mail and
// personnummer, every export and label format and a bulk selection; its own pages answer as a customer
// that does not exist; edits and new quotes are refused and change nothing.
func TestRestrictedCustomerHiddenEverywhere(t *testing.T) {
	env, cust, q, other := restrictedFixture(t)
	c := env.SignedInClient(t, "clerk@example.se", false, allBut(authz.PrivacyManage)...)
	sup := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Lev AB"})
	target, _ := env.MustCreateUser(t, "target@example.se", false)
	fx := fixtures{user: int64(target), customer: int64(cust.ID), contact: 1, supplier: int64(sup.ID), quote: int64(q.ID)}
	missing := c.Get("/customers/999999")
	for _, rt := range env.Server.Routes() {
		if rt.Method != http.MethodGet {
			continue
		}
		path := concrete(rt.Pattern, fx)
		r := c.Get(path)
		withoutRestricted(t, "GET "+path, r.Body)
		if strings.Contains(rt.Pattern, "{id}") && (strings.HasPrefix(path, "/customers/") || strings.HasPrefix(path, "/quotes/")) {
			if r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 404 as for a customer that does not exist", rt.Pattern, r.Status)
			}
		}
	}
	// The answer is that of a customer that does not exist, word for word.
	if r := c.Get(customerPath(cust)); r.Status != http.StatusNotFound || stripRequestID(r.Body) != stripRequestID(missing.Body) {
		t.Errorf("the restricted customer's page: %d, and it differs from a missing customer's", r.Status)
	}
	for _, p := range []string{"/customers?q=Sp%C3%A4rrad", "/customers?q=sparrad-kanarie", "/customers?q=811218-9876",
		"/customers?q=" + strconv.FormatInt(cust.Number, 10), "/crm?city=Ume%C3%A5", "/crm?q=Sp%C3%A4rrad", "/quotes", "/"} {
		r := c.Get(p)
		withoutRestricted(t, "GET "+p, withoutSearch(p, r.Body))
		if strings.HasPrefix(p, "/crm") || strings.HasPrefix(p, "/quotes") {
			if !strings.Contains(r.Body, "Synlig Svensson") {
				t.Errorf("GET %s does not show the ordinary customer either: the test proves nothing", p)
			}
		}
	}
	checkExports(t, c, cust)
	checkBulkSelection(t, env, c)
	checkRefusedEdits(t, env, c, cust, http.StatusNotFound)
	_ = other
}

// stripRequestID is a page without what differs between two requests.
func stripRequestID(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	return body
}

// checkExports: the register CSV and XLSX, the e-mail export and the labels (of the segment and of the
// restricted customer ticked by hand) hold the ordinary customer and not the restricted one.
func checkExports(t *testing.T, c *testutil.Client, cust domain.Customer) {
	t.Helper()
	csv := c.PostForm("/exports/register.csv", url.Values{})
	xlsx := xlsxXML(t, c.PostForm("/exports/register.xlsx", url.Values{}).Body)
	emails := c.PostForm("/exports/emails.csv", url.Values{"all_emails": {"yes"}})
	labels := c.PostForm("/exports/labels.pdf", url.Values{"city": {"Umeå"}, "all": {"yes"}})
	labelText := readWithPoppler(t, labels.Body).text
	for what, body := range map[string]string{"register CSV": csv.Body, "register XLSX": xlsx, "e-mail export": emails.Body,
		"labels PDF": labelText} {
		withoutRestricted(t, "the "+what, body)
		if !strings.Contains(body, "Synlig Svensson") && !strings.Contains(body, "synlig@example.se") {
			t.Errorf("the %s lacks the ordinary customer: the test proves nothing", what)
		}
	}
	withoutRestricted(t, "the labels PDF's bytes", labels.Body)
	// Ticked by hand (a crafted form): the labels of the ticked still leave the restricted customer out.
	c.PostForm("/crm/ticks", url.Values{"ids": {strconv.FormatInt(int64(cust.ID), 10)}})
	ticked := c.PostForm("/exports/labels.pdf", url.Values{})
	if ticked.Status == http.StatusOK {
		withoutRestricted(t, "the labels of the ticked", readWithPoppler(t, ticked.Body).text)
	}
	c.PostForm("/crm/ticks", url.Values{"clear": {"yes"}})
}

// checkBulkSelection: a bulk job of the whole city freezes the ordinary customer alone.
func checkBulkSelection(t *testing.T, env *testutil.Env, c *testutil.Client) {
	t.Helper()
	r := c.PostForm("/crm/bulk", url.Values{"city": {"Umeå"}, "all": {"yes"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("bulk draft: %d", r.Status)
	}
	preview := c.Get(r.Location)
	withoutRestricted(t, "the bulk preview", preview.Body)
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM bulk_job_items i JOIN customers c ON c.id = i.customer_id
		WHERE c.restricted_at IS NOT NULL`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the frozen bulk selection holds %d restricted customers (%v)", n, err)
	}
}

// checkRefusedEdits: editing the restricted customer, its contacts, consent, credit reports and new
// quotes are refused with status want, and change nothing.
func checkRefusedEdits(t *testing.T, env *testutil.Env, c *testutil.Client, cust domain.Customer, want int) {
	t.Helper()
	id := customerPath(cust)
	before := snapshot(t, env.DB)
	posts := map[string]url.Values{
		id: {"kind": {"person"}, "name": {"Nytt Namn"}, "country": {"SE"}, "version": {strconv.Itoa(cust.Version)}},
		id + "/quotes": {"quote_date": {"2026-12-01"}, "valid_until": {"2026-12-31"}, "line_description": {"Arbete"},
			"line_qty": {"1"}, "line_price": {"100"}, "line_vat": {"25"}},
		id + "/consent":        {"given": {"false"}, "consent_source": {"email"}},
		id + "/contacts":       {"contact_name": {"Kim"}},
		id + "/credit-reports": {"credit_need": {"credit_application"}, "credit_reference": {"UC-1"}, "bureau": {"UC"}, "taken_on": {"2026-11-01"}, "rating": {"A"}, "limit": {"1000"}},
	}
	for path, form := range posts {
		if r := c.PostForm(path, form); r.Status != want {
			t.Errorf("POST %s on a restricted customer: %d, want %d", path, r.Status, want)
		}
	}
	for _, path := range []string{id + "/edit", id + "/quotes/new"} {
		if r := c.Get(path); r.Status != want {
			t.Errorf("GET %s on a restricted customer: %d, want %d", path, r.Status, want)
		}
	}
	if after := snapshot(t, env.DB); after != before {
		t.Error("a refused edit of a restricted customer changed data")
	}
}

// Done when (issue 17 item 5): a privacy.manage holder sees the restricted customer marked "Begränsad" in
// the list, the search and the CRM screen, and on its page, whose read is in the audit log; edits and new
// quotes are refused with the reason said.
func TestRestrictedCustomerShownMarkedToPrivacyManage(t *testing.T) {
	env, cust, _, _ := restrictedFixture(t)
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView, authz.CustomerEdit, authz.CreditReportAccess)
	for _, p := range []string{"/customers", "/customers?q=Sp%C3%A4rrad", "/crm", "/quotes"} {
		body := dpo.Get(p).Body
		if !strings.Contains(body, "Spärrad Spårsson") || !strings.Contains(body, `<span class="tag restricted">Begränsad</span>`) {
			t.Errorf("GET %s does not show the restricted customer marked", p)
		}
	}
	last := lastEventID(t, env.DB)
	page := dpo.Get(customerPath(cust))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="restricted"`) || !strings.Contains(page.Body, "Begäran nr "+strconv.Itoa(env.Clock.Now().In(domain.Stockholm).Year())+"-0001.") ||
		!strings.Contains(page.Body, customerPath(cust)+"/unrestrict") {
		t.Fatalf("the restricted customer's page for a privacy.manage holder: %d, marked and liftable: %v\n%s", page.Status,
			strings.Contains(page.Body, `id="restricted"`), page.Body)
	}
	actions, err := testutil.AuditActions(context.Background(), env.DB.Pool, last)
	if err != nil || actions[customer.Viewed] != 1 {
		t.Errorf("the read of the restricted customer's page is not in the audit log: %v (%v)", actions, err)
	}
	if strings.Contains(page.Body, customerPath(cust)+"/edit") || strings.Contains(page.Body, customerPath(cust)+"/quotes/new") {
		t.Error("the restricted customer's page offers editing or a new quote")
	}
	checkRefusedEdits(t, env, dpo, cust, http.StatusConflict)
	if body := dpo.Get(customerPath(cust) + "/edit").Body; !strings.Contains(body, "Kunden är begränsad (art. 18)") {
		t.Error("the refused edit does not say the customer is restricted")
	}
}

// Done when (issue 17 item 5): restricting and lifting are actions on the customer page for privacy.manage
// holders, each behind a confirmation page, audited with field names and ids only; lifting records when
// and by whom, and the page reminds that the person must be told.
func TestRestrictAndLiftFromTheCustomerPage(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Rut Restriktion", Email: "rut@example.se"})
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView)
	id := customerPath(cust)
	if body := dpo.Get(id).Body; !strings.Contains(body, `href="`+id+`/restrict"`) {
		t.Fatal("the customer page offers no restriction to a privacy.manage holder")
	}
	if body := env.SignedInClient(t, "clerk@example.se", false, allBut(authz.PrivacyManage)...).Get(id).Body; strings.Contains(body, id+"/restrict") {
		t.Error("the customer page offers restriction to a user without privacy.manage")
	}
	confirm := dpo.Get(id + "/restrict")
	if confirm.Status != http.StatusOK || !strings.Contains(confirm.Body, `name="reason"`) {
		t.Fatalf("confirmation page: %d", confirm.Status)
	}
	if r := dpo.PostForm(id+"/restrict", url.Values{"reason": {"because"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Välj ett av skälen i listan.") {
		t.Errorf("a reason not in the list: %d", r.Status)
	}
	if r := dpo.PostForm(id+"/restrict", url.Values{"reason": {"legal_claims"}, "request_id": {"2026-0042"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Det finns ingen förfrågan med det numret.") {
		t.Errorf("an unknown request number: %d", r.Status)
	}
	req := dpo.PostForm("/requests", url.Values{"kinds": {"restriction"}, "received": {env.Clock.Now().In(domain.Stockholm).Format(domain.DateLayout)},
		"channel": {"letter"}, "requester_name": {"Rut Restriktion"}})
	mustSee(t, req)
	number := strconv.Itoa(env.Clock.Now().In(domain.Stockholm).Year()) + "-0001"
	if body := dpo.Get(id + "/restrict?request=" + number).Body; !strings.Contains(body, `value="`+number+`"`) {
		t.Error("the restriction started from a request does not preselect it")
	}
	last := lastEventID(t, env.DB)
	if r := dpo.PostForm(id+"/restrict", url.Values{"reason": {"legal_claims"}, "request_id": {number}}); r.Status != http.StatusSeeOther {
		t.Fatalf("restrict: %d", r.Status)
	}
	assertEvent(t, env, last, customer.Restricted, cust.ID, `"request": "`+number+`"`)
	var recorded int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM subject_request_actions WHERE kind = 'restricted'`).Scan(&recorded); err != nil || recorded != 1 {
		t.Errorf("%d restrictions recorded on the request (%v)", recorded, err)
	}
	if body := dpo.Get(id + "/unrestrict").Body; !strings.Contains(body, "underrättas") {
		t.Error("the lifting's confirmation does not say the person must be told")
	}
	last = lastEventID(t, env.DB)
	if r := dpo.PostForm(id+"/unrestrict", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("lift: %d", r.Status)
	}
	assertEvent(t, env, last, customer.RestrictionLifted, cust.ID, "")
	var liftedBy *int64
	var liftedAt, restricted *string
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT restriction_lifted_by, restriction_lifted_at::text, restricted_at::text
		FROM customers WHERE id = $1`, cust.ID).Scan(&liftedBy, &liftedAt, &restricted)
	if err != nil || liftedBy == nil || liftedAt == nil || restricted != nil {
		t.Fatalf("lifting recorded by %v at %v, still restricted %v (%v)", liftedBy, liftedAt, restricted, err)
	}
	if body := dpo.Get(id).Body; !strings.Contains(body, `id="lift-notice"`) || !strings.Contains(body, "Meddela personen") {
		t.Error("the customer page does not remind that the person must be told of the lifting")
	}
	if r := dpo.PostForm(id+"/unrestrict", url.Values{}); r.Status != http.StatusConflict {
		t.Errorf("lifting twice: %d, want 409", r.Status)
	}
}

// assertEvent checks that exactly one action event about customer id followed event last, with details
// of field names and ids only (none of the customer's data), holding want.
func assertEvent(t *testing.T, env *testutil.Env, last int64, action string, id domain.CustomerID, want string) {
	t.Helper()
	var n int
	var entity int64
	var details string
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) OVER (), entity_id, coalesce(details::text, '')
		FROM audit_events WHERE action = $1 AND id > $2`, action, last).Scan(&n, &entity, &details)
	if err != nil || n != 1 || entity != int64(id) {
		rows, _ := env.DB.Pool.Query(context.Background(), `SELECT action || ' ' || coalesce(details::text, '') FROM audit_events WHERE id > $1`, last)
		all, _ := pgx.CollectRows(rows, pgx.RowTo[string])
		t.Fatalf("%s: %d events about %d (%v); events %q", action, n, entity, err, all)
	}
	if !strings.Contains(details, `"fields"`) || !strings.Contains(details, want) || strings.Contains(details, "Rut") ||
		strings.Contains(details, "legal_claims") {
		t.Errorf("%s details %s: want field names and ids only, holding %s", action, details, want)
	}
}

// Done when (issue 17 item 5): erasing a restricted customer stays possible for a privacy.manage holder,
// and to an eraser without it the customer is not there.
func TestRestrictedCustomerErasedOnlyByPrivacyManage(t *testing.T) {
	env, cust, _, _ := restrictedFixture(t)
	id := customerPath(cust)
	form := url.Values{"reason": {"Begäran om radering"}, "confirm": {strconv.FormatInt(cust.Number, 10)}}
	eraser := env.SignedInClient(t, "eraser@example.se", false, authz.CustomerView, authz.CustomerAnonymise)
	if r := eraser.PostForm(id+"/anonymise", form); r.Status != http.StatusNotFound {
		t.Errorf("anonymising a restricted customer without privacy.manage: %d, want 404", r.Status)
	}
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.CustomerView, authz.CustomerAnonymise, authz.PrivacyManage)
	if r := dpo.Get(id + "/anonymise"); r.Status != http.StatusOK {
		t.Errorf("the anonymise confirmation for a privacy.manage holder: %d", r.Status)
	}
	if r := dpo.PostForm(id+"/anonymise", form); r.Status != http.StatusSeeOther {
		t.Errorf("anonymising a restricted customer with privacy.manage: %d, want done", r.Status)
	}
}
