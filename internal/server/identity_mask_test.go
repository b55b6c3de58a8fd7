package server_test

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// canaryNumber is one of Skatteverket's test personnummer (internal/domain/testdata), in every written form
// the full number may take; canaryMasked is what may be shown of it.
const (
	canaryNumber = "19690220-9292"
	canaryMasked = "19690220-****"
)

var canaryForms = []string{canaryNumber, "196902209292", "690220-9292", "6902209292"}

// everyCustomerPermissionBut is the Customers group of the catalogue without p.
func everyCustomerPermissionBut(p authz.Permission) []authz.Permission {
	var out []authz.Permission
	for _, q := range authz.Groups[0].Permissions {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}

// withoutCanary fails when body holds the canary's full number in any written form.
func withoutCanary(t *testing.T, what, body string) {
	t.Helper()
	for _, f := range canaryForms {
		if strings.Contains(body, f) {
			t.Errorf("%s shows the full personnummer (%s)", what, f)
		}
	}
}

// withoutSearch is body without what the user typed in the search of path: the search box shows it again
// and the page's links keep it.
func withoutSearch(path, body string) string {
	u, _ := url.Parse(path)
	typed := u.Query().Get("q")
	if typed == "" {
		return body
	}
	body = strings.ReplaceAll(body, `value="`+typed+`"`, "")
	return strings.ReplaceAll(body, "q="+url.QueryEscape(typed), "")
}

// xlsxXML is every XML part of a workbook, joined.
func xlsxXML(t *testing.T, body string) string {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("the XLSX is not a zip: %v", err)
	}
	var all strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		all.Write(b)
	}
	return all.String()
}

func canaryFixture(t *testing.T) (*testutil.Env, domain.Customer, domain.Quote) {
	t.Helper()
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kanarie Karlsson", IDNumber: "690220-9292",
		Email: "kanarie@example.se", Street: "Fågelvägen 1", PostalCode: "90326", City: "Umeå"})
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Customers.SetConsent(ctx, cust.ID, true, "email"); err != nil {
		t.Fatal(err)
	}
	return env, cust, env.MustCreateQuote(t, cust.ID)
}

