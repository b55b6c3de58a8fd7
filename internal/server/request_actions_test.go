package server_test

import (
	"archive/zip"
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// registerRequest registers a request of kinds for customer c through the forms and returns its page.
func registerRequest(t *testing.T, dpo *testutil.Client, c domain.Customer, kinds ...string) string {
	t.Helper()
	r := dpo.PostForm("/requests", url.Values{"kinds": kinds, "received": {"2026-03-02"}, "channel": {"letter"},
		"requester_name": {c.Name}, "requester_address": {"Storgatan 1\n123 45 Umeå"}})
	mustSee(t, r)
	mustSee(t, dpo.PostForm(r.Location+"/customers", url.Values{"customer_number": {strconv.FormatInt(c.Number, 10)}}))
	return r.Location
}

// TestAnonymiseFromARequest: the request page offers to anonymise its customer; the confirmation needs no
// reason, the erasure is recorded on the request and in the audit log with the request's number, the
// erasure register and its CSV show the number (linked for privacy officers), and the request links the
// register's entry. Without a request the flow still asks for a reason.
func TestAnonymiseFromARequest(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-03-03", 10))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran"})
	other := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Olle Olsson"})
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView, authz.CustomerAnonymise, authz.AuditView)
	base := registerRequest(t, dpo, cust, "erasure")
	id := strconv.FormatInt(int64(cust.ID), 10)

	page := dpo.Get(base)
	link := "/customers/" + id + "/anonymise?request=2026-0001"
	if !strings.Contains(page.Body, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Fatalf("the request page does not offer to anonymise from it:\n%s", page.Body)
	}
	confirm := dpo.Get(link)
	if !strings.Contains(confirm.Body, `name="request" value="2026-0001"`) || !strings.Contains(confirm.Body, "begäran 2026-0001") {
		t.Fatalf("the confirmation does not carry the request:\n%s", confirm.Body)
	}
	done := dpo.PostForm("/customers/"+id+"/anonymise", url.Values{"request": {"2026-0001"},
		"confirm": {strconv.FormatInt(cust.Number, 10)}})
	mustSee(t, done)
	if !strings.HasPrefix(done.Location, base) {
		t.Errorf("after the erasure the handler is sent to %s, not back to the request", done.Location)
	}
	var details string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events
		WHERE action = 'customer.anonymised' AND entity_id = $1`, cust.ID).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, `"request": "2026-0001"`) {
		t.Errorf("the erasure's audit event lacks the request: %s", details)
	}
	var recorded int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events
		WHERE action = 'request.action_recorded' AND details->>'number' = '2026-0001' AND details->>'action' = 'erased'`).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != 1 {
		t.Errorf("%d audit events of the action on the request, want 1", recorded)
	}

	page = dpo.Get(base)
	var entry int64
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT id FROM erasures WHERE customer_id = $1`, cust.ID).Scan(&entry); err != nil {
		t.Fatal(err)
	}
	e := strconv.FormatInt(entry, 10)
	if !strings.Contains(page.Body, `href="/erasures#erasure-`+e+`"`) || !strings.Contains(page.Body, "raderingsregistret, post "+e) {
		t.Errorf("the request page does not link the erasure register's entry %s", e)
	}
	reg := dpo.Get("/erasures")
	if !strings.Contains(reg.Body, `<a href="`+base+`">Begäran 2026-0001</a>`) {
		t.Errorf("the erasure register does not link the request:\n%s", reg.Body)
	}
	csv := dpo.Get("/erasures.csv")
	if !strings.Contains(csv.Body, "Begäran") || !strings.Contains(csv.Body, "2026-0001") {
		t.Errorf("the register's CSV lacks the request:\n%s", csv.Body)
	}

	// Someone who may erase but not see the request register reads the number without a link.
	eraser := env.SignedInClient(t, "eraser@example.se", false, authz.CustomerView, authz.CustomerAnonymise, authz.AuditView)
	if r := eraser.Get("/erasures"); r.Status == 200 && strings.Contains(r.Body, `href="`+base+`"`) {
		t.Errorf("the register links the request for a user without privacy.manage")
	}
	// And may not erase on a request: the request register is the privacy officers'.
	oid := strconv.FormatInt(int64(other.ID), 10)
	if r := eraser.PostForm("/customers/"+oid+"/anonymise", url.Values{"request": {"2026-0001"},
		"confirm": {strconv.FormatInt(other.Number, 10)}}); r.Status != 403 {
		t.Errorf("an erasure on a request by a user without privacy.manage: %d", r.Status)
	}
	// Without a request the reason is still required.
	if r := dpo.PostForm("/customers/"+oid+"/anonymise", url.Values{"confirm": {strconv.FormatInt(other.Number, 10)}}); r.Status != 422 {
		t.Errorf("an erasure without request or reason: %d", r.Status)
	}
}

// TestObjectionAndRestrictionFromARequest: the request page offers to record an objection and to restrict
// with the request carried; each is recorded on the request and audited with its number.
func TestObjectionAndRestrictionFromARequest(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-03-03", 10))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran"})
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView)
	base := registerRequest(t, dpo, cust, "objection", "restriction")
	id := "/customers/" + strconv.FormatInt(int64(cust.ID), 10)
	page := dpo.Get(base)
	for _, link := range []string{id + "/objection?request=2026-0001", id + "/restrict?request=2026-0001"} {
		if !strings.Contains(page.Body, `href="`+link+`"`) {
			t.Errorf("the request page does not offer %s", link)
		}
	}
	if body := dpo.Get(id + "/objection?request=2026-0001").Body; !strings.Contains(body, `name="request" value="2026-0001"`) {
		t.Fatalf("the objection form does not carry the request:\n%s", body)
	}
	for _, done := range []testutil.Response{
		dpo.PostForm(id+"/objection", url.Values{"objected_on": {"2026-03-02"}, "objection_channel": {"letter"}, "request": {"2026-0001"}}),
		dpo.PostForm(id+"/restrict", url.Values{"reason": {"objection_pending"}, "request_id": {"2026-0001"}}),
	} {
		mustSee(t, done)
		if done.Location != base+"#actions" {
			t.Errorf("after acting on the request the handler is sent to %s, not back to its actions", done.Location)
		}
	}
	for _, action := range []string{"customer.objection_recorded", "customer.restricted"} {
		var n int
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = $1
			AND details->>'request' = '2026-0001'`, action).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s events with the request: %d (%v)", action, n, err)
		}
	}
	var kinds []string
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT kind FROM subject_request_actions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	if strings.Join(kinds, ",") != "objection_recorded,restricted" {
		t.Errorf("actions on the request: %v", kinds)
	}
	var linked int64
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM marketing_objections WHERE request_id IS NOT NULL`).Scan(&linked); err != nil || linked != 1 {
		t.Errorf("objections linked to the request: %d (%v)", linked, err)
	}
}

// TestCopyAndRectificationFromARequest: the request page offers the access copy and the edit form with the
// request carried; the copy and a change of the customer are recorded on the request (the change naming
// its fields by their labels) and audited with its number, and the edit returns to the request.
func TestCopyAndRectificationFromARequest(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-03-03", 10))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran", City: "Umeå"})
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView, authz.CustomerEdit,
		authz.CustomerExport, authz.CreditReportAccess)
	base := registerRequest(t, dpo, cust, "access", "rectification")
	id := "/customers/" + strconv.FormatInt(int64(cust.ID), 10)
	page := dpo.Get(base)
	for _, link := range []string{id + "/export.zip?request=2026-0001", id + "/edit?request=2026-0001"} {
		if !strings.Contains(page.Body, `href="`+link+`"`) {
			t.Errorf("the request page does not offer %s", link)
		}
	}
	copied := dpo.Get(id + "/export.zip?request=2026-0001")
	if copied.Status != 200 || !strings.HasPrefix(copied.Body, "PK") {
		t.Fatalf("the copy from the request: %d", copied.Status)
	}
	// The copy lists the person's requests (art. 15: what the company holds includes them).
	zr, err := zip.NewReader(strings.NewReader(copied.Body), int64(len(copied.Body)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open("data/subject_requests.csv")
	if err != nil {
		t.Fatalf("the ZIP has no requests: %v", err)
	}
	csv, _ := io.ReadAll(f)
	if !strings.Contains(string(csv), "2026-0001;access rectification;2026-03-02;open;") {
		t.Errorf("the copy's requests:\n%s", csv)
	}
	if page := dpo.Get(id + "/export").Body; !strings.Contains(page, "Dina förfrågningar") || !strings.Contains(page, "2026-0001") {
		t.Errorf("the copy's page does not list the request")
	}
	form := dpo.Get(id + "/edit?request=2026-0001")
	if !strings.Contains(form.Body, `name="request" value="2026-0001"`) || !strings.Contains(form.Body, "rättelse på begäran 2026-0001") {
		t.Fatalf("the edit form does not carry the request:\n%s", form.Body)
	}
	version := formVersion(t, dpo, cust)
	in := url.Values{"kind": {"person"}, "name": {"Greta Gran"}, "city": {"Luleå"}, "country": {"SE"}, "version": {version},
		"request": {"2026-0001"}}
	saved := dpo.PostForm(id, in)
	mustSee(t, saved)
	if saved.Location != base+"#actions" {
		t.Errorf("after the rectification the handler is sent to %s, not back to the request", saved.Location)
	}
	for action, want := range map[string]string{"customer.exported": "", "customer.changed": "city"} {
		var details string
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events WHERE action = $1
			AND details->>'request' = '2026-0001'`, action).Scan(&details); err != nil {
			t.Errorf("no %s event with the request: %v", action, err)
		} else if !strings.Contains(details, want) {
			t.Errorf("%s: %s", action, details)
		}
	}
	page = dpo.Get(base)
	for _, want := range []string{"Registerutdrag skickat", "Uppgifter rättade", "Ort"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the request's actions do not show %q", want)
		}
	}
	// Without the request, an edit is no rectification on it.
	mustSee(t, dpo.PostForm(id, url.Values{"kind": {"person"}, "name": {"Greta Gran"}, "city": {"Kiruna"},
		"country": {"SE"}, "version": {formVersion(t, dpo, cust)}}))
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM subject_request_actions`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d actions on the request, want 2 (%v)", n, err)
	}
}
