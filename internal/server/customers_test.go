package server_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// The pages of a customer and of a supplier.
var customerPath, supplierPath = testutil.CustomerPath, testutil.SupplierPath

func TestViewOnlyUserAndCreditReports(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	c := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", IDNumber: "811218-9876"})
	_, viewPW := env.MustCreateUser(t, "viewer@example.se", false, authz.CustomerView)
	_, creditPW := env.MustCreateUser(t, "credit@example.se", false, authz.CustomerView, authz.CreditReportAccess)

	credit := env.NewClient(t)
	credit.SignIn("credit@example.se", creditPW)
	r := credit.PostForm(customerPath(c)+"/credit-reports", url.Values{"credit_need": {"credit_application"}, "credit_reference": {"UC-1"}, "bureau": {"UC"}, "taken_on": {"2026-11-01"},
		"rating": {"Riskklass 4"}, "limit": {"25 000"}, "remarks": {"Inga betalningsanmärkningar"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("recording a credit report: %d", r.Status)
	}
	// The need (kreditupplysningslagen 9 §) and the bureau's reference are shown with the report.
	if body := credit.Get(customerPath(c)).Body; !strings.Contains(body, "<td>Kreditansökan</td>") || !strings.Contains(body, "<td>UC-1</td>") {
		t.Errorf("the credit report does not show its need and reference")
	}

	viewer := env.NewClient(t)
	viewer.SignIn("viewer@example.se", viewPW)
	if r := viewer.Get("/customers"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Eva Ek") {
		t.Fatalf("view-only user listing customers: %d", r.Status)
	}
	page := viewer.Get(customerPath(c))
	// Without customer.view_identity the personnummer is masked (issue 16).
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "19811218-****") || strings.Contains(page.Body, "19811218-9876") {
		t.Fatalf("view-only user opening the customer: %d, want the personnummer masked", page.Status)
	}
	for _, secret := range []string{"Riskklass 4", "25", "Kreditupplysning", "credit-reports", "UC"} {
		if strings.Contains(page.Body, secret) && secret != "25" || strings.Contains(page.Body, "25&nbsp;000") || strings.Contains(page.Body, "25\u00a0000") {
			t.Errorf("view-only user sees credit report data (%q)", secret)
		}
	}
	for _, path := range []string{"/customers/new", customerPath(c) + "/edit"} {
		if r := viewer.Get(path); r.Status != http.StatusForbidden {
			t.Errorf("view-only user GET %s: %d, want 403", path, r.Status)
		}
	}
	if r := viewer.PostForm("/customers", url.Values{"kind": {"person"}, "name": {"Ny"}}); r.Status != http.StatusForbidden {
		t.Errorf("view-only user creating a customer: %d, want 403", r.Status)
	}

	before, _ := testutil.AuditActions(ctx, env.DB.Pool, 0)
	page = credit.Get(customerPath(c))
	if !strings.Contains(page.Body, "Riskklass 4") || !strings.Contains(page.Body, "25\u00a0000,00 kr") {
		t.Fatal("a user with access to credit reports does not see the report")
	}
	after, _ := testutil.AuditActions(ctx, env.DB.Pool, 0)
	if after["customer.viewed"] != before["customer.viewed"]+1 || after["credit_report.viewed"] != before["credit_report.viewed"]+1 {
		t.Fatalf("viewing the customer with its credit reports: events before %v, after %v", before, after)
	}
	if res, err := audit.Verify(ctx, env.DB.Pool); err != nil || res.Events == 0 {
		t.Fatalf("audit verify: %d, %v", res.Events, err)
	}
}

func TestInvalidInputKeepsEveryTypedValue(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "clerk@example.se", false, authz.CustomerCreate, authz.CustomerView)
	c := env.NewClient(t)
	c.SignIn("clerk@example.se", pw)

	cases := []struct {
		field, value, kind string
	}{
		{"id_number", "811218-9875", "person"},
		{"id_number", "556036-0794", "company"},
		{"email", "eva@", "person"},
		{"postal_code", "1234", "person"},
		{"phone", "070-ABC", "person"},
	}
	for _, tc := range cases {
		form := url.Values{"kind": {tc.kind}, "name": {"Eva Ek & Söner"}, "id_number": {""}, "email": {"eva@example.se"},
			"phone": {"070-123 45 67"}, "street": {"Storgatan 1"}, "postal_code": {"123 45"}, "city": {"Göteborg"},
			"country": {"SE"}, "notes": {"Ringer helst på förmiddagen"}}
		form.Set(tc.field, tc.value)
		r := c.PostForm("/customers", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s=%q: status %d, want 422", tc.field, tc.value, r.Status)
			continue
		}
		body := html.UnescapeString(r.Body)
		if !strings.Contains(r.Body, `id="`+tc.field+`-error"`) {
			t.Errorf("%s=%q: no message beside the field", tc.field, tc.value)
		}
		for name := range form {
			v := form.Get(name)
			if name == "kind" || v == "" {
				continue
			}
			if !strings.Contains(body, `value="`+v+`"`) && !strings.Contains(body, ">"+v+"</textarea>") {
				t.Errorf("%s=%q: the typed %s %q is lost", tc.field, tc.value, name, v)
			}
		}
		if !strings.Contains(r.Body, `value="`+tc.kind+`" checked`) {
			t.Errorf("%s=%q: the chosen kind %s is lost", tc.field, tc.value, tc.kind)
		}
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM customers`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("invalid forms created %d customers (%v)", n, err)
	}
}

func TestNamesAreShownAsText(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	name := `<script>alert(1)</script>`
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: name, Notes: `<img src=x onerror=alert(2)>`})
	env.MustAddContact(t, cust.ID, `<b>bold</b>`)
	_, pw := env.MustCreateUser(t, "admin@example.se", true)
	c := env.NewClient(t)
	c.SignIn("admin@example.se", pw)
	for _, path := range []string{"/customers", customerPath(cust), customerPath(cust) + "/edit", "/customers?q=script"} {
		r := c.Get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, r.Status)
		}
		if strings.Contains(r.Body, "<script>alert") || strings.Contains(r.Body, "<img src=x") || strings.Contains(r.Body, "<b>bold") {
			t.Errorf("%s renders customer data as HTML", path)
		}
		if !strings.Contains(r.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the name as text", path)
		}
	}
}

func TestEditRecordsChangedFieldsAndLockedWhenAnonymised(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", City: "Lund"})
	_, pw := env.MustCreateUser(t, "clerk@example.se", false, authz.CustomerEdit, authz.CustomerView, authz.AuditView)
	c := env.NewClient(t)
	c.SignIn("clerk@example.se", pw)

	form := url.Values{"kind": {"person"}, "name": {"Eva Eklund"}, "city": {"Malmö"}, "country": {"SE"}}
	form.Set("version", formVersion(t, c, cust))
	if r := c.PostForm(customerPath(cust), form); r.Status != http.StatusSeeOther {
		t.Fatalf("update: %d", r.Status)
	}
	var details string
	err := env.DB.Pool.QueryRow(ctx, `SELECT details::text FROM audit_events WHERE action = 'customer.changed'`).Scan(&details)
	if err != nil || details != `{"fields": ["name", "city"]}` {
		t.Fatalf("change event details %s (%v), want the two changed field names only", details, err)
	}
	page := c.Get(customerPath(cust))
	if !strings.Contains(page.Body, "Eva Eklund") || !strings.Contains(page.Body, "Kund ändrad") || !strings.Contains(page.Body, "User clerk@example.se") {
		t.Fatal("the customer page does not show the new name and who changed it")
	}
	// Saving without changes writes no event.
	form.Set("version", formVersion(t, c, cust))
	if r := c.PostForm(customerPath(cust), form); r.Status != http.StatusSeeOther {
		t.Fatalf("saving unchanged: %d", r.Status)
	}
	var changes int
	env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'customer.changed'`).Scan(&changes)
	if changes != 1 {
		t.Fatalf("%d change events after saving twice with one change", changes)
	}

	if _, err := env.DB.Pool.Exec(ctx, `UPDATE customers SET anonymised_at = now() WHERE id = $1`, cust.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range []testutil.Response{c.Get(customerPath(cust) + "/edit"), c.PostForm(customerPath(cust), form),
		c.PostForm(customerPath(cust)+"/consent", url.Values{"given": {"true"}, "consent_source": {"phone"}})} {
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "anonymiserad") {
			t.Errorf("anonymised customer: %d, want 409 saying it is anonymised", r.Status)
		}
	}
}