// Done when (issue 16 item 3): a user with every customer permission but "Se fullständiga personnummer"
// never receives a personnummer in full, on any page that shows the customer nor in any export, though a
// search by the full number still finds them; only the subject-access copy, the person's own data, holds it.
func TestIdentityNumberMaskedWithoutThePermission(t *testing.T) {
	env, cust, q := canaryFixture(t)
	c := env.SignedInClient(t, "clerk@example.se", false, everyCustomerPermissionBut(authz.CustomerViewIdentity)...)
	id, qid := customerPath(cust), "/quotes/"+strconv.FormatInt(int64(q.ID), 10)
	pages := []string{"/customers", "/customers?q=" + url.QueryEscape(canaryNumber), "/customers?q=6902209292", "/crm",
		"/crm?q=" + url.QueryEscape(canaryNumber), "/crm?kind=person", id, id + "/edit", id + "/quotes/new", id + "/delete",
		id + "/anonymise", "/quotes", qid, qid + "/edit", qid + "/send", qid + "/email", "/bulk-jobs", "/"}
	for _, p := range pages {
		r := c.Get(p)
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d", p, r.Status)
		}
		withoutCanary(t, "GET "+p, withoutSearch(p, r.Body))
	}
	for _, p := range []string{"/customers?q=" + url.QueryEscape(canaryNumber), "/customers?q=6902209292", id, id + "/edit"} {
		if body := c.Get(p).Body; !strings.Contains(body, canaryMasked) || !strings.Contains(body, "Kanarie Karlsson") {
			t.Errorf("GET %s does not show the customer with the masked number %s", p, canaryMasked)
		}
	}
	if strings.Contains(c.Get(id).Body, "/identity") {
		t.Error("the customer page offers \"Visa\" to a user who may not see full numbers")
	}
	pdf := c.Get(qid + "/pdf")
	withoutCanary(t, "the quote PDF", readWithPoppler(t, pdf.Body).text+pdf.Body)

	all := url.Values{"city": {"Umeå"}, "all": {"yes"}}
	labels := c.PostForm("/exports/labels.pdf", all)
	withoutCanary(t, "the labels PDF", readWithPoppler(t, labels.Body).text+labels.Body)
	csvBody := c.PostForm("/exports/register.csv", url.Values{}).Body
	withoutCanary(t, "the register CSV", csvBody)
	if recs := readCSV(t, csvBody); len(recs) != 2 || recs[0][3] != "Person-/organisationsnummer (maskerat)" || recs[1][3] != canaryMasked {
		t.Errorf("register CSV: %q, want the identity column headed as masked and masked", recs)
	}
	sheet := xlsxXML(t, c.PostForm("/exports/register.xlsx", url.Values{}).Body)
	withoutCanary(t, "the register XLSX", sheet)
	if !strings.Contains(sheet, canaryMasked) || !strings.Contains(sheet, "(maskerat)") {
		t.Error("the register XLSX lacks the masked number or the heading saying so")
	}
	withoutCanary(t, "the e-mail export", c.PostForm("/exports/emails.csv", url.Values{"all_emails": {"yes"}}).Body)

	// Saving the edit form with the masked number as shown keeps the stored number.
	form := url.Values{"kind": {"person"}, "name": {"Kanarie Karlsson"}, "id_number": {canaryMasked}, "email": {"ny@example.se"},
		"street": {"Fågelvägen 1"}, "postal_code": {"90326"}, "city": {"Umeå"}, "country": {"SE"}, "version": {formVersion(t, c, cust)}}
	if r := c.PostForm(id, form); r.Status != http.StatusSeeOther {
		t.Fatalf("saving the form as shown: %d", r.Status)
	}
	var stored string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT id_number FROM customers WHERE id = $1`, cust.ID).Scan(&stored); err != nil || stored != canaryNumber {
		t.Fatalf("stored number %q (%v) after saving the masked form, want %q kept", stored, err, canaryNumber)
	}
	if r := c.PostForm(id+"/identity", url.Values{}); r.Status != http.StatusForbidden {
		t.Errorf("POST identity without the permission: %d, want 403", r.Status)
	}
	// The subject-access copy is the person's own data: complete, the number in full.
	if r := c.Get(id + "/export.json"); !strings.Contains(r.Body, canaryNumber) {
		t.Errorf("the subject-access copy (%d) lacks the full personnummer", r.Status)
	}
	// The form says the number is masked; a number typed in full replaces the stored one.
	if body := c.Get(id + "/edit").Body; !strings.Contains(body, `id="id_number-masked"`) {
		t.Error("the edit form does not say the personnummer is masked")
	}
	form.Set("id_number", "811218-9876")
	form.Set("version", formVersion(t, c, cust))
	if r := c.PostForm(id, form); r.Status != http.StatusSeeOther {
		t.Fatalf("saving a retyped number: %d", r.Status)
	}
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT id_number FROM customers WHERE id = $1`, cust.ID).Scan(&stored); err != nil || stored != "19811218-9876" {
		t.Fatalf("stored number %q (%v) after typing a new one, want 19811218-9876", stored, err)
	}
}

