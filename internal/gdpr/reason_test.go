package gdpr_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
	"github.com/affar/affar/migrations"
)

// The reason of an erasure is kept in the register and in the ledger file for good: it must hold nobody's
// personal data, neither the customer's nor a contact person's, nor e-mail addresses or long numbers.
func TestErasureReasonRefusesPersonalData(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Berg Bygg AB", Email: "info@bergbygg.example",
		Street: "Storgatan 1", PostalCode: "111 22", City: "Stockholm"})
	must(t, e.Services.Customers.AddContact(sys(), c.ID, domain.ContactInput{Name: "Karin Lund", Role: "VD",
		Email: "karin.lund@bergbygg.example", Phone: "070-123 45 67"}))
	refused := map[string]string{
		"Karin Lund ringde och bad om det":         "gdpr.error.reason_personal", // a contact's name
		"Karin bad om radering":                    "gdpr.error.reason_personal", // a contact's first name
		"Begäran från karin.lund, ärende 4":        "gdpr.error.reason_personal", // a contact's e-mail, without the domain
		"Berg Bygg AB har lagt ner":                "gdpr.error.reason_personal", // the customer's name
		"Mejl från någon@annan.example":            "gdpr.error.reason_contact_data",
		"Ring 070-123 45 67":                       "gdpr.error.reason_contact_data",
		"Ärende 123456":                            "gdpr.error.reason_contact_data",
		"Personnummer 19690220-1234 enligt samtal": "gdpr.error.reason_contact_data",
		"Född 1969-02-20 1234":                     "gdpr.error.reason_contact_data", // a date, then the last four
		"Född 1969-02-20-1234":                     "gdpr.error.reason_contact_data",
	}
	for reason, key := range refused {
		_, err := e.Services.GDPR.Anonymise(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: reason})
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || fe["reason"] != key {
			t.Errorf("reason %q: %v (%v), want %s", reason, err, fe, key)
		}
	}
	if n := count(t, e, `SELECT count(*) FROM erasures`); n != 0 {
		t.Fatalf("%d erasures stored by refused reasons", n)
	}
	er, err := e.Services.GDPR.Anonymise(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number),
		Reason: "Begäran per e-post 2026-11-20 14:30, ärende 17"})
	must(t, err)
	if er.Reason != "Begäran per e-post 2026-11-20 14:30, ärende 17" {
		t.Errorf("stored reason %q", er.Reason)
	}
}

// A bulk job's reason is checked against every customer of the frozen selection and their contact
// persons; the refusal names the customer number (not personal data) so the user can tell why. Across a
// selection, whole names count, not a first or last name alone: every common word is somebody's name.
func TestBulkReasonIsCheckedAgainstTheSelection(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	var ids []domain.CustomerID
	for i := range 30 {
		ids = append(ids, e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: fmt.Sprintf("Per Person%d", i)}).ID)
	}
	eva := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", Email: "eva.ek@example.se", Street: "Ekvägen 3"})
	firm := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Holm Handel AB"})
	must(t, e.Services.Customers.AddContact(ctx, firm.ID, domain.ContactInput{Name: "Stina Holmqvist", Email: "stina.h@holm.example"}))
	gone := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Gun Gran"})
	_, err := e.Services.GDPR.Anonymise(ctx, gone.ID, gdpr.Input{Confirm: fmt.Sprint(gone.Number), Reason: "Begäran"})
	must(t, err)
	e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Olle Utanför"})

	b := e.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, append(ids, eva.ID, firm.ID, gone.ID))
	must(t, err)
	for reason, number := range map[string]int64{
		"EVA EK bad om radering":           eva.Number,
		"Begäran från eva.ek":              eva.Number,
		"Flyttat från Ekvägen 3":           eva.Number,
		"Stina Holmqvist sade upp avtalet": firm.Number,
		"Begäran från stina.h, ärende 4":   firm.Number,
	} {
		err := b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: reason})
		var fe domain.FieldErrors
		// The form shows the number (TestErasureReasonRefusalsKeepTheText); it comes as Customer.
		var named *gdpr.ReasonNames
		if !errors.As(err, &fe) || fe["reason"] != "bulk.error.reason_personal" || !errors.As(err, &named) || named.Customer != number {
			t.Errorf("reason %q: %v (%v), want a refusal naming customer %d", reason, err, fe, number)
		}
	}
	for _, reason := range []string{"Skriv till a@b.example", "Tel 08-123 456 78", "Nummer 556036-0793"} {
		err := b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: reason})
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || fe["reason"] != "gdpr.error.reason_contact_data" {
			t.Errorf("reason %q: %v (%v), want reason_contact_data", reason, err, fe)
		}
	}
	if n := count(t, e, `SELECT count(*) FROM bulk_jobs WHERE id = $1 AND status = 'draft'`, j.ID); n != 1 {
		t.Fatal("a refused reason started the job")
	}
	// "per" is a word, though 30 selected customers are called Per; an anonymised customer's placeholder
	// name is nobody's personal data.
	must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise,
		Reason: fmt.Sprintf("Begäran per e-post 2026-11-20, som för Anonymiserad kund %d", gone.Number)}))
}

