package customerimport_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/customerimport"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

func sys() context.Context { return authz.WithActor(context.Background(), authz.System()) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, e *testutil.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	must(t, e.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// erased creates a customer and anonymises it, after an objection when objected.
func erased(t *testing.T, e *testutil.Env, name, email string, objected bool) {
	t.Helper()
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: name, Email: email})
	if objected {
		must(t, e.Services.Customers.RecordObjection(sys(), c.ID, customer.ObjectionInput{ObjectedOn: "2026-03-01", Channel: "letter"}))
	}
	_, err := e.Services.GDPR.Anonymise(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"})
	must(t, err)
}

// The register export's headings (Swedish), semicolons, Windows-1252: as Excel saves a Swedish CSV.
const heading = "Kundnummer;Typ;Namn;Person-/organisationsnummer;E-post;Telefon;Gatuadress;Postnummer;Ort;Land;Anteckningar"

// Done when (issue 18): an import of 1,000 rows with bad rows, duplicates and two erased people: the
// preview names each problem by row, nothing is written before confirmation, the erased people are held
// back; the confirmed import creates the rest through its job, carries the objection of the one confirmed,
// audits once with counts and keeps no row's data.
func TestImportOfAThousandRows(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	dup := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Dubbel Dubbelsson", Email: "dubbel@example.se"})
	byNumber := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Numrerat AB"})
	erased(t, e, "Ella Raderad", "ella@example.se", true)
	erased(t, e, "Rolf Raderad", "rolf@example.se", false)
	before := count(t, e, `SELECT count(*) FROM customers`)
	lastBefore := count(t, e, `SELECT coalesce(max(id), 0) FROM customers`)

	lines := []string{heading}
	want := map[int]string{} // row → what the preview must say of it
	for row := 2; row <= 1001; row++ {
		name, email, postal, number, kind := fmt.Sprintf("Åsa Öberg %d", row), fmt.Sprintf("asa%d@example.se", row), "111 22", "", "Privatperson"
		switch row {
		case 10:
			email, want[row] = "inte-en-adress", "invalid:email"
		case 20:
			name, want[row] = "", "invalid:name"
		case 30:
			postal, want[row] = "1", "invalid:postal_code"
		case 40:
			email, want[row] = "dubbel@example.se", "duplicate:email"
		case 50:
			number, name, kind, want[row] = fmt.Sprint(byNumber.Number), "Numrerat AB", "Företag", "duplicate:number"
		case 60:
			email, want[row] = "ELLA@example.se", "held:objected"
		case 70:
			email, want[row] = "rolf@example.se", "held:erased"
		}
		lines = append(lines, strings.Join([]string{number, kind, name, "", email, "08-123 45 67", "Storgatan 1", postal, "Stockholm", "SE", "Importerad"}, ";"))
	}
	file, err := charmap.Windows1252.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	must(t, err)

	im := e.Services.Imports
	id, err := im.Upload(ctx, bytes.NewReader(file))
	must(t, err)
	p, err := im.Preview(ctx, id, 0)
	must(t, err)
	got, rows, more := p.Import, append(p.Held, p.Problems...), p.More
	if got.Total != 1000 || got.States[domain.ImportOK] != 993 || got.States[domain.ImportInvalid] != 3 ||
		got.States[domain.ImportDuplicate] != 2 || got.States[domain.ImportHeld] != 2 || more {
		t.Fatalf("preview: %d rows, states %v, more %v", got.Total, got.States, more)
	}
	for _, r := range rows {
		var said string
		switch r.State {
		case domain.ImportInvalid:
			for f := range r.Problems {
				said = "invalid:" + f
			}
		case domain.ImportDuplicate:
			said = "duplicate:" + r.MatchOn
			if r.MatchOn == "email" && r.MatchID != dup.ID || r.MatchOn == "number" && r.MatchID != byNumber.ID {
				t.Errorf("row %d matches customer %d", r.Row, r.MatchID)
			}
		case domain.ImportHeld:
			said = "held:erased"
			if r.Objected {
				said = "held:objected"
			}
			if r.ErasedAt.IsZero() {
				t.Errorf("row %d is held without the erasure's date", r.Row)
			}
		}
		if said != want[r.Row] {
			t.Errorf("row %d: the preview says %q, want %q", r.Row, said, want[r.Row])
		}
		delete(want, r.Row)
	}
	if len(want) > 0 {
		t.Errorf("rows the preview does not name: %v", want)
	}
	if n := count(t, e, `SELECT count(*) FROM customers`); n != before {
		t.Fatalf("%d customers written before the confirmation", n-before)
	}

	must(t, im.Confirm(ctx, id, customerimport.ConfirmInput{Duplicates: "skip", Include: []int{60}}))
	must(t, im.Run(context.Background(), id))
	must(t, im.Run(context.Background(), id)) // a second run (a retry) does nothing twice
	p, err = im.Preview(ctx, id, 0)
	must(t, err)
	got = p.Import
	if got.Status != "done" || got.Outcomes[domain.ImportCreated] != 994 || got.Outcomes[domain.ImportSkipped] != 2 ||
		got.Outcomes[domain.ImportLeftOut] != 4 {
		t.Fatalf("after the import: %s, %v", got.Status, got.Outcomes)
	}
	if n := count(t, e, `SELECT count(*) FROM customers`); n != before+994 {
		t.Errorf("%d customers created, want 994", n-before)
	}
	if n := count(t, e, `SELECT count(*) FROM customers c JOIN marketing_objections o ON o.customer_id = c.id
		WHERE c.email = 'ella@example.se' AND o.carried_over`); n != 1 {
		t.Errorf("the confirmed erased person carries %d objections, want 1", n)
	}
	if n := count(t, e, `SELECT count(*) FROM customers WHERE email = 'rolf@example.se'`); n != 0 {
		t.Error("the erased person not confirmed was imported")
	}
	if n := count(t, e, `SELECT count(*) FROM customers WHERE name = 'Åsa Öberg 2' AND city = 'Stockholm'`); n != 1 {
		t.Error("Windows-1252 was not read as such")
	}
	if n := count(t, e, `SELECT count(*) FROM customer_import_rows WHERE import_id = $1 AND input IS NOT NULL`, id); n != 0 {
		t.Errorf("%d rows keep their data after the import", n)
	}
	if n := count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2
		AND (details->>'created')::int = 994`, customerimport.Finished, id); n != 1 {
		t.Errorf("%d audit events of the import's end with its counts, want 1", n)
	}
	// Each batch commits its customers with its event: no customer the import made without one, written
	// by the same transaction, and the batches' counts add up.
	if n := count(t, e, `SELECT count(*) FROM customers c WHERE c.id > $1 AND NOT EXISTS (SELECT 1 FROM audit_events a
		WHERE a.xmin = c.xmin AND a.action = $2 AND a.entity_id = $3)`, lastBefore, customerimport.BatchImported, id); n != 0 {
		t.Errorf("%d imported customers were committed without their batch's audit event", n)
	}
	if n := count(t, e, `SELECT coalesce(sum((details->>'created')::int), 0) FROM audit_events WHERE action = $1 AND entity_id = $2`,
		customerimport.BatchImported, id); n != 994 {
		t.Errorf("the batches' events count %d customers created, want 994", n)
	}
	if n := count(t, e, `SELECT count(*) FROM audit_events WHERE details::text LIKE '%Öberg%' OR details::text LIKE '%asa2@%'`); n != 0 {
		t.Errorf("%d audit events hold personal data", n)
	}
	if _, err := audit.Verify(context.Background(), e.DB.Pool); err != nil {
		t.Fatal(err)
	}
}

// Updating duplicates changes only the columns the file has, and needs customer.edit.
func TestImportUpdatesDuplicates(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Uno Uppdatera", Email: "uno@example.se", City: "Luleå"})
	uploader, _ := e.MustCreateUser(t, "importer@example.se", false, authz.CustomerCreate, authz.CustomerEdit)
	as := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: uploader, Active: true},
		[]authz.Permission{authz.CustomerCreate, authz.CustomerEdit}))
	im := e.Services.Imports
	id, err := im.Upload(as, bytes.NewReader([]byte("name,email,phone\nUno Uppdaterad,uno@example.se,070-111 22 33\n")))
	must(t, err)
	clerk := authz.WithActor(context.Background(), authz.NewActor(domain.User{ID: 1, Active: true}, []authz.Permission{authz.CustomerCreate}))
	if err := im.Confirm(clerk, id, customerimport.ConfirmInput{Duplicates: "update"}); err == nil {
		t.Fatal("updating duplicates without customer.edit was let through")
	}
	must(t, im.Confirm(sys(), id, customerimport.ConfirmInput{Duplicates: "update"}))
	must(t, im.Run(context.Background(), id))
	if n := count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND name = 'Uno Uppdaterad' AND phone <> '' AND city = 'Luleå'`, c.ID); n != 1 {
		t.Error("the duplicate was not updated with the file's columns alone")
	}
	// The customer's own log shows the change, committed with it, by whom and which fields it changed.
	if n := count(t, e, `SELECT count(*) FROM audit_events a JOIN customers c ON c.id = a.entity_id AND c.xmin = a.xmin
		WHERE a.action = $1 AND a.entity_type = 'customer' AND a.entity_id = $2 AND a.actor_user_id = $4
		AND a.details->'fields' = '["name", "phone"]' AND (a.details->>'import_id')::bigint = $3`,
		customerimport.DuplicateUpdated, c.ID, id, uploader); n != 1 {
		t.Errorf("%d events of the duplicate's change by its uploader with its fields, in its transaction; want 1", n)
	}
}
