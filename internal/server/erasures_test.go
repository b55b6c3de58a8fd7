package server_test

// What an erasure leaves behind: its entry in the erasure register, whose reason must hold no personal
// data, and the suppression list, which warns when an erased customer is entered again.

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

// TestErasureRegisterAndCSV: the register page and its CSV show each erasure without personal data; the
// CSV is written like the register export (byte order mark, semicolons, the reader's language, Swedish
// time across the change to summer time, ISO dates) for an auditor opening it in Excel.
func TestErasureRegisterAndCSV(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	// 29 March 2026, 01:30 in Stockholm; at 02:00 the clocks go on to 03:00.
	env.Clock.Set(time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC))
	cust := env.MustCreateRichCustomer(t, "Register AB", 2*year)
	other := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Olle Olsson", Email: "olle@example.se"})
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	_, viewPW := env.MustCreateUser(t, "view@example.se", false, authz.CustomerView)
	c, v := env.NewClient(t), env.NewClient(t)
	c.SignIn("admin@example.se", adminPW)
	c.PostForm(customerPath(cust)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(cust.Number, 10)}, "reason": {"Ärende 12"}})
	env.Clock.Advance(time.Hour) // 03:30 summer time; the sessions have been idle too long by now
	c.SignIn("admin@example.se", adminPW)
	v.SignIn("view@example.se", viewPW)
	if r := c.PostForm(customerPath(other)+"/delete", url.Values{"confirm": {strconv.FormatInt(other.Number, 10)}, "reason": {"=HYPERLINK(\"x\")"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}

	if r := v.Get("/erasures"); r.Status != http.StatusForbidden {
		t.Errorf("register for a user without audit access: %d", r.Status)
	}
	r := c.Get("/erasures")
	// Bokföringslagen 7 kap. 2 §, calendar fiscal year: the quote accepted in 2024 is kept through the
	// seventh year after, erasable from 1 January of the eighth.
	const until = "2032-01-01"
	if r.Status != http.StatusOK || !strings.Contains(r.Body, strconv.FormatInt(cust.Number, 10)) || !strings.Contains(r.Body, "Ärende 12") ||
		!strings.Contains(r.Body, until) || !strings.Contains(r.Body, "Anonymisering") || !strings.Contains(r.Body, "Radering") {
		t.Fatalf("register page: %d\n%s", r.Status, r.Body)
	}
	for _, personal := range []string{"Register AB", "Olle", "olle@example.se"} {
		if strings.Contains(r.Body, personal) {
			t.Errorf("the register shows personal data %q", personal)
		}
	}

	r = c.Get("/erasures.csv")
	if !strings.HasSuffix(r.Header.Get("Content-Disposition"), `-raderingsregister.csv"`) {
		t.Errorf("file name: %s", r.Header.Get("Content-Disposition"))
	}
	recs := readCSV(t, r.Body) // byte order mark and semicolons, or it fails
	if len(recs) != 3 {
		t.Fatalf("%d records, want a heading and two erasures: %v", len(recs), recs)
	}
	if got := strings.Join(recs[0], ";"); got != "Post;Tid;Användar-id;Utförd av;Åtgärd;Kundnr;Massbearbetning;Kunduppgifter (fält);Kontaktpersoner;"+
		"Samtyckeshändelser;Kreditupplysningar;Offerter;Faktureringsuppgifter på offerter;Sparas;Skäl;Begäran" {
		t.Errorf("headings: %s", got)
	}
	anon, del := recs[1], recs[2]
	if anon[1] != "2026-03-29 01:30" || anon[4] != "Anonymisering" || anon[5] != strconv.FormatInt(cust.Number, 10) || anon[6] != "" ||
		anon[8] != "2" || !strings.HasPrefix(anon[13], "Offert ") || !strings.HasSuffix(anon[13], ": sparas till och med 2031-12-31, får rensas från "+until) ||
		anon[14] != "Ärende 12" {
		t.Errorf("the anonymisation: %q", anon)
	}
	if del[1] != "2026-03-29 03:30" || del[4] != "Radering" || del[13] != "" {
		t.Errorf("the deletion: %q", del)
	}
	if del[14] != `'=HYPERLINK("x")` {
		t.Errorf("a reason starting with = is not neutralised: %q", del[14])
	}
	if strings.Contains(r.Body, "Olle") || strings.Contains(r.Body, "Register AB") {
		t.Error("the csv holds personal data")
	}

	if r := c.PostForm("/language", url.Values{"language": {"en"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("language: %d", r.Status)
	}
	recs = readCSV(t, c.Get("/erasures.csv").Body)
	if got := strings.Join(recs[0], ";"); got != "Entry;When;User id;By;Action;Customer no.;Bulk job;Customer details (fields);Contact persons;"+
		"Consent changes;Credit reports;Quotes;Billing details on quotes;Kept;Reason;Request" {
		t.Errorf("English headings: %s", got)
	}
	if recs[1][4] != "Anonymisation" || recs[2][4] != "Deletion" || !strings.HasSuffix(recs[1][13], ": kept through 2031-12-31, may be cleared from "+until) {
		t.Errorf("English values: %q", recs[1:])
	}
}

// A reason that would put personal data in the erasure register is refused beside the field, with what
// was typed still in it, on the single erasure page and on the bulk job's preview.
func TestErasureReasonRefusalsKeepTheText(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	sv := i18n.WithLang(context.Background(), "sv")
	firm := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Lund Logistik AB", City: "Lund"})
	if err := env.Services.Customers.AddContact(authz.WithActor(context.Background(), authz.System()), firm.ID,
		domain.ContactInput{Name: "Karin Lundqvist", Email: "karin.lundqvist@logistik.example", Phone: "070-123 45 67"}); err != nil {
		t.Fatal(err)
	}
	c := env.SignedInClient(t, "dpo@example.se", false, authz.CustomerView, authz.CustomerAnonymise, authz.CustomerBulkErase)

	for reason, key := range map[string]string{
		"Karin Lundqvist ringde":  "gdpr.error.reason_personal",
		"Ring 070-123 45 67 åter": "gdpr.error.reason_contact_data",
	} {
		r := c.PostForm(customerPath(firm)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(firm.Number, 10)}, "reason": {reason}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="reason-error">`+html.EscapeString(i18n.T(sv, key))) ||
			!strings.Contains(r.Body, ">"+html.EscapeString(reason)+"</textarea>") {
			t.Errorf("anonymise with reason %q: %d, want 422 with %s beside the reason and the text kept", reason, r.Status, key)
		}
	}

	r := c.PostForm("/crm/bulk", url.Values{"city": {"Lund"}, "all": {"yes"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("bulk draft: %d", r.Status)
	}
	job := r.Location
	reason := "Karin Lundqvist har slutat"
	r = c.PostForm(job+"/confirm", url.Values{"kind": {"anonymise"}, "reason": {reason}})
	want := html.EscapeString(i18n.Tf(sv, "bulk.error.reason_personal", strconv.FormatInt(firm.Number, 10)))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="reason-error">`+want) ||
		!strings.Contains(r.Body, ">"+html.EscapeString(reason)+"</textarea>") {
		t.Errorf("bulk confirm naming a contact: %d, want 422 naming customer %d beside the reason, text kept", r.Status, firm.Number)
	}
	if r := c.PostForm(job+"/confirm", url.Values{"kind": {"anonymise"}, "reason": {"Mejl från karin@example.se"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, html.EscapeString(i18n.T(sv, "gdpr.error.reason_contact_data"))) {
		t.Errorf("bulk confirm with an e-mail address: %d, want 422", r.Status)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM erasures`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d register entries (%v) after refused reasons", n, err)
	}
}

func TestCreatingAnErasedCustomerWarns(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	old := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gun Gran", Email: "gun@example.se"})
	c := env.SignedInClient(t, "admin@example.se", true)
	if r := c.PostForm(customerPath(old)+"/delete", url.Values{"confirm": {strconv.FormatInt(old.Number, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}

	form := url.Values{"kind": {"person"}, "name": {"Gunilla Gran"}, "email": {"GUN@example.se"}, "city": {"Umeå"}, "country": {"SE"}}
	r := c.PostForm("/customers", form)
	today := env.Clock.Now().In(domain.Stockholm).Format("2006-01-02")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, today) || !strings.Contains(r.Body, `name="confirm_erased"`) ||
		!strings.Contains(r.Body, "Gunilla Gran") || !strings.Contains(r.Body, "Umeå") {
		t.Fatalf("re-creating an erased customer: %d, want the warning with the date and the typed values kept", r.Status)
	}
	form.Set("confirm_erased", "yes")
	if r := c.PostForm("/customers", form); r.Status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", r.Status)
	}
}

// A user who may only create customers can ask the suppression list "was this person erased?" by
// typing details: each such hit is audited (field names, no values), and the date of the erasure is
// shown only to those who may read the erasure register.
func TestSuppressionProbeIsAuditedAndUndated(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	old := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gun Gran", Email: "gun@example.se", Phone: "070-111 22 33"})
	admin := env.SignedInClient(t, "admin@example.se", true)
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
