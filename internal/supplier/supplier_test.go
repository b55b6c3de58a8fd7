package supplier_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/supplier"
	"github.com/affar/affar/internal/testutil/svctest"
)

type perms = []authz.Permission

var (
	view = perms{authz.SupplierView}
	sys  = authz.WithActor(context.Background(), authz.System())
)

// edit is what changing a supplier requires: the form shows the data too.
func edit(p authz.Permission) perms { return perms{p, authz.SupplierView} }

func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &supplier.Service{}, "List", "View", "ForEdit", "Create", "Update", "Delete", "Anonymise",
		"AddContact", "RemoveContact")
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Suppliers
	sup := h.MustCreateSupplier(t, domain.SupplierInput{Name: "Leverantör AB", City: "Malmö"})
	edited := h.MustCreateSupplier(t, domain.SupplierInput{Name: "Ändras AB"})
	doomed := h.MustCreateSupplier(t, domain.SupplierInput{Name: "Försvinner AB"})
	trader := h.MustCreateSupplier(t, domain.SupplierInput{Name: "Sven Snickare", Email: "sven@example.se"})
	h.MustAddSupplierContact(t, trader.ID, "Svens fru")
	contact := h.MustAddSupplierContact(t, sup.ID, "Kim Kontakt")
	var (
		page    supplier.Page
		detail  supplier.Detail
		got     domain.Supplier
		created domain.Supplier
	)
	h.Run(t,
		svctest.Case{Name: "List", Perms: view,
			Call: func(ctx context.Context) (err error) {
				page, err = s.List(ctx, "Leverantör", domain.ListRequest{})
				return
			},
			Check: func(t *testing.T) {
				if len(page.Rows) != 1 || page.Rows[0].ID != sup.ID {
					t.Errorf("found %+v, want only supplier %d", page.Rows, sup.ID)
				}
			}},
		svctest.Case{Name: "View", Perms: view,
			Call: func(ctx context.Context) (err error) { detail, err = s.View(ctx, sup.ID); return },
			Check: func(t *testing.T) {
				if detail.Supplier.ID != sup.ID || len(detail.Contacts) != 1 {
					t.Errorf("supplier %d with %d contacts, want %d with 1", detail.Supplier.ID, len(detail.Contacts), sup.ID)
				}
			}},
		svctest.Case{Name: "ForEdit", Perms: edit(authz.SupplierEdit),
			Call: func(ctx context.Context) (err error) { got, err = s.ForEdit(ctx, sup.ID); return },
			Check: func(t *testing.T) {
				if got.ID != sup.ID || got.City != "Malmö" {
					t.Errorf("got %d in %q, want %d in Malmö", got.ID, got.City, sup.ID)
				}
			}},
		svctest.Case{Name: "Create", Perms: perms{authz.SupplierCreate}, Audit: []string{supplier.Created},
			Call: func(ctx context.Context) (err error) {
				created, err = s.Create(ctx, domain.SupplierInput{Name: "Ny Leverantör AB"})
				return
			},
			Check: func(t *testing.T) {
				if created.ID == 0 || created.Name != "Ny Leverantör AB" {
					t.Errorf("created %+v", created)
				}
			}},
		svctest.Case{Name: "Update", Perms: edit(authz.SupplierEdit), Audit: []string{supplier.Changed},
			Call: func(ctx context.Context) error {
				return s.Update(ctx, edited.ID, domain.SupplierInput{Name: "Ändras AB", City: "Lund"}, edited.Version)
			},
			Check: func(t *testing.T) {
				if got, err := s.ForEdit(sys, edited.ID); err != nil || got.City != "Lund" {
					t.Errorf("after the update %q (%v), want Lund", got.City, err)
				}
			}},
		svctest.Case{Name: "Delete", Perms: edit(authz.SupplierDelete), Audit: []string{supplier.Deleted},
			Call: func(ctx context.Context) error { return s.Delete(ctx, doomed.ID) },
			Check: func(t *testing.T) {
				if _, err := s.ForEdit(sys, doomed.ID); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("after the delete: %v, want not found", err)
				}
			}},
		svctest.Case{Name: "Anonymise", Perms: edit(authz.SupplierDelete), Audit: []string{supplier.Anonymised},
			Call: func(ctx context.Context) error { return s.Anonymise(ctx, trader.ID) },
			Check: func(t *testing.T) {
				d, err := s.View(sys, trader.ID)
				if err != nil || d.Supplier.AnonymisedAt == nil || d.Supplier.Email != "" || len(d.Contacts) != 0 ||
					d.Supplier.Name != domain.AnonymisedSupplierPrefix+strconv.FormatInt(trader.Number, 10) {
					t.Errorf("after anonymising: %+v (%v)", d, err)
				}
				if err := s.Update(sys, trader.ID, domain.SupplierInput{Name: "Sven igen", Country: "SE"}, d.Supplier.Version); !errors.Is(err, domain.ErrConflict) {
					t.Errorf("editing the anonymised supplier: %v, want a conflict", err)
				}
			}},
		svctest.Case{Name: "AddContact", Perms: edit(authz.SupplierEdit), Audit: []string{supplier.ContactAdded},
			Call: func(ctx context.Context) error {
				return s.AddContact(ctx, sup.ID, domain.ContactInput{Name: "Sam Kontakt"})
			}},
		svctest.Case{Name: "RemoveContact", Perms: edit(authz.SupplierEdit), Audit: []string{supplier.ContactRemoved},
			Call: func(ctx context.Context) error { return s.RemoveContact(ctx, sup.ID, contact) }},
	)
}