// formVersion reads the version an edit form of cust carries.
func formVersion(t *testing.T, c *testutil.Client, cust domain.Customer) string {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(c.Get(customerPath(cust) + "/edit").Body)
	if m == nil {
		t.Fatal("the edit form carries no version")
	}
	return m[1]
}

func TestConcurrentEditIsNotLost(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", City: "Lund"})
	_, pw := env.MustCreateUser(t, "clerk@example.se", false, authz.CustomerEdit, authz.CustomerView)
	anna, bo := env.NewClient(t), env.NewClient(t)
	anna.SignIn("clerk@example.se", pw)
	bo.SignIn("clerk@example.se", pw)

	annasVersion, bosVersion := formVersion(t, anna, cust), formVersion(t, bo, cust)
	if r := anna.PostForm(customerPath(cust), url.Values{"kind": {"person"}, "name": {"Eva Ek"}, "city": {"Malmö"},
		"version": {annasVersion}}); r.Status != http.StatusSeeOther {
		t.Fatalf("first save: %d", r.Status)
	}
	r := bo.PostForm(customerPath(cust), url.Values{"kind": {"person"}, "name": {"Eva Eklund"}, "city": {"Lund"},
		"version": {bosVersion}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, `value="Eva Eklund"`) || !strings.Contains(r.Body, "Någon annan har ändrat") {
		t.Fatalf("second save on the old version: %d; want 409 saying so and keeping what was typed", r.Status)
	}
	page := anna.Get(customerPath(cust))
	if !strings.Contains(page.Body, "Malmö") || strings.Contains(page.Body, "Eva Eklund") {
		t.Fatal("the second, stale save overwrote the first")
	}
}

func TestUnstorableCharactersAreFieldErrors(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek"})
	_, pw := env.MustCreateUser(t, "clerk@example.se", false, authz.CustomerCreate, authz.CustomerView, authz.CustomerEdit)
	c := env.NewClient(t)
	c.SignIn("clerk@example.se", pw)
	for _, bad := range []string{"Eva\x00Ek", "Eva \xff"} {
		r := c.PostForm("/customers", url.Values{"kind": {"person"}, "name": {bad}, "city": {"Lund"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="name-error"`) {
			t.Errorf("name %q: %d, want 422 with a message beside the name", bad, r.Status)
		}
	}
	for _, path := range []string{"/customers?q=%00abc", "/customers?city=%00", "/customers?q=%ff%fe"} {
		if r := c.Get(path); r.Status != http.StatusOK {
			t.Errorf("%s: %d, want the list", path, r.Status)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, env.HTTP.URL+"/customers", strings.NewReader("name=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := c.Do(req); r.Status != http.StatusBadRequest {
		t.Errorf("a malformed form: %d, want 400", r.Status)
	}
	// Contact persons belong to companies.
	if r := c.PostForm(customerPath(cust)+"/contacts", url.Values{"contact_name": {"Kim"}}); r.Status != http.StatusConflict {
		t.Errorf("a contact person for a private person: %d, want 409", r.Status)
	}
}

func TestCreditReportEventsOnlyForThoseWhoSeeCreditReports(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek"})
	_, creditPW := env.MustCreateUser(t, "credit@example.se", false, authz.CustomerView, authz.CreditReportAccess, authz.AuditView)
	_, auditorPW := env.MustCreateUser(t, "auditor@example.se", false, authz.CustomerView, authz.AuditView)
	credit, auditor := env.NewClient(t), env.NewClient(t)
	credit.SignIn("credit@example.se", creditPW)
	auditor.SignIn("auditor@example.se", auditorPW)
	credit.PostForm(customerPath(cust)+"/credit-reports", url.Values{"credit_need": {"credit_application"}, "credit_reference": {"UC-1"}, "bureau": {"UC"}, "taken_on": {"2026-01-02"},
		"rating": {"A"}, "limit": {"1000"}})
	credit.Get(customerPath(cust))

	for _, path := range []string{customerPath(cust), "/audit"} {
		if body := auditor.Get(path).Body; strings.Contains(body, "credit_report_id") || strings.Contains(body, "Kreditupplysning") {
			t.Errorf("%s shows credit report events to a user who may not see credit reports", path)
		}
		if body := credit.Get(path).Body; !strings.Contains(body, "Kreditupplysning registrerad") {
			t.Errorf("%s hides credit report events from a user who may see them", path)
		}
	}
}

func TestConsentAndContacts(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Ek AB", IDNumber: "556036-0793"})
	_, pw := env.MustCreateUser(t, "clerk@example.se", false, authz.CustomerEdit, authz.CustomerView)
	c := env.NewClient(t)
	c.SignIn("clerk@example.se", pw)

	if r := c.PostForm(customerPath(cust)+"/consent", url.Values{"given": {"true"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("consent without saying how: %d, want 422", r.Status)
	}
	c.PostForm(customerPath(cust)+"/consent", url.Values{"given": {"true"}, "consent_source": {"phone"}})
	c.PostForm(customerPath(cust)+"/consent", url.Values{"given": {"false"}, "consent_source": {"email"}})
	page := c.Get(customerPath(cust))
	if strings.Count(page.Body, "Samtycke lämnat") < 1 || !strings.Contains(page.Body, "Samtycke återkallat") ||
		!strings.Contains(page.Body, "<strong>Inget samtycke</strong>") {
		t.Fatal("consent history or current state not shown")
	}
	if !strings.Contains(page.Body, "Återkallelsen är registrerad.") || strings.Contains(page.Body, "Samtycket är registrerat.") {
		t.Error("a withdrawal is confirmed as a recorded consent")
	}

	bad := c.PostForm(customerPath(cust)+"/contacts", url.Values{"contact_name": {"Kim"}, "contact_email": {"kim@"}, "contact_role": {"Inköp"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Body, `value="Inköp"`) || !strings.Contains(bad.Body, `id="contact_email-error"`) {
		t.Fatalf("invalid contact: %d, want 422 keeping the role and marking the e-mail", bad.Status)
	}
	if r := c.PostForm(customerPath(cust)+"/contacts", url.Values{"contact_name": {"Kim Lind"}, "contact_role": {"Inköp"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add contact: %d", r.Status)
	}
	page = c.Get(customerPath(cust))
	m := regexp.MustCompile(`/contacts/(\d+)/delete`).FindStringSubmatch(page.Body)
	if !strings.Contains(page.Body, "Kim Lind") || m == nil {
		t.Fatal("the contact is not listed with a remove button")
	}
	if r := c.PostForm(customerPath(cust)+"/contacts/"+m[1]+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("remove contact: %d", r.Status)
	}
	if strings.Contains(c.Get(customerPath(cust)).Body, "Kim Lind") {
		t.Fatal("the removed contact is still listed")
	}
}

func TestSearchFilterSortAndPages(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	// 130 customers: enough for three pages of 50.
	_, err := env.DB.Pool.Exec(ctx, `INSERT INTO customers (kind, name, email, phone, city, created_at, updated_at, last_activity_at)
		SELECT CASE WHEN i % 2 = 0 THEN 'person' ELSE 'company' END, 'Kund ' || lpad(i::text, 3, '0'),
			'kund' || i || '@example.se', '070-' || (1000000 + i), CASE WHEN i % 10 = 0 THEN 'Umeå' ELSE 'Lund' END,
			now() - i * interval '1 day', now(), now() - i * interval '1 hour'
		FROM generate_series(1, 130) i`)
	if err != nil {
		t.Fatal(err)
	}
	special := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Åsa Öberg", IDNumber: "811218-9876",
		Phone: "08-555 123 45", Email: "asa@example.se"})
	_, pw := env.MustCreateUser(t, "viewer@example.se", false, authz.CustomerView)
	c := env.NewClient(t)
	c.SignIn("viewer@example.se", pw)

	names := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<a [^>]*href="/customers/\d+">([^<]+)</a>`).FindAllStringSubmatch(body, -1) {
			out = append(out, html.UnescapeString(m[1]))
		}
		return out
	}
	for q, want := range map[string]string{"öberg": "Åsa Öberg", "19811218": "Åsa Öberg", "8112189876": "Åsa Öberg",
		"811218-98": "Åsa Öberg", "08-555 12": "Åsa Öberg", "0855512345": "Åsa Öberg", "+46 8 555 123": "Åsa Öberg",
		"asa@": "Åsa Öberg", "Ås": "Åsa Öberg"} {
		got := names(c.Get("/customers?q=" + url.QueryEscape(q)).Body)
		if len(got) != 1 || got[0] != want {
			t.Errorf("search %q found %v, want [%s]", q, got, want)
		}
	}
	// The customer's number opens the customer (issue 15 item 5).
	if r := c.Get("/customers?q=" + strconv.FormatInt(special.Number, 10)); r.Status != http.StatusSeeOther || r.Location != customerPath(special) {
		t.Errorf("search by number: %d to %q, want the customer", r.Status, r.Location)
	}
	if got := names(c.Get("/customers?q=100%25").Body); len(got) != 0 {
		t.Errorf("a %% in the search is a wildcard: %v", got)
	}
	if got := names(c.Get("/customers?city=ume%C3%A5&kind=person").Body); len(got) != 13 {
		t.Errorf("city Umeå and kind person: %d customers, want 13", len(got))
	}

	// Walk all pages by name: every customer exactly once, in order; then back from the last page.
	var all []string
	path := "/customers"
	for i := 0; path != ""; i++ {
		r := c.Get(path)
		all = append(all, names(r.Body)...)
		m := regexp.MustCompile(`href="(/customers\?after=\d+[^"]*)"`).FindStringSubmatch(r.Body)
		path = ""
		if m != nil {
			path = html.UnescapeString(m[1])
		}
		if i > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(all) != 131 || all[0] != "Åsa Öberg" && all[0] != "Kund 001" {
		t.Fatalf("paged through %d customers starting with %q, want 131", len(all), all[0])
	}
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] {
			t.Fatalf("customer %q listed twice", all[i])
		}
	}
	if all[len(all)-1] != "Åsa Öberg" {
		t.Errorf("sorted by name, the last customer is %q; Swedish order puts Å after Z", all[len(all)-1])
	}
	last := names(c.Get("/customers?page=last").Body)
	if fmt.Sprint(last) != fmt.Sprint(all[len(all)-len(last):]) || len(last) != 50 {
		t.Errorf("last page %v is not the end of the list", last)
	}
	desc := names(c.Get("/customers?sort=number&dir=desc").Body)
	if len(desc) == 0 || desc[0] != "Åsa Öberg" {
		t.Errorf("by number, descending, the newest customer is not first: %v", desc[:min(3, len(desc))])
	}
	if r := c.Get("/customers?created_from=2026-13-01"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="created_from-error"`) {
		t.Errorf("a bad date in the filter: %d, want the list with a message beside the field", r.Status)
	}
}
