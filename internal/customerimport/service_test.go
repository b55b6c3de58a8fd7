package customerimport_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customerimport"
	"github.com/affar/affar/internal/testutil/svctest"
)

// The service checks the permissions again: customer.create for every step, customer.edit too for
// updating duplicates; Run and Resume are the job's (tested in TestImportOfAThousandRows and here).
func TestService(t *testing.T) {
	h := svctest.New(t)
	im := h.Services.Imports
	svctest.Methods(t, im, "Cleanup", "Confirm", "Preview", "Resume", "Run", "Upload")
	file := []byte("Namn;E-post\nAnna Prov;anna@example.se\n")
	var id int64
	h.Run(t, svctest.Case{Name: "Upload", Perms: []authz.Permission{authz.CustomerCreate}, Audit: []string{customerimport.Checked},
		Call: func(ctx context.Context) (err error) {
			id, err = im.Upload(ctx, bytes.NewReader(file))
			return err
		}})
	other, err := im.Upload(h.As(authz.CustomerCreate), bytes.NewReader(file))
	must(t, err)
	h.Run(t,
		svctest.Case{Name: "Preview", Perms: []authz.Permission{authz.CustomerCreate}, Call: func(ctx context.Context) error {
			_, err := im.Preview(ctx, id, 0)
			return err
		}},
		svctest.Case{Name: "Confirm update", Perms: []authz.Permission{authz.CustomerCreate, authz.CustomerEdit},
			Audit: []string{customerimport.Confirmed},
			Call: func(ctx context.Context) error {
				return im.Confirm(ctx, other, customerimport.ConfirmInput{Duplicates: "update"})
			}},
		svctest.Case{Name: "Confirm skip", Perms: []authz.Permission{authz.CustomerCreate}, Audit: []string{customerimport.Confirmed},
			Call: func(ctx context.Context) error {
				return im.Confirm(ctx, id, customerimport.ConfirmInput{Duplicates: "skip"})
			}})
	if n, err := im.Resume(context.Background()); err != nil || n != 2 {
		t.Errorf("resume: %d imports, %v; want the 2 confirmed", n, err)
	}
}

// A preview nobody confirms is removed with its rows after a day, by the nightly clean-up; a confirmed
// import stays.
func TestCleanupRemovesStalePreviews(t *testing.T) {
	h := svctest.New(t)
	im := h.Services.Imports
	file := []byte("Namn;E-post\nAnna Prov;anna@example.se\n")
	stale, err := im.Upload(h.As(authz.CustomerCreate), bytes.NewReader(file))
	must(t, err)
	kept, err := im.Upload(h.As(authz.CustomerCreate), bytes.NewReader(file))
	must(t, err)
	must(t, im.Confirm(h.As(authz.CustomerCreate), kept, customerimport.ConfirmInput{Duplicates: "skip"}))
	h.Clock.Advance(23 * time.Hour)
	if n, err := im.Cleanup(context.Background()); err != nil || n != 0 {
		t.Fatalf("after 23 hours: %d removed, %v", n, err)
	}
	h.Clock.Advance(2 * time.Hour)
	if n, err := im.Cleanup(context.Background()); err != nil || n != 1 {
		t.Fatalf("after 25 hours: %d removed, %v; want the stale preview", n, err)
	}
	if _, err := im.Preview(h.As(authz.CustomerCreate), stale, 0); err == nil {
		t.Error("the stale preview is still there")
	}
	if _, err := im.Preview(h.As(authz.CustomerCreate), kept, 0); err != nil {
		t.Errorf("the confirmed import: %v", err)
	}
}
