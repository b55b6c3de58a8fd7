package gdpr_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

func sys() context.Context { return authz.WithActor(context.Background(), authz.System()) }

const year = 365 * 24 * time.Hour

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, e *testutil.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func verifyChain(t *testing.T, e *testutil.Env) {
	t.Helper()
	if _, err := audit.Verify(context.Background(), e.DB.Pool); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
}

func TestInventoryCoversTheSchema(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	schema, err := testutil.CustomerTables(context.Background(), e.DB.Pool)
	must(t, err)
	declared := map[string]domain.PIITable{}
	for _, tb := range gdpr.Inventory {
		declared[tb.Name] = tb
	}
	for table, cols := range schema {
		tb, ok := declared[table]
		if !ok {
			t.Errorf("table %s refers to customers but is not in gdpr.Inventory", table)
			continue
		}
		for _, c := range cols {
			_, notPersonal := tb.NotPersonal[c]
			if !slices.Contains(tb.Columns(), c) && !notPersonal {
				t.Errorf("column %s.%s is neither declared personal nor explained as not personal in gdpr.Inventory", table, c)
			}
		}
		for _, c := range tb.Columns() {
			if !slices.Contains(cols, c) {
				t.Errorf("gdpr.Inventory declares %s.%s, which the schema does not have", table, c)
			}
		}
	}
	for name := range declared {
		if _, ok := schema[name]; !ok {
			t.Errorf("gdpr.Inventory declares table %s, which does not refer to customers", name)
		}
	}
}

// TestInventoryTestCatchesAnUndeclaredColumn shows that the inventory test can fail: a column added to a
// customer table without a declaration is found.
func TestInventoryTestCatchesAnUndeclaredColumn(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	_, err := e.Owner(t).Pool.Exec(context.Background(), `ALTER TABLE customer_contacts ADD COLUMN birthday date`)
	must(t, err)
	schema, err := testutil.CustomerTables(context.Background(), e.DB.Pool)
	must(t, err)
	if !slices.Contains(schema["customer_contacts"], "birthday") {
		t.Fatalf("the schema walk does not see the new column: %v", schema["customer_contacts"])
	}
	for _, tb := range gdpr.Inventory {
		if tb.Name == "customer_contacts" && (slices.Contains(tb.Columns(), "birthday") || tb.NotPersonal["birthday"] != "") {
			t.Fatal("birthday is declared, so the test proves nothing")
		}
	}
}

