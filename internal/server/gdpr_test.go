package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

const year = 365 * 24 * time.Hour

// keptOnPurpose are the text columns of customer tables an erasure keeps, with why; every other text
// column gets a canary, whatever the inventory says, so a column wrongly declared "not personal" shows.
var keptOnPurpose = map[string]string{
	"customers.kind":    "private person or company (a CHECK allows only those)",
	"customers.country": "a two-letter country code, kept for statistics",
	"quotes.status":     "a quote status (a CHECK allows only those)",
	// Only with restricted_at set (a CHECK), and then a ground of art. 18(1) from a list: about an
	// anonymised record it says nothing of anyone.
	"customers.restriction_reason": "a ground of art. 18(1) (a CHECK allows only those)",
	// The row goes; objection_hashes keeps the code with the hashes (no personal data in clear).
	"marketing_objections.channel": "how the objection came, a code (a CHECK allows only those)",
	// The row goes with the erasure; the need is one of kreditupplysningslagen's codes.
	"credit_reports.need": "the legitimate need, a code (a CHECK allows only those)",
}

// fillCanaries writes a unique canary string into every text column (generated ones aside) of every row
// belonging to customer c in the tables that refer to customers, and returns the canaries.
func fillCanaries(t *testing.T, env *testutil.Env, c domain.Customer) []string {
	t.Helper()
	ctx := context.Background()
	var canaries []string
	for _, tb := range gdpr.Inventory {
		rows, err := env.DB.Pool.Query(ctx, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = $1 AND data_type = 'text' AND is_generated = 'NEVER'
			ORDER BY ordinal_position`, tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		where := pgx.Identifier{tb.Link}.Sanitize() + ` = $1`
		if tb.Parent != "" {
			where = pgx.Identifier{tb.Link}.Sanitize() + ` IN (SELECT id FROM quotes WHERE customer_id = $1)`
		}
		for _, col := range cols {
			if keptOnPurpose[tb.Name+"."+col] != "" {
				continue
			}
			canary := fmt.Sprintf("canary%d%s%s", c.Number, strings.ReplaceAll(tb.Name, "_", ""), strings.ReplaceAll(col, "_", ""))
			tag, err := env.DB.Pool.Exec(ctx, `UPDATE `+pgx.Identifier{tb.Name}.Sanitize()+` SET `+
				pgx.Identifier{col}.Sanitize()+` = $2 || md5(random()::text) WHERE `+where, c.ID, canary)
			if err != nil {
				t.Fatal(err)
			}
			if tag.RowsAffected() == 0 {
				t.Fatalf("no %s rows to put a canary in", tb.Name)
			}
			canaries = append(canaries, canary)
		}
	}
	return canaries
}

// TestErasureLeavesNoTraceOfPersonalData is the completeness test: customers whose every personal field
// holds a canary are viewed, searched, exported and then anonymised or deleted through the pages; after
// that no canary is in a data dump of the database, the server log, the session rows or the ledger.
// pg_dump reads live rows only: dead row versions stay on disk until vacuum, which is PostgreSQL's business.
func TestErasureLeavesNoTraceOfPersonalData(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "dpo@example.se", true)

	var all []string
	var customers []domain.Customer
	for i := range 4 {
		cust := env.MustCreateRichCustomer(t, fmt.Sprintf("Kanarie %d AB", i), 8*year)
		if err := env.Services.Customers.RecordObjection(authz.WithActor(context.Background(), authz.System()), cust.ID,
			customer.ObjectionInput{ObjectedOn: "2026-03-01", Channel: "letter"}); err != nil {
			t.Fatal(err)
		}
		customers = append(customers, cust)
		all = append(all, fillCanaries(t, env, cust)...)
	}
	for _, cust := range customers {
		if r := c.Get(customerPath(cust)); r.Status != http.StatusOK || !strings.Contains(r.Body, fmt.Sprintf("canary%d", cust.Number)) {
			t.Fatalf("customer page: %d, or the canaries are not shown", r.Status)
		}
		c.Get("/customers?q=" + url.QueryEscape(fmt.Sprintf("canary%dcustomersname", cust.Number)))
		if r := c.Get(customerPath(cust) + "/export.json"); r.Status != http.StatusOK || !strings.Contains(r.Body, "canary") {
			t.Fatalf("export: %d", r.Status)
		}
	}
	for i, cust := range customers {
		path, form := "/anonymise", url.Values{"confirm": {strconv.FormatInt(cust.Number, 10)}, "reason": {"Begäran, ärende " + strconv.Itoa(i)}}
		if i%2 == 1 {
			path = "/delete"
		}
		if r := c.PostForm(customerPath(cust)+path, form); r.Status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d\n%s", path, r.Status, r.Body)
		}
	}

	dump := strings.ToLower(string(testutil.PGTool(t, "pg_dump", "--data-only", "--dbname="+env.DBURL)))
	if !strings.Contains(dump, "erasures") || !strings.Contains(dump, "begäran, ärende 1") {
		t.Fatal("the dump does not hold the erasure register; the test proves nothing")
	}
	ledger, err := os.ReadFile(env.Config.ErasureLedger)
	if err != nil {
		t.Fatal(err)
	}
	var sessions strings.Builder
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT data FROM sessions UNION ALL SELECT convert_to(s::text, 'UTF8') FROM user_sessions s`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		sessions.Write(b)
	}
	if rows.Err() != nil || sessions.Len() == 0 {
		t.Fatalf("no session rows read (%v); the test proves nothing", rows.Err())
	}
	places := map[string]string{"database dump": dump, "server log": strings.ToLower(env.Log.String()),
		"session rows": strings.ToLower(sessions.String()), "erasure ledger": strings.ToLower(string(ledger))}
	for _, canary := range all {
		for where, text := range places {
			if strings.Contains(text, canary) {
				t.Errorf("%s holds %s", where, canary)
			}
		}
	}
	if len(all) < 4*21 {
		t.Errorf("only %d canaries planted; the inventory lost columns?", len(all))
	}
}

func TestDeleteAndAnonymiseAreIndependentPermissions(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	a := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Anna Andersson"})
	b := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Bo Berg"})
	_, delPW := env.MustCreateUser(t, "del@example.se", false, authz.CustomerView, authz.CustomerDelete)
	_, anonPW := env.MustCreateUser(t, "anon@example.se", false, authz.CustomerView, authz.CustomerAnonymise)
	del, anon := env.NewClient(t), env.NewClient(t)
	del.SignIn("del@example.se", delPW)
	anon.SignIn("anon@example.se", anonPW)

	page := del.Get(customerPath(a))
	if !strings.Contains(page.Body, customerPath(a)+"/delete") || strings.Contains(page.Body, customerPath(a)+"/anonymise") {
		t.Error("the deleter's customer page should offer delete and not anonymise")
	}
	page = anon.Get(customerPath(a))
	if strings.Contains(page.Body, customerPath(a)+"/delete") || !strings.Contains(page.Body, customerPath(a)+"/anonymise") {
		t.Error("the anonymiser's customer page should offer anonymise and not delete")
	}
	for _, p := range []string{"/anonymise"} {
		if r := del.Get(customerPath(a) + p); r.Status != http.StatusForbidden {
			t.Errorf("deleter GET %s: %d", p, r.Status)
		}
		if r := del.PostForm(customerPath(a)+p, url.Values{"confirm": {strconv.FormatInt(a.Number, 10)}, "reason": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("deleter POST %s: %d", p, r.Status)
		}
	}
	if r := anon.Get(customerPath(a) + "/delete"); r.Status != http.StatusForbidden {
		t.Errorf("anonymiser GET delete: %d", r.Status)
	}
	if r := anon.PostForm(customerPath(a)+"/delete", url.Values{"confirm": {strconv.FormatInt(a.Number, 10)}, "reason": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("anonymiser POST delete: %d", r.Status)
	}
	if r := anon.PostForm(customerPath(a)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(a.Number, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusSeeOther {
		t.Errorf("anonymiser anonymising: %d", r.Status)
	}
	if r := del.PostForm(customerPath(b)+"/delete", url.Values{"reason": {"Begäran"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Begäran") {
		t.Errorf("delete without the typed number: %d, want 422 with the reason kept", r.Status)
	}
	if r := del.PostForm(customerPath(b)+"/delete", url.Values{"confirm": {strconv.FormatInt(b.Number, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusSeeOther || r.Location != "/customers" {
		t.Errorf("deleter deleting: %d %s", r.Status, r.Location)
	}
	if r := del.Get(customerPath(b)); r.Status != http.StatusNotFound {
		t.Errorf("deleted customer's page: %d, want 404", r.Status)
	}
}

func TestDeleteRefusedUnderRetentionOffersAnonymise(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateRichCustomer(t, "Retention AB", 2*year)
	c := env.SignedInClient(t, "both@example.se", false, authz.CustomerView, authz.CustomerDelete, authz.CustomerAnonymise, authz.CustomerEdit)

	// Bokföringslagen 7 kap. 2 §, calendar fiscal year: kept through the seventh year after the year of the
	// sale, erasable from 1 January of the eighth.
	until := strconv.Itoa(env.Clock.Now().Add(-2*year).In(domain.Stockholm).Year()+8) + "-01-01"
	r := c.Get(customerPath(cust) + "/delete")
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "bokföringslagen") || !strings.Contains(r.Body, until) ||
		!strings.Contains(r.Body, customerPath(cust)+"/anonymise") || strings.Contains(r.Body, `name="reason"`) {
		t.Fatalf("delete page under retention: %d, want the refusal with the date %s and the offer to anonymise\n%s", r.Status, until, r.Body)
	}
	if r := c.PostForm(customerPath(cust)+"/delete", url.Values{"confirm": {strconv.FormatInt(cust.Number, 10)}, "reason": {"Begäran"}}); r.Status != http.StatusConflict {
		t.Fatalf("POST delete under retention: %d, want 409", r.Status)
	}
	r = c.Get(customerPath(cust) + "/anonymise")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, until) || !strings.Contains(r.Body, "bokföringslagen") {
		t.Fatalf("anonymise page: %d, want the hold until %s explained", r.Status, until)
	}
	// A wrong number keeps the typed reason.
	r = c.PostForm(customerPath(cust)+"/anonymise", url.Values{"confirm": {"123"}, "reason": {"Begäran per brev"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Begäran per brev") || !strings.Contains(r.Body, "Skriv kundnumret exakt") {
		t.Fatalf("wrong number: %d", r.Status)
	}
	r = c.PostForm(customerPath(cust)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(cust.Number, 10)}, "reason": {"Begäran per brev"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("anonymise: %d", r.Status)
	}
	page := c.Get(customerPath(cust))
	if !strings.Contains(page.Body, "Anonymiserad kund "+strconv.FormatInt(cust.Number, 10)) || strings.Contains(page.Body, "Retention AB") ||
		!strings.Contains(page.Body, `id="locked"`) || strings.Contains(page.Body, customerPath(cust)+"/edit") {
		t.Fatalf("anonymised customer page should show the placeholder, the lock and no edit link")
	}
	if r := c.Get(customerPath(cust) + "/edit"); r.Status != http.StatusConflict || !strings.Contains(r.Body, "anonymiserad") {
		t.Errorf("edit form of an anonymised customer: %d", r.Status)
	}
	if r := c.PostForm(customerPath(cust)+"/consent", url.Values{"given": {"true"}, "consent_source": {"email"}}); r.Status != http.StatusConflict {
		t.Errorf("consent change on an anonymised customer: %d", r.Status)
	}
	if r := c.Get(customerPath(cust) + "/anonymise"); r.Status != http.StatusOK || !strings.Contains(r.Body, "redan anonymiserad") {
		t.Errorf("anonymise page of an anonymised customer: %d", r.Status)
	}
	if r := c.PostForm(customerPath(cust)+"/anonymise", url.Values{"confirm": {strconv.FormatInt(cust.Number, 10)}, "reason": {"igen"}}); r.Status != http.StatusConflict {
		t.Errorf("anonymising twice: %d, want 409", r.Status)
	}
}

// TestSubjectAccessCopyIsNeverIncomplete: a user without the credit-report right cannot produce a copy
// (told which right is missing, on the customer page and in the refusal); one with it gets every category.
func TestSubjectAccessCopyIsNeverIncomplete(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateRichCustomer(t, "Export AB", 1*year)
	_, pw := env.MustCreateUser(t, "exp@example.se", false, authz.CustomerView, authz.CustomerExport)
	_, creditPW := env.MustCreateUser(t, "expc@example.se", false, authz.CustomerView, authz.CustomerExport, authz.CreditReportAccess)
	_, viewPW := env.MustCreateUser(t, "view@example.se", false, authz.CustomerView)
	c, cc, v := env.NewClient(t), env.NewClient(t), env.NewClient(t)
	c.SignIn("exp@example.se", pw)
	cc.SignIn("expc@example.se", creditPW)
	v.SignIn("view@example.se", viewPW)

	if r := v.Get(customerPath(cust) + "/export.json"); r.Status != http.StatusForbidden {
		t.Errorf("export without the export permission: %d", r.Status)
	}
	const right = "Tillgång till tagen kreditupplysning"
	page := c.Get(customerPath(cust)).Body
	if !strings.Contains(page, `id="copy-needs"`) || !strings.Contains(page, "behörigheten ”"+right+"”.") || strings.Contains(page, customerPath(cust)+"/export") {
		t.Error("customer page for a user without the credit-report right: want the note naming the right and no copy links")
	}
	for _, path := range []string{"/export", "/export.json", "/export.zip"} {
		if r := c.Get(customerPath(cust) + path); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Behörighet som saknas: ”"+right+"”") {
			t.Errorf("%s without the credit-report right: %d, want 403 naming %q", path, r.Status, right)
		}
	}
	r := cc.Get(customerPath(cust) + "/export.json")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", r.Status, r.Header)
	}
	var d struct {
		CustomerNumber int64                       `json:"customer_number"`
		Data           map[string][]map[string]any `json:"data"`
		Events         []map[string]any            `json:"audit_events"`
	}
	if err := json.Unmarshal([]byte(r.Body), &d); err != nil {
		t.Fatal(err)
	}
	if d.CustomerNumber != cust.Number || len(d.Data["customers"]) != 1 || d.Data["customers"][0]["email"] != cust.Email ||
		len(d.Data["customer_contacts"]) != 2 || len(d.Data["customer_consents"]) != 2 || len(d.Data["quotes"]) != 3 ||
		len(d.Data["quote_lines"]) != 3 || len(d.Data["credit_reports"]) != 1 || d.Data["credit_reports"][0]["rating"] != "A" || len(d.Events) == 0 {
		t.Fatalf("export: %+v", d)
	}
	// The fixture types the report's day as the clock's date (MustCreateRichCustomer).
	if taken := d.Data["credit_reports"][0]["taken_on"]; taken != env.Clock.Now().Format("2006-01-02") {
		t.Errorf("a date-only field is written as %v, want the day", taken)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2`,
		gdpr.Exported, cust.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("exports audited: %d (%v), want 1 (the refused ones are not exports)", n, err)
	}
}
