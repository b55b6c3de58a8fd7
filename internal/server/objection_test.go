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

// sv is text as the Swedish interface shows it in HTML.
func svHTML(key string, args ...string) string {
	ctx := i18n.WithLang(context.Background(), "sv")
	if len(args) == 0 {
		return html.EscapeString(i18n.T(ctx, key))
	}
	return html.EscapeString(i18n.Tf(ctx, key, args...))
}

// createdCustomer posts the create form and returns the new customer's path.
func createdCustomer(t *testing.T, c *testutil.Client, form url.Values) string {
	t.Helper()
	r := c.PostForm("/customers", form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/customers/") {
		t.Fatalf("create: %d %q", r.Status, r.Location)
	}
	return r.Location
}

// objectionFixture: a person in Kiruna with consent who objects to direct marketing, and another with
// consent who does not.
func objectionFixture(t *testing.T, c *testutil.Client) (objector string, form url.Values) {
	t.Helper()
	form = url.Values{"kind": {"person"}, "name": {"Ivar Invändare"}, "email": {"ivar@example.se"}, "phone": {"070-123 45 67"},
		"street": {"Malmvägen 1"}, "postal_code": {"98131"}, "city": {"Kiruna"}, "country": {"SE"},
		"consent": {"yes"}, "consent_source": {"email"}}
	objector = createdCustomer(t, c, form)
	createdCustomer(t, c, url.Values{"kind": {"person"}, "name": {"Kerstin Kvar"}, "email": {"kerstin@example.se"},
		"street": {"Malmvägen 2"}, "postal_code": {"98131"}, "city": {"Kiruna"}, "country": {"SE"},
		"consent": {"yes"}, "consent_source": {"email"}})

	page := c.Get(objector + "/objection")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, svHTML("objection.effect_consent")) ||
		!strings.Contains(page.Body, svHTML("objection.effect_erasure")) {
		t.Fatalf("the confirmation page: %d, want what the objection does", page.Status)
	}
	if r := c.PostForm(objector+"/objection", url.Values{"objected_on": {"2026-03-01"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, svHTML("error.objection_channel")) || !strings.Contains(r.Body, "2026-03-01") {
		t.Fatalf("objection without a channel: %d, want the form again with the error and the date kept", r.Status)
	}
	if r := c.PostForm(objector+"/objection", url.Values{"objected_on": {"2026-03-01"}, "objection_channel": {"letter"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("record objection: %d", r.Status)
	}
	return objector, form
}

// marketingReach is what the marketing exports of Kiruna hold: the e-mail export's addresses (also of
// customers without consent) and the labels' names, and the CRM screen's count of those left out.
func marketingReach(t *testing.T, c *testutil.Client) (emails, labels, crm string) {
	t.Helper()
	r := c.PostForm("/exports/emails.csv", url.Values{"city": {"Kiruna"}, "all_emails": {"yes"}})
	if r.Status != http.StatusOK {
		t.Fatalf("e-mail export: %d", r.Status)
	}
	for _, rec := range readCSV(t, r.Body)[1:] {
		emails += rec[1] + " "
	}
	r = c.PostForm("/exports/labels.pdf", url.Values{"city": {"Kiruna"}, "all": {"yes"}})
	if r.Status != http.StatusOK {
		t.Fatalf("labels: %d", r.Status)
	}
	return emails, readWithPoppler(t, r.Body).text, c.Get("/crm?city=Kiruna").Body
}

// TestObjectionSurvivesErasure: an objection to direct marketing withdraws consent, keeps the customer out
// of labels and e-mail exports (the CRM screen says how many), and outlives anonymisation and deletion:
// creating the person again warns that they objected, and the new customer carries the objection and
// stays out of the marketing exports (DM-nämnden 18-421).
func TestObjectionSurvivesErasure(t *testing.T) {
	for _, erase := range []string{"anonymise", "delete"} {
		t.Run(erase, func(t *testing.T) {
			env := testutil.NewEnv(t, nil)
			c := env.SignedInClient(t, "dm@example.se", true)
			objector, form := objectionFixture(t, c)

			page := c.Get(objector).Body
			if !strings.Contains(page, svHTML("objection.state", "2026-03-01", "Brev")) || !strings.Contains(page, svHTML("consent.not_given")) ||
				!strings.Contains(page, svHTML("objection.history_recorded")) || strings.Contains(page, `id="object"`) {
				t.Fatal("the customer page shows no objection, or consent still given, or still offers to record one")
			}
			emails, labels, crm := marketingReach(t, c)
			if strings.Contains(emails, "ivar@") || !strings.Contains(emails, "kerstin@") || strings.Contains(labels, "Ivar") ||
				!strings.Contains(labels, "Kerstin Kvar") {
				t.Fatalf("the objector is in the marketing exports: e-mails %q, labels %q", emails, labels)
			}
			if want := html.EscapeString(i18n.N(i18n.WithLang(context.Background(), "sv"), "crm.objected", 1)); !strings.Contains(crm, want) {
				t.Fatalf("the CRM screen does not say %q", want)
			}
			var details string
			if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events
				WHERE action = 'customer.objection_recorded'`).Scan(&details); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(details, "2026-03-01") || strings.Contains(details, "letter") || strings.Contains(details, "ivar") {
				t.Fatalf("objection audit details %s: want ids and field names only", details)
			}

			number := strings.TrimPrefix(objector, "/customers/")
			var num int64
			if err := env.DB.Pool.QueryRow(context.Background(), `SELECT number FROM customers WHERE id = $1`, number).Scan(&num); err != nil {
				t.Fatal(err)
			}
			if r := c.PostForm(objector+"/"+erase, url.Values{"confirm": {strconv.FormatInt(num, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d", erase, r.Status)
			}

			// The same person again, typed slightly differently and with no consent.
			form.Set("email", "IVAR@example.se ")
			form.Del("consent")
			warned := c.PostForm("/customers", form)
			if warned.Status != http.StatusConflict || !strings.Contains(warned.Body, svHTML("objection.carried", "2026-03-01")) {
				t.Fatalf("re-creating the objector: %d, want the warning that names the objection", warned.Status)
			}
			form.Set("confirm_erased", "yes")
			again := createdCustomer(t, c, form)
			page = c.Get(again).Body
			if !strings.Contains(page, svHTML("objection.carried", "2026-03-01")) || !strings.Contains(page, svHTML("objection.state", "2026-03-01", "Brev")) ||
				!strings.Contains(page, svHTML("objection.history_carried")) {
				t.Fatal("the new customer does not carry the objection")
			}
			emails, labels, crm = marketingReach(t, c)
			if strings.Contains(emails, "ivar@") || strings.Contains(labels, "Ivar") {
				t.Fatalf("the re-created objector is in the marketing exports: e-mails %q, labels %q", emails, labels)
			}
			if want := html.EscapeString(i18n.N(i18n.WithLang(context.Background(), "sv"), "crm.objected", 1)); !strings.Contains(crm, want) {
				t.Fatalf("the CRM screen does not say %q", want)
			}
		})
	}
}

// TestOnlyNewConsentLiftsAnObjection: consent for a customer who objected is recorded only when the user
// confirms it is the person's own new consent, which lifts the objection (shown in the history); the
// customer is then in the marketing exports again. Creating an erased objector with consent asks the same.
func TestOnlyNewConsentLiftsAnObjection(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "dm@example.se", true)
	objector, form := objectionFixture(t, c)

	consent := url.Values{"given": {"true"}, "consent_source": {"email"}}
	if r := c.PostForm(objector+"/consent", consent); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, svHTML("error.objection_lift")) {
		t.Fatalf("consent over an objection without confirming: %d, want the form with the error", r.Status)
	}
	if emails, _, _ := marketingReach(t, c); strings.Contains(emails, "ivar@") {
		t.Fatal("a refused consent let the objector into the e-mail export")
	}
	consent.Set("lift_objection", "yes")
	if r := c.PostForm(objector+"/consent", consent); r.Status != http.StatusSeeOther {
		t.Fatalf("confirmed consent: %d", r.Status)
	}
	page := c.Get(objector).Body
	if !strings.Contains(page, svHTML("objection.history_lifted")) || strings.Contains(page, `id="objection"`) || !strings.Contains(page, `id="object"`) {
		t.Fatal("the lifted objection is not in the history, or still shown as in force")
	}
	if emails, labels, _ := marketingReach(t, c); !strings.Contains(emails, "ivar@") || !strings.Contains(labels, "Ivar") {
		t.Fatalf("after new consent the customer is still left out: %q", emails)
	}

	// Object again, anonymise, and create the person with consent: asked to confirm, then lifted.
	if r := c.PostForm(objector+"/objection", url.Values{"objected_on": {"2026-04-01"}, "objection_channel": {"phone"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("second objection: %d", r.Status)
	}
	var num int64
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT number FROM customers WHERE id = $1`,
		strings.TrimPrefix(objector, "/customers/")).Scan(&num); err != nil {
		t.Fatal(err)
	}
	if r := c.PostForm(objector+"/anonymise", url.Values{"confirm": {strconv.FormatInt(num, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("anonymise: %d", r.Status)
	}
	form.Set("confirm_erased", "yes")
	r := c.PostForm("/customers", form)
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, svHTML("objection.carried", "2026-04-01")) || !strings.Contains(r.Body, `name="lift_objection"`) {
		t.Fatalf("creating an objector with consent: %d, want the warning and the question", r.Status)
	}
	form.Set("lift_objection", "yes")
	again := createdCustomer(t, c, form)
	page = c.Get(again).Body
	if !strings.Contains(page, svHTML("consent.given")) || !strings.Contains(page, svHTML("objection.history_lifted")) || strings.Contains(page, `id="objection"`) {
		t.Fatal("the confirmed new consent did not lift the carried objection")
	}
}

// TestPrivacyManagersRecordObjections: besides those who may edit customers, those who handle data
// protection (privacy.manage) may record an objection on a customer they can see; a viewer may not.
func TestPrivacyManagersRecordObjections(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Paula Person", Email: "paula@example.se"})
	viewer := env.SignedInClient(t, "view@example.se", false, authz.CustomerView)
	if page := viewer.Get(customerPath(cust)).Body; strings.Contains(page, `id="object"`) {
		t.Fatal("a viewer is offered to record an objection")
	}
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.CustomerView, authz.PrivacyManage)
	if page := dpo.Get(customerPath(cust)).Body; !strings.Contains(page, `id="object"`) {
		t.Fatal("a data protection manager is not offered to record an objection")
	}
	if r := dpo.PostForm(customerPath(cust)+"/objection", url.Values{"objected_on": {"2026-03-01"}, "objection_channel": {"email"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("objection by a data protection manager: %d", r.Status)
	}
	if r := dpo.PostForm(customerPath(cust)+"/objection", url.Values{"objected_on": {"2026-03-02"}, "objection_channel": {"email"}}); r.Status != http.StatusConflict {
		t.Fatalf("a second objection in force: %d, want 409", r.Status)
	}
}
