package gdpr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
)

// objected creates a person who objects to direct marketing on 2026-03-01 by letter.
func objected(t *testing.T, e *testutil.Env, name, email string) domain.Customer {
	t.Helper()
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: name, Email: email})
	must(t, e.Services.Customers.RecordObjection(sys(), c.ID, customer.ObjectionInput{ObjectedOn: "2026-03-01", Channel: "letter"}))
	return c
}

// recreated creates the person with email again (confirming the erased-before warning) and returns the
// objections the new customer carries.
func recreated(t *testing.T, e *testutil.Env, name, email string) []domain.Objection {
	t.Helper()
	c, err := e.Services.Customers.Create(sys(), domain.CustomerInput{Kind: "person", Name: name, Email: email},
		customer.NewConsent{}, true)
	must(t, err)
	d, err := e.Services.Customers.View(sys(), c.ID)
	must(t, err)
	return d.Objections
}

// TestBulkErasureKeepsObjections: a bulk job's erasures (anonymise and delete) keep each objector's
// objection, and only theirs, so re-creating them carries it; the erasure counts the objection among the
// consent changes and the re-scan finds nothing left.
func TestBulkErasureKeepsObjections(t *testing.T) {
	for _, kind := range []domain.ErasureKind{domain.EraseAnonymise, domain.EraseDelete} {
		t.Run(string(kind), func(t *testing.T) {
			e := testutil.NewEnv(t, nil)
			ctx := sys()
			o := objected(t, e, "Olle Objektör", "olle@example.se")
			e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Nils Nöjd", Email: "nils@example.se"})
			p, err := e.Services.GDPR.Preview(ctx, o.ID, kind)
			must(t, err)
			if p.Counts["consent_changes"] != 1 { // no consent history, one objection
				t.Errorf("plan counts %d consent changes, want the objection counted", p.Counts["consent_changes"])
			}
			b := e.Services.Bulk
			j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
			must(t, err)
			must(t, b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: kind, OnRetention: "skip", Reason: "Rensning"}))
			must(t, b.Run(context.Background(), j.ID))
			j, _, _, err = b.Job(ctx, j.ID)
			must(t, err)
			if j.Processed != 2 || j.Violations == nil || *j.Violations != 0 {
				t.Fatalf("job: %d processed, violations %v", j.Processed, j.Violations)
			}
			if n := count(t, e, `SELECT count(*) FROM marketing_objections`); n != 0 {
				t.Fatalf("%d objection rows left after the erasure", n)
			}
			got := recreated(t, e, "O. Objektör", "Olle@Example.se")
			if len(got) != 1 || !got[0].InForce() || !got[0].CarriedOver || got[0].Channel != "letter" ||
				got[0].ObjectedOn.Format(domain.DateLayout) != "2026-03-01" {
				t.Fatalf("the re-created objector carries %+v, want the objection of 2026-03-01 by letter", got)
			}
			if got := recreated(t, e, "N. Nöjd", "nils@example.se"); len(got) != 0 {
				t.Fatalf("someone who never objected carries %+v", got)
			}
		})
	}
}

// TestLiftedObjectionIsNotCarried: a person who objected, was erased, came back carrying the objection and
// then lifted it by new consent is, once erased again, created again without it: the newest kept state
// decides.
func TestLiftedObjectionIsNotCarried(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	first := objected(t, e, "Lisa Lyft", "lisa@example.se")
	_, err := e.Services.GDPR.Delete(ctx, first.ID, gdpr.Input{Confirm: fmt.Sprint(first.Number), Reason: "Begäran"})
	must(t, err)
	_, err = e.Services.Customers.Create(ctx, domain.CustomerInput{Kind: "person", Name: "Lisa Lyft", Email: "lisa@example.se"},
		customer.NewConsent{Given: true, Source: "email"}, true)
	var ob *customer.ObjectedBefore
	if !errors.As(err, &ob) || ob.Objection.ObjectedOn.Format(domain.DateLayout) != "2026-03-01" {
		t.Fatalf("consent for a former objector without confirming: %v, want *ObjectedBefore", err)
	}
	second, err := e.Services.Customers.Create(ctx, domain.CustomerInput{Kind: "person", Name: "Lisa Lyft", Email: "lisa@example.se"},
		customer.NewConsent{Given: true, Source: "email", LiftObjection: true}, true)
	must(t, err)
	if err := e.Services.Customers.SetConsent(ctx, second.ID, true, "email"); err != nil {
		t.Fatalf("consent once the objection is lifted: %v", err)
	}
	_, err = e.Services.GDPR.Anonymise(ctx, second.ID, gdpr.Input{Confirm: fmt.Sprint(second.Number), Reason: "Begäran"})
	must(t, err)
	if got := recreated(t, e, "Lisa Lyft", "lisa@example.se"); len(got) != 0 {
		t.Fatalf("a lifted objection was carried: %+v", got)
	}
}