func TestAnonymiseClearsEverythingAndKeepsStatistics(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateRichCustomer(t, "Berg Bygg AB", 8*year)
	ctx := sys()
	p, err := e.Services.GDPR.Preview(ctx, c.ID, domain.EraseAnonymise)
	must(t, err)
	if p.Counts["contacts"] != 2 || p.Counts["consent_changes"] != 2 || p.Counts["credit_reports"] != 1 ||
		p.Counts["quote_snapshots"] != 2 || len(p.Holds) != 0 {
		t.Fatalf("plan: %+v", p)
	}
	var totalBefore int64
	must(t, e.DB.Pool.QueryRow(context.Background(), `SELECT sum(total_ore) FROM quotes WHERE customer_id = $1`, c.ID).Scan(&totalBefore))

	_, err = e.Services.GDPR.Anonymise(ctx, c.ID, gdpr.Input{Confirm: "1", Reason: "Begäran 2026-11-20"})
	var fe domain.FieldErrors
	if !errors.As(err, &fe) || fe["confirm"] == "" {
		t.Fatalf("wrong customer number typed: got %v, want a field error", err)
	}
	_, err = e.Services.GDPR.Anonymise(ctx, c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Berg Bygg AB bad om det"})
	if !errors.As(err, &fe) || fe["reason"] != "gdpr.error.reason_personal" {
		t.Fatalf("reason naming the customer: got %v, want a field error", err)
	}
	er, err := e.Services.GDPR.Anonymise(ctx, c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran 2026-11-20"})
	must(t, err)

	got, err := postgres.Customer(context.Background(), e.DB.Pool, c.ID)
	must(t, err)
	if got.Name != domain.AnonymisedName(c.Number) || got.Email != "" || got.Phone != "" || got.IDNumber != "" ||
		got.Street != "" || got.PostalCode != "" || got.City != "" || got.Notes != "" || got.Consent || got.AnonymisedAt == nil {
		t.Fatalf("anonymised customer still holds data: %+v", got)
	}
	if got.Kind != c.Kind || got.Country != c.Country || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("statistics lost: %+v", got)
	}
	for _, tb := range []string{"customer_contacts", "customer_consents", "credit_reports"} {
		if n := count(t, e, `SELECT count(*) FROM `+tb+` WHERE customer_id = $1`, c.ID); n != 0 {
			t.Errorf("%s: %d rows left", tb, n)
		}
	}
	if n := count(t, e, `SELECT count(*) FROM quotes WHERE customer_id = $1 AND (billing_street <> '' OR billing_email <> ''
		OR (billing_name <> '' AND billing_name <> $2))`, c.ID, domain.AnonymisedName(c.Number)); n != 0 {
		t.Errorf("%d quote snapshots still hold billing details", n)
	}
	if n := count(t, e, `SELECT count(*) FROM quote_lines l JOIN quotes q ON q.id = l.quote_id
		WHERE q.customer_id = $1 AND l.description <> ''`, c.ID); n != 0 {
		t.Errorf("%d quote lines still hold their free-text description", n)
	}
	var totalAfter int64
	must(t, e.DB.Pool.QueryRow(context.Background(), `SELECT sum(total_ore) FROM quotes WHERE customer_id = $1`, c.ID).Scan(&totalAfter))
	if totalAfter != totalBefore || count(t, e, `SELECT count(*) FROM quotes WHERE customer_id = $1`, c.ID) != 3 {
		t.Errorf("quote totals or count changed: %d → %d", totalBefore, totalAfter)
	}
	if er.ID == 0 || count(t, e, `SELECT count(*) FROM erasures WHERE customer_number = $1 AND kind = 'anonymise'`, c.Number) != 1 {
		t.Errorf("no erasure register entry")
	}
	if n := count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2`, gdpr.Anonymised, c.ID); n != 1 {
		t.Errorf("%d anonymise events, want 1", n)
	}
	verifyChain(t, e)

	// Running it twice changes nothing.
	before := count(t, e, `SELECT count(*) FROM audit_events`)
	if _, err := e.Services.GDPR.Anonymise(ctx, c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "igen"}); !errors.Is(err, gdpr.AlreadyAnonymised) {
		t.Fatalf("second anonymisation: %v, want AlreadyAnonymised", err)
	}
	again, err := postgres.Customer(context.Background(), e.DB.Pool, c.ID)
	must(t, err)
	if !reflect.DeepEqual(again, got) || count(t, e, `SELECT count(*) FROM audit_events`) != before ||
		count(t, e, `SELECT count(*) FROM erasures`) != 1 {
		t.Errorf("a second anonymisation changed something")
	}

	// The record is locked.
	if _, err := e.Services.Customers.Update(ctx, c.ID, c.Input(), int64(got.Version)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("edit of an anonymised customer: %v, want a conflict", err)
	}
	if _, err := e.Services.Quotes.Create(ctx, c.ID, domain.QuoteInput{QuoteDate: "2026-11-01", ValidUntil: "2026-12-01",
		Lines: []domain.QuoteLineInput{{Description: "Arbete", Quantity: "1", UnitPrice: "100", VATRate: "25"}}}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("quote for an anonymised customer: %v, want a conflict", err)
	}
}

func TestDeleteRefusedUnderRetentionThenAnonymiseHoldsUntilReleased(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateRichCustomer(t, "Hall Handel AB", 2*year)
	ctx := sys()
	in := gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Kundens begäran, ärende 4"}

	_, err := e.Services.GDPR.Delete(ctx, c.ID, in)
	var re *gdpr.RetentionError
	if !errors.As(err, &re) || len(re.Holds) != 1 {
		t.Fatalf("delete under retention: %v, want a RetentionError with one hold", err)
	}
	until := re.Holds[0].Until
	// Bokföringslagen 7 kap. 2 §, calendar fiscal year: erasable from 1 January of the eighth year after the sale.
	wantUntil := strconv.Itoa(e.Clock.Now().Add(-2*year).In(domain.Stockholm).Year()+8) + "-01-01"
	if until.Format("2006-01-02") != wantUntil {
		t.Errorf("hold until %s, want %s", until.Format("2006-01-02"), wantUntil)
	}
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, c.ID) != 1 || count(t, e, `SELECT count(*) FROM erasures`) != 0 {
		t.Fatal("a refused delete changed something")
	}

	er, err := e.Services.GDPR.Anonymise(ctx, c.ID, in)
	must(t, err)
	if len(er.Holds) != 1 || er.Counts["quote_snapshots"] != 1 {
		t.Fatalf("anonymise kept %d holds and cleared %d snapshots, want 1 and 1", len(er.Holds), er.Counts["quote_snapshots"])
	}
	heldName := func() string {
		var n string
		must(t, e.DB.Pool.QueryRow(context.Background(), `SELECT billing_name FROM quotes WHERE id = $1`, er.Holds[0].QuoteID).Scan(&n))
		return n
	}
	if heldName() != "Hall Handel AB" {
		t.Fatalf("held snapshot: %q, want it kept", heldName())
	}
	heldLines := func() int {
		return count(t, e, `SELECT count(*) FROM quote_lines WHERE quote_id = $1 AND description <> ''`, er.Holds[0].QuoteID)
	}
	if heldLines() != 1 || count(t, e, `SELECT count(*) FROM quote_lines l JOIN quotes q ON q.id = l.quote_id
		WHERE q.customer_id = $1 AND q.id <> $2 AND l.description <> ''`, c.ID, er.Holds[0].QuoteID) != 0 {
		t.Fatal("quote lines: want the held quote's kept and the others cleared")
	}

	// The release job leaves it until its date, then clears it.
	n, err := e.Services.GDPR.ReleaseHolds(ctx)
	must(t, err)
	if n != 0 || heldName() != "Hall Handel AB" {
		t.Fatalf("released %d before the date", n)
	}
	for e.Clock.Now().In(domain.Stockholm).Format("2006-01-02") < wantUntil {
		e.Clock.Advance(24 * time.Hour)
	}
	n, err = e.Services.GDPR.ReleaseHolds(ctx)
	must(t, err)
	if n != 1 || heldName() != domain.AnonymisedName(c.Number) || heldLines() != 0 {
		t.Fatalf("released %d on the date, snapshot %q, %d lines with a description", n, heldName(), heldLines())
	}
	if count(t, e, `SELECT count(*) FROM quotes WHERE held_until IS NOT NULL`) != 0 {
		t.Error("hold not ended")
	}
	if count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1`, gdpr.HoldReleased) != 1 {
		t.Error("release not audited")
	}
	verifyChain(t, e)

	// Now the customer may be deleted: the quotes go too.
	e.Clock.Advance(24 * time.Hour)
	d, err := e.Services.GDPR.Delete(ctx, c.ID, in)
	must(t, err)
	if d.Counts["quotes"] != 3 || count(t, e, `SELECT count(*) FROM quotes WHERE customer_id = $1`, c.ID) != 0 ||
		count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, c.ID) != 0 {
		t.Fatalf("delete after the hold: %+v", d)
	}
}

