package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// mustSee fails unless a form was taken: a redirect back (POST/redirect/GET).
func mustSee(t *testing.T, r testutil.Response) {
	t.Helper()
	if r.Status != http.StatusSeeOther {
		t.Fatalf("form refused: %d\n%s", r.Status, r.Body)
	}
}

func stockholm(s string, hour int) time.Time {
	d, _ := time.Parse(domain.DateLayout, s)
	return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, domain.Stockholm)
}

// TestRequestRegisterThroughTheForms: a data protection officer registers a request (a bad form comes
// back with clear messages and everything typed), records the identity check, links a customer, extends
// within the first month (and is refused after it), changes the status, and reads the days left in the
// list as the clock moves; the start page lists the open request.
func TestRequestRegisterThroughTheForms(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-01-31", 10))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran"})
	_, pw := env.MustCreateUser(t, "dpo@example.se", false, authz.PrivacyManage)
	dpo := env.NewClient(t)
	dpo.SignIn("dpo@example.se", pw)
	// move sets the clock and signs in again: a session does not outlive days of idleness.
	move := func(at time.Time) { env.Clock.Set(at); dpo.SignIn("dpo@example.se", pw) }

	bad := dpo.PostForm("/requests", url.Values{"received": {"2026-02-30"}, "channel": {"fax"},
		"requester_name": {"Greta Gran"}, "requester_address": {"Storgatan 1\n123 45 Umeå"}, "requester_email": {"greta@"}})
	for _, want := range []string{"Välj minst en rättighet", "Ange datum som ÅÅÅÅ-MM-DD.", "Välj hur förfrågan kom in.",
		"Ange en giltig e-postadress.", `value="Greta Gran"`, "Storgatan 1\n123 45 Umeå", `value="greta@"`, `value="2026-02-30"`} {
		if !strings.Contains(bad.Body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	if bad.Status != http.StatusUnprocessableEntity {
		t.Errorf("refused form: %d", bad.Status)
	}
	ok := dpo.PostForm("/requests", url.Values{"kinds": {"access", "erasure"}, "received": {"2026-01-31"}, "channel": {"email"},
		"requester_name": {"Greta Gran"}, "requester_email": {"greta@example.se"}})
	if ok.Status != http.StatusSeeOther || !strings.HasPrefix(ok.Location, "/requests/") {
		t.Fatalf("register: %d %s\n%s", ok.Status, ok.Location, ok.Body)
	}
	base := ok.Location
	if strings.Contains(base, "Greta") || strings.Contains(ok.Location, "greta") {
		t.Errorf("the requester is in the URL: %s", base)
	}
	page := dpo.Get(base)
	for _, want := range []string{"Förfrågan 2026-0001", "2026-02-28", "förfaller om 28 dagar", "Insyn (registerutdrag), Radering",
		"Tidsfristen räknas från den dag förfrågan togs emot", "greta@example.se"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the request page lacks %q", want)
		}
	}
	if r := dpo.PostForm(base+"/identity", url.Values{"identity_method": {""}, "identity_on": {"2026-02-02"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Måste fyllas i.") {
		t.Errorf("an identity check without a method: %d", r.Status)
	}
	move(stockholm("2026-02-03", 10))
	mustSee(t, dpo.PostForm(base+"/identity", url.Values{"identity_method": {"Kopia av körkort"}, "identity_on": {"2026-02-02"}}))
	mustSee(t, dpo.PostForm(base+"/customers", url.Values{"customer_number": {strconv.FormatInt(cust.Number, 10)}}))
	if r := dpo.PostForm(base+"/customers", url.Values{"customer_number": {"999999"}}); !strings.Contains(r.Body, "Det finns ingen kund med det numret.") ||
		!strings.Contains(r.Body, `value="999999"`) {
		t.Errorf("an unknown customer number: %d", r.Status)
	}
	if r := dpo.PostForm(base+"/extend", url.Values{"months": {"2"}, "extension_reason": {""}, "extension_notice": {"Brev"}, "notice_on": {"2026-02-03"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, `Brev</textarea>`) {
		t.Errorf("an extension without reasons: %d", r.Status)
	}
	mustSee(t, dpo.PostForm(base+"/extend", url.Values{"months": {"1"}, "extension_reason": {"Många begäranden samtidigt"},
		"extension_notice": {"E-post med skälen"}, "notice_on": {"2026-02-03"}}))
	page = dpo.Get(base)
	for _, want := range []string{"2026-03-31", "Kopia av körkort, 2026-02-02", "Kund " + strconv.FormatInt(cust.Number, 10), "1 månad"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("after the identity check, link and extension the page lacks %q", want)
		}
	}
	if strings.Contains(page.Body, "Greta Gran</a>") {
		t.Error("the customer's name is shown where only the number belongs")
	}
	move(stockholm("2026-03-01", 10)) // the first month is over
	late := dpo.PostForm(base+"/extend", url.Values{"months": {"1"}, "extension_reason": {"x"}, "extension_notice": {"y"}, "notice_on": {"2026-03-01"}})
	if late.Status != http.StatusSeeOther || !strings.Contains(dpo.Get(base).Body, "Tidsfristen kan inte längre förlängas") {
		t.Errorf("an extension after the first month: %d", late.Status)
	}

	list := func() string { return dpo.Get("/requests").Body }
	if l := list(); !strings.Contains(l, "förfaller om 30 dagar") {
		t.Errorf("list on 1 March: %s", between(l, `<table id="requests"`, "</table>"))
	}
	move(stockholm("2026-03-24", 10))
	if l := list(); !strings.Contains(l, `<span class="clock-soon">förfaller om 7 dagar</span>`) {
		t.Errorf("list a week before: %s", between(l, `<table id="requests"`, "</table>"))
	}
	move(stockholm("2026-03-31", 22))
	if l := list(); !strings.Contains(l, "förfaller i dag") {
		t.Errorf("list on the due day: %s", between(l, `<table id="requests"`, "</table>"))
	}
	move(stockholm("2026-04-03", 8))
	if l := list(); !strings.Contains(l, `<span class="clock-late">3 dagar försenad</span>`) {
		t.Errorf("list three days late: %s", between(l, `<table id="requests"`, "</table>"))
	}
	if d := dpo.Get("/"); !strings.Contains(d.Body, "2026-0001") || !strings.Contains(d.Body, "3 dagar försenad") {
		t.Errorf("the start page lacks the open request: %s", between(d.Body, `id="privacy-overview"`, "</section>"))
	}

	page = dpo.Get(base)
	version := between(page.Body, `name="version" value="`, `"`)
	if r := dpo.PostForm(base, url.Values{"version": {version}, "kinds": {"access"}, "status": {"refused"}, "notes": {"Ringde"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Ange skälet till avslaget") || !strings.Contains(r.Body, "Ringde</textarea>") {
		t.Errorf("a refusal without a reason: %d", r.Status)
	}
	mustSee(t, dpo.PostForm(base, url.Values{"version": {version}, "kinds": {"access", "erasure"}, "status": {"answered"}, "notes": {"Svar skickat per e-post"}}))
	if l := dpo.Get("/requests?show=all").Body; !strings.Contains(l, "Besvarad") || !strings.Contains(l, "avslutad på 62 dagar") {
		t.Errorf("the answered request: %s", between(l, `<table id="requests"`, "</table>"))
	}
	var details string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT string_agg(details::text, ' ') FROM audit_events WHERE action LIKE 'request.%'`).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(details, "Greta") || strings.Contains(details, "greta") || !strings.Contains(details, "2026-0001") {
		t.Errorf("audit details: %s", details)
	}
}

// TestRequestCSVHasNoRequester: the auditor's CSV holds numbers, kinds, dates and outcomes, never the
// requester, and the export is audited.
func TestRequestCSVHasNoRequester(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-06-01", 10))
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage)
	r := dpo.PostForm("/requests", url.Values{"kinds": {"objection"}, "received": {"2026-05-28"}, "channel": {"letter"},
		"requester_name": {"Olle Ovilja"}, "requester_address": {"Byvägen 3, Ånge"}, "requester_email": {"olle@example.se"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("register: %d", r.Status)
	}
	csv := dpo.Get("/requests.csv")
	if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "2026-0001;Invändning;Brev;2026-05-28;0;2026-06-28") {
		t.Fatalf("csv: %d\n%s", csv.Status, csv.Body)
	}
	for _, leak := range []string{"Olle", "olle@", "Byvägen", "Ånge"} {
		if strings.Contains(csv.Body, leak) {
			t.Errorf("the CSV holds %q", leak)
		}
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'export.requests'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the export is not audited: %d, %v", n, err)
	}
}