// Migration 000014 redacts the reasons stored before the rule: e-mail addresses and long numbers
// wherever they are, and whole reasons naming someone whose data is still there to compare with (a
// held billing snapshot, a customer of a bulk job that has not been erased, their contact persons).
func TestMigrationRedactsStoredReasons(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	held := e.MustCreateRichCustomer(t, "Alm Advokat AB", 3*year) // anonymised below, its accepted quote held
	plain := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Ola Ny"})
	clean := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kim Ren"})
	pending := e.MustCreateRichCustomer(t, "Björk Bageri AB", 9*year) // contacts Kim and Sam Kontakt
	for _, c := range []domain.Customer{held, plain, clean} {
		_, err := e.Services.GDPR.Anonymise(ctx, c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran"})
		must(t, err)
	}
	j, err := e.Services.Bulk.Draft(ctx, domain.Segment{}, map[string]string{}, []domain.CustomerID{pending.ID})
	must(t, err)
	must(t, e.Services.Bulk.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}))
	// What an older version let through.
	old := map[domain.CustomerID]string{
		held.ID:  "Alm Advokat AB bad om det",
		plain.ID: "Mejl från ola.ny@example.se, tel 070-111 22 33, 2026-11-20",
		clean.ID: "Begäran per e-post 2026-11-20 14:30, ärende 17",
	}
	owner := e.Owner(t) // the register is append-only to the server's role; migrations are the owner's
	for id, reason := range old {
		_, err := owner.Pool.Exec(ctx, `UPDATE erasures SET reason = $2 WHERE customer_id = $1`, id, reason)
		must(t, err)
	}
	_, err = e.DB.Pool.Exec(ctx, `UPDATE bulk_jobs SET reason = 'Kim Kontakt ringde' WHERE id = $1`, j.ID)
	must(t, err)
	_, err = owner.Pool.Exec(ctx, `UPDATE erasures SET reason = 'Kim Kontakt ringde' WHERE job_id = $1`, j.ID)
	must(t, err)

	for _, f := range []string{"000014_check_erasure_reasons.down.sql", "000014_check_erasure_reasons.up.sql"} {
		sql, err := migrations.FS.ReadFile(f)
		must(t, err)
		_, err = owner.Pool.Exec(ctx, string(sql))
		must(t, err)
	}
	want := map[domain.CustomerID]string{
		held.ID:  "[…]",
		plain.ID: "Mejl från […] tel […], 2026-11-20",
		clean.ID: old[clean.ID],
	}
	for id, w := range want {
		var got string
		must(t, e.DB.Pool.QueryRow(ctx, `SELECT reason FROM erasures WHERE customer_id = $1`, id).Scan(&got))
		if got != w {
			t.Errorf("customer %d: reason %q after the migration, want %q", id, got, w)
		}
	}
	if n := count(t, e, `SELECT count(*) FROM bulk_jobs j JOIN erasures r ON r.job_id = j.id
		WHERE j.id = $1 AND j.reason = '[…]' AND r.reason = '[…]'`, j.ID); n != 1 {
		t.Error("a bulk job's reason naming a selected customer's contact person was kept")
	}
}

// The ledger keeps each reason as it was written (it is append-only and synced), but a replay puts it in
// the register only as the rule allows: a ledger from before the rule does not bring personal data back.
func TestReplayRedactsALedgerReason(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek", Email: "eva.ek@example.se"})
	dump := backup(t, e)
	_, err := e.Services.GDPR.Delete(sys(), c.ID, gdpr.Input{Confirm: fmt.Sprint(c.Number), Reason: "Begäran 9"})
	must(t, err)
	b, err := os.ReadFile(e.Config.ErasureLedger)
	must(t, err)
	old := strings.Replace(string(b), `"reason":"Begäran 9"`, `"reason":"Eva Ek ringde"`, 1)
	if old == string(b) {
		t.Fatal("no reason in the ledger to rewrite")
	}
	must(t, os.WriteFile(e.Config.ErasureLedger, []byte(old), 0o600))

	restore(t, e, dump)
	res, err := e.Services.GDPR.Replay(sys())
	must(t, err)
	if res.Customers != 1 {
		t.Fatalf("replay: %+v", res)
	}
	var reason string
	must(t, e.DB.Pool.QueryRow(context.Background(), `SELECT reason FROM erasures WHERE customer_id = $1`, c.ID).Scan(&reason))
	if reason != "[…]" {
		t.Errorf("replayed reason %q, want [%s]", reason, "…")
	}
	if b, _ := os.ReadFile(e.Config.ErasureLedger); !strings.Contains(string(b), "Eva Ek ringde") {
		t.Error("the replay rewrote the ledger")
	}
}