func TestDeleteRemovesEverythingThatIsTheirs(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateRichCustomer(t, "Dal Data AB", 8*year)
	other := e.MustCreateRichCustomer(t, "Ek Elektro AB", 8*year)
	p, err := e.Services.GDPR.Preview(sys(), c.ID, domain.EraseDelete)
	must(t, err)
	if p.Counts["contacts"] != 2 || p.Counts["quotes"] != 3 || len(p.Blocking) != 0 {
		t.Fatalf("plan: %+v", p)
	}
	_, err = e.Services.GDPR.Delete(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Ingen kund längre"})
	must(t, err)
	for _, tb := range []string{"customer_contacts", "customer_consents", "credit_reports", "quotes"} {
		if n := count(t, e, `SELECT count(*) FROM `+tb+` WHERE customer_id = $1`, c.ID); n != 0 {
			t.Errorf("%s: %d rows of the deleted customer left", tb, n)
		}
		if n := count(t, e, `SELECT count(*) FROM `+tb+` WHERE customer_id = $1`, other.ID); n == 0 {
			t.Errorf("%s: the other customer's rows went too", tb)
		}
	}
	if count(t, e, `SELECT count(*) FROM quote_lines l JOIN quotes q ON q.id = l.quote_id WHERE q.customer_id = $1`, other.ID) != 3 {
		t.Error("the other customer's quote lines went too")
	}
	if count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2`, gdpr.Deleted, c.ID) != 1 {
		t.Error("delete not audited")
	}
	verifyChain(t, e)
}

// failOn makes the database refuse an erasure at the given point: "audit" fails the audit append,
// "commit" fails the commit itself (a deferred constraint trigger on the register).
func failOn(t *testing.T, e *testutil.Env, point string) {
	t.Helper()
	ctx := context.Background()
	owner := e.Owner(t) // the server's role may create neither functions nor triggers
	_, err := owner.Pool.Exec(ctx, `CREATE FUNCTION fail_erasure() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`)
	must(t, err)
	switch point {
	case "audit":
		_, err = owner.Pool.Exec(ctx, `CREATE TRIGGER fail_erasure BEFORE INSERT ON audit_events FOR EACH ROW
			WHEN (NEW.action IN ('customer.anonymised', 'customer.deleted')) EXECUTE FUNCTION fail_erasure()`)
	case "commit":
		_, err = owner.Pool.Exec(ctx, `CREATE CONSTRAINT TRIGGER fail_erasure AFTER INSERT ON erasures
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_erasure()`)
	}
	must(t, err)
}

func TestErasureIsAllOrNothing(t *testing.T) {
	for _, point := range []string{"audit", "commit"} {
		for _, kind := range []domain.ErasureKind{domain.EraseAnonymise, domain.EraseDelete} {
			t.Run(point+"/"+string(kind), func(t *testing.T) {
				e := testutil.NewEnv(t, nil)
				c := e.MustCreateRichCustomer(t, "Fors Frakt AB", 8*year)
				failOn(t, e, point)
				before := snapshot(t, e)
				in := gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"}
				var err error
				if kind == domain.EraseDelete {
					_, err = e.Services.GDPR.Delete(sys(), c.ID, in)
				} else {
					_, err = e.Services.GDPR.Anonymise(sys(), c.ID, in)
				}
				if err == nil || !strings.Contains(err.Error(), "injected failure") {
					t.Fatalf("erasure with a failing %s: %v, want the injected failure", point, err)
				}
				if after := snapshot(t, e); after != before {
					t.Fatalf("a failed erasure changed the data:\nbefore %s\nafter  %s", before, after)
				}
				recs, err := e.Services.GDPR.Ledger.Records()
				must(t, err)
				for _, r := range recs {
					if r.Outcome != "aborted" {
						t.Errorf("ledger: %s left as %q, want aborted", r.Ref, r.Outcome)
					}
				}
				if point == "commit" && len(recs) != 1 {
					t.Errorf("ledger: %d records, want the aborted intent", len(recs))
				}
				verifyChain(t, e)
			})
		}
	}
}

// snapshot is the stored customer data and the register, as text, for comparing states.
func snapshot(t *testing.T, e *testutil.Env) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range gdpr.Inventory {
		var s string
		must(t, e.DB.Pool.QueryRow(context.Background(),
			`SELECT coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '') FROM `+tb.Name+` x`).Scan(&s))
		fmt.Fprintf(&b, "%s:\n%s\n", tb.Name, s)
	}
	for _, q := range []string{
		`SELECT coalesce(string_agg(concat_ws('|', ref, at, actor_id, kind, customer_id, customer_number, counts, holds, reason), E'\n' ORDER BY ref), '') FROM erasures`,
		`SELECT coalesce(string_agg(concat_ws('|', encode(hash, 'hex'), erased_at), E'\n' ORDER BY hash), '') FROM erasure_suppressions`,
	} {
		var s string
		must(t, e.DB.Pool.QueryRow(context.Background(), q).Scan(&s))
		b.WriteString(s + "\n")
	}
	return b.String()
}

func TestReplayAfterRestoreErasesAgain(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	anon := e.MustCreateRichCustomer(t, "Alm Advokat AB", 3*year) // with a held quote
	del := e.MustCreateRichCustomer(t, "Björk Bageri AB", 9*year)
	keep := e.MustCreateRichCustomer(t, "Gran Glas AB", 1*year)
	dump := backup(t, e)

	_, err := e.Services.GDPR.Anonymise(sys(), anon.ID, gdpr.Input{Confirm: fmt.Sprint(anon.Number), Reason: "Begäran 1"})
	must(t, err)
	e.Clock.Advance(time.Minute)
	_, err = e.Services.GDPR.Delete(sys(), del.ID, gdpr.Input{Confirm: fmt.Sprint(del.Number), Reason: "Begäran 2"})
	must(t, err)
	erased := snapshot(t, e)

	// Restore the backup taken before the erasures: both customers are back.
	restore(t, e, dump)
	if count(t, e, `SELECT count(*) FROM customers WHERE id = ANY($1) AND anonymised_at IS NULL`, []domain.CustomerID{anon.ID, del.ID}) != 2 {
		t.Fatal("the restore did not bring the erased customers back; the test proves nothing")
	}
	e.Clock.Advance(time.Hour)
	res, err := e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Erasures != 2 || res.Customers != 2 {
		t.Fatalf("replay: %+v, want 2 erasures and 2 customers", res)
	}
	if got := snapshot(t, e); got != erased {
		t.Fatalf("state after replay differs from the state before the restore:\nwant %s\ngot  %s", erased, got)
	}
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NULL`, keep.ID) != 1 {
		t.Error("the replay touched a customer that was never erased")
	}
	if count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1`, gdpr.Replayed) != 2 {
		t.Error("the replay is not audited")
	}
	verifyChain(t, e)

	res, err = e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Customers != 0 || snapshot(t, e) != erased {
		t.Fatalf("a second replay changed something: %+v", res)
	}
}

func TestSuppressionListWarnsOnRecreate(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", IDNumber: "811218-9876",
		Email: "eva.ek@example.se", Phone: "070-111 22 33"})
	_, err := e.Services.GDPR.Delete(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran per telefon"})
	must(t, err)
	for _, in := range []domain.CustomerInput{
		{Kind: "person", Name: "E. Ek", Email: "Eva.Ek@Example.se"},
		{Kind: "person", Name: "E. Ek", Phone: "+46 70 111 22 33"},
		{Kind: "person", Name: "E. Ek", IDNumber: "19811218-9876"},
	} {
		_, err := e.Services.Customers.Create(sys(), in, customer.NewConsent{}, false)
		var eb *customer.ErasedBefore
		if !errors.As(err, &eb) || eb.At.IsZero() {
			t.Errorf("create %+v: %v, want the erased-before warning", in, err)
		}
	}
	if _, err := e.Services.Customers.Create(sys(), domain.CustomerInput{Kind: "person", Name: "Annan Person",
		Email: "annan@example.se"}, customer.NewConsent{}, false); err != nil {
		t.Errorf("an unrelated customer: %v", err)
	}
	if _, err := e.Services.Customers.Create(sys(), domain.CustomerInput{Kind: "person", Name: "E. Ek",
		Email: "eva.ek@example.se"}, customer.NewConsent{}, true); err != nil {
		t.Errorf("confirmed re-creation: %v", err)
	}
	// The hashes are keyed: another salt gives others, so the table alone reveals nothing.
	if slices.EqualFunc(domain.SuppressionHashes([]byte("a"), "x@y.se", "", ""), domain.SuppressionHashes([]byte("b"), "x@y.se", "", ""),
		func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Error("hashes do not depend on the salt")
	}
}

func TestLedgerSurvivesATornLineAndReconciles(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Ola Ny", Email: "ola@example.se"})
	l := e.Services.GDPR.Ledger
	// An intent whose outcome was never written, for an erasure that never committed, then a torn line.
	must(t, l.Intend(gdpr.LedgerEntry{Ref: "lost", At: e.Clock.Now().Add(-time.Hour), Kind: domain.EraseDelete,
		Customers: []gdpr.LedgerCustomer{{ID: c.ID, Number: c.Number}}}))
	f, err := os.OpenFile(e.Config.ErasureLedger, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString(`{"ref":"torn","sta` + "\n" + `{"ref":"torn again`)
	must(t, err)
	must(t, f.Close())

	er, err := e.Services.GDPR.Anonymise(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"})
	must(t, err)
	n, err := e.Services.GDPR.Reconcile(sys())
	must(t, err)
	if n != 0 {
		t.Fatalf("reconciled %d, want none: the lost intent names no transaction, so it cannot be decided", n)
	}
	recs, err := l.Records()
	must(t, err)
	states := map[string]string{}
	for _, r := range recs {
		states[r.Ref] = r.Outcome
	}
	if states["lost"] != "" || states[er.Ref] != "committed" || len(recs) != 2 {
		t.Fatalf("ledger after reconcile: %v", states)
	}
}

func TestDailyScheduleRunsAtThreeSwedishTime(t *testing.T) {
	d := gdpr.Daily{Hour: 3}
	for _, tc := range []struct{ now, want string }{
		{"2026-11-27T01:00:00Z", "2026-11-27T03:00:00+01:00"}, // 02:00 in Sweden: later the same day
		{"2026-11-27T02:00:00Z", "2026-11-28T03:00:00+01:00"}, // 03:00 exactly: the next day
		{"2026-03-28T12:00:00Z", "2026-03-29T03:00:00+02:00"}, // into summer time
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		want, _ := time.Parse(time.RFC3339, tc.want)
		if got := d.Next(now); !got.Equal(want) {
			t.Errorf("Next(%s) = %s, want %s", tc.now, got, tc.want)
		}
	}
}

func backup(t *testing.T, e *testutil.Env) string {
	t.Helper()
	dump := t.TempDir() + "/before.dump"
	testutil.PGTool(t, "pg_dump", "--format=custom", "--file="+dump, "--dbname="+e.DBURL)
	return dump
}

func restore(t *testing.T, e *testutil.Env, dump string) {
	t.Helper()
	e.DB.Pool.Reset()
	testutil.PGTool(t, "pg_restore", "--clean", "--if-exists", "--single-transaction", "--dbname="+e.OwnerURL, dump)
}

// dropOutcomes removes the ledger's outcome lines, as a crash between COMMIT and writing them leaves it.
func dropOutcomes(t *testing.T, e *testutil.Env) {
	t.Helper()
	b, err := os.ReadFile(e.Config.ErasureLedger)
	must(t, err)
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.Contains(l, `"state":"intent"`) {
			keep = append(keep, l)
		}
	}
	must(t, os.WriteFile(e.Config.ErasureLedger, []byte(strings.Join(keep, "\n")+"\n"), 0o600))
}

// TestReplayLeavesACustomerWhoTookAnErasedID: after a restore, a new customer may get the id and number
// of one erased after the backup; the replay must not erase them, and moves the sequences on.
func TestReplayLeavesACustomerWhoTookAnErasedID(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Före Backup"})
	dump := backup(t, e)
	x := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Xerxes Raderad", Email: "x@example.se"})
	_, err := e.Services.GDPR.Delete(sys(), x.ID, gdpr.Input{Confirm: fmt.Sprint(x.Number), Reason: "Begäran"})
	must(t, err)
	restore(t, e, dump)
	e.Clock.Advance(time.Minute)
	y := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Ylva Oskyldig", Email: "y@example.se"})
	if y.ID != x.ID || y.Number != x.Number {
		t.Fatalf("the new customer got id %d number %d, not the erased one's (%d, %d): the test proves nothing", y.ID, y.Number, x.ID, x.Number)
	}
	res, err := e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Customers != 0 || count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND name = 'Ylva Oskyldig'`, y.ID) != 1 {
		t.Fatalf("replay %+v erased the customer who took the erased one's id", res)
	}
	z := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Zara Ny"})
	if z.ID <= x.ID || z.Number <= x.Number {
		t.Errorf("after the replay a new customer got id %d number %d, not past the erased %d/%d", z.ID, z.Number, x.ID, x.Number)
	}
}