// Done when (issue 16 item 3), over the whole route table: a user with every permission but "Se
// fullständiga personnummer" (a privacy officer, say) receives the canary's number in full from no GET
// route, the customer's and its quote's pages included, but the subject-access copy, the person's own data.
func TestNoRouteShowsTheFullNumber(t *testing.T) {
	env, cust, q := canaryFixture(t)
	c := env.SignedInClient(t, "officer@example.se", false, allBut(authz.CustomerViewIdentity)...)
	sup := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Lev AB"})
	fx := fixtures{user: 1, customer: int64(cust.ID), contact: 1, supplier: int64(sup.ID), quote: int64(q.ID)}
	shown := 0
	for _, rt := range env.Server.Routes() {
		if rt.Method != http.MethodGet || strings.HasPrefix(rt.Pattern, "/customers/{id}/export") {
			continue
		}
		path := concrete(rt.Pattern, fx)
		r := c.Get(path)
		withoutCanary(t, "GET "+path, r.Body)
		if strings.Contains(r.Body, canaryMasked) {
			shown++
		}
	}
	if shown < 3 {
		t.Errorf("%d routes show the masked number: the walk did not reach the customer's pages", shown)
	}
}

// Done when (issue 16 item 3): with "Se fullständiga personnummer" the customer page still shows the number
// masked, and "Visa" shows it in full and records that it was shown, naming the customer only; lists stay
// masked and register exports hold the full number under the plain heading.
func TestIdentityNumberShownBehindVisa(t *testing.T) {
	env, cust, _ := canaryFixture(t)
	c := env.SignedInClient(t, "dpo@example.se", false, authz.CustomerView, authz.CustomerViewIdentity, authz.CustomerExport)
	id := customerPath(cust)
	for _, p := range []string{"/customers", "/customers?q=" + url.QueryEscape(canaryNumber), "/crm", id} {
		withoutCanary(t, "GET "+p, withoutSearch(p, c.Get(p).Body))
	}
	if body := c.Get(id).Body; !strings.Contains(body, `action="`+id+`/identity"`) {
		t.Fatal("the customer page offers no \"Visa\" to a user who may see full numbers")
	}
	last := lastEventID(t, env.DB)
	r := c.PostForm(id+"/identity", url.Values{})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, canaryNumber) {
		t.Fatalf("Visa: %d, full number shown %v", r.Status, strings.Contains(r.Body, canaryNumber))
	}
	var n int
	var entity int64
	var details *string
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) OVER (), entity_id, details::text FROM audit_events
		WHERE action = 'customer.identity_viewed' AND id > $1`, last).Scan(&n, &entity, &details)
	if err != nil || n != 1 || entity != int64(cust.ID) || details != nil && strings.Contains(*details, "9292") {
		t.Fatalf("audit: %d events for customer %d, details %v (%v); want one naming the customer only", n, entity, details, err)
	}
	recs := readCSV(t, c.PostForm("/exports/register.csv", url.Values{}).Body)
	if len(recs) != 2 || recs[0][3] != "Person-/organisationsnummer" || recs[1][3] != canaryNumber {
		t.Errorf("register CSV for a holder: %q, want the full number under the plain heading", recs)
	}
}

// Done when (issue 16 item 3), in a real browser: the customer page shows a person's number masked with
// "Visa" beside it; pressing it shows the full number.
func TestBrowserIdentityVisa(t *testing.T) {
	t.Parallel()
	env, cust, _ := canaryFixture(t)
	b := signedInTab(t, env, "dpo@example.se", authz.CustomerView, authz.CustomerViewIdentity)
	b.do("customer page",
		chromedp.Navigate(env.HTTP.URL+customerPath(cust)),
		chromedp.WaitVisible(chromedp.CSS(`#identity button`)),
	)
	if got := b.text("customer page", "#identity"); !strings.Contains(got, canaryMasked) || strings.Contains(got, canaryNumber) {
		t.Errorf("identity line %q, want %s and a button", got, canaryMasked)
	}
	b.shot("identity masked")
	b.do("Visa",
		chromedp.Click(chromedp.CSS(`#identity button`)),
		// The answer is the page without the button (the number is shown): wait for that, not for a heading
		// the page before it has too.
		chromedp.WaitNotPresent(chromedp.CSS(`#identity button`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.details`)),
	)
	if got := b.text("after Visa", "dl.details"); !strings.Contains(got, canaryNumber) {
		t.Errorf("details after Visa %q, want %s", got, canaryNumber)
	}
	b.shot("identity shown")
}