// TestReplayAfterACrashAndARestore: the process died between COMMIT and writing the outcome, then the
// database was restored from an older backup and served (Reconcile runs at start) before the replay.
// Reconcile must not take the missing rows for an aborted erasure.
func TestReplayAfterACrashAndARestore(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Rut Återkommer", Email: "rut@example.se"})
	dump := backup(t, e)
	_, err := e.Services.GDPR.Anonymise(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"})
	must(t, err)
	dropOutcomes(t, e)
	restore(t, e, dump)
	e.Clock.Advance(time.Hour)
	n, err := e.Services.GDPR.Reconcile(sys())
	must(t, err)
	recs, err := e.Services.GDPR.Ledger.Records()
	must(t, err)
	if n != 1 || len(recs) != 1 || recs[0].Outcome != "committed" {
		t.Fatalf("reconcile after the restore: %d settled, %+v; want the intent settled as committed from the commit log", n, recs)
	}
	res, err := e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Customers != 1 || count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NOT NULL AND email = ''`, c.ID) != 1 {
		t.Fatalf("replay %+v: the committed anonymisation was not re-applied", res)
	}
}

// TestReplayAfterAFailedCommitIsSkipped: an erasure whose COMMIT failed is settled as aborted from the
// commit log (not guessed), and a replay leaves the customer alone.
func TestReplayAfterAFailedCommitIsSkipped(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Sara Stannar", Email: "sara@example.se"})
	failOn(t, e, "commit")
	if _, err := e.Services.GDPR.Anonymise(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"}); err == nil {
		t.Fatal("the injected commit failure did not fail the erasure")
	}
	dropOutcomes(t, e) // as if the process died before it could write the outcome
	n, err := e.Services.GDPR.Reconcile(sys())
	must(t, err)
	recs, err := e.Services.GDPR.Ledger.Records()
	must(t, err)
	if n != 1 || recs[0].Outcome != "aborted" {
		t.Fatalf("reconcile: %d settled, %+v; want aborted", n, recs)
	}
	res, err := e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Customers != 0 || res.Erasures != 0 {
		t.Fatalf("replay of an aborted erasure: %+v", res)
	}
}

// TestReplayOfAnErasureByAUserTheBackupLacks: the register entry is restored although its user is not
// in the restored database, and later entries are replayed too.
func TestReplayOfAnErasureByAUserTheBackupLacks(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Cecilia Kund", Email: "cecilia@example.se"})
	c2 := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "David Kund", Email: "david@example.se"})
	dump := backup(t, e)
	uid, _ := e.MustCreateUser(t, "newdpo@example.se", false, authz.CustomerView, authz.CustomerDelete)
	ctx := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: uid, Name: "Ny Dataskyddsombud", Active: true},
		[]authz.Permission{authz.CustomerView, authz.CustomerDelete}))
	_, err := e.Services.GDPR.Delete(ctx, c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"})
	must(t, err)
	_, err = e.Services.GDPR.Delete(sys(), c2.ID, gdpr.Input{Confirm: fmt.Sprint(c2.Number), Reason: "Begäran 2"})
	must(t, err)
	restore(t, e, dump)
	res, err := e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Customers != 2 || count(t, e, `SELECT count(*) FROM customers WHERE id = ANY($1)`, []domain.CustomerID{c.ID, c2.ID}) != 0 {
		t.Fatalf("replay %+v: erased customers are back", res)
	}
	if count(t, e, `SELECT count(*) FROM erasures WHERE actor_name = 'Ny Dataskyddsombud'`) != 1 {
		t.Error("the register entry of the user the backup lacks was not restored with their name")
	}
}
