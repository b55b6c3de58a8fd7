// Package supplier is the service for suppliers: validation, the four supplier permissions, the
// transaction and the audit event of every change.
package supplier

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of suppliers.
const (
	Created        = "supplier.created"
	Changed        = "supplier.changed"
	Deleted        = "supplier.deleted"
	ContactAdded   = "supplier.contact_added"
	ContactRemoved = "supplier.contact_removed"
	Anonymised     = "supplier.anonymised"
)

const entity = "supplier"

// Stale is the conflict of an edit made on details someone else changed since the form was opened.
var Stale = &domain.ConflictError{Key: "supplier.stale"}

// Service is the supplier service.
type Service struct {
	DB  *postgres.DB
	Now func() time.Time
}

// Page is a page of the supplier list.
type Page = domain.ListPage[domain.Supplier]

// List returns the page r asks for of the suppliers matching search, by name unless r sorts otherwise
// (number, name, org, email, phone, city), domain.DefaultPageSize rows unless r says how many.
func (s *Service) List(ctx context.Context, search string, r domain.ListRequest) (Page, error) {
	if _, err := authz.Require(ctx, authz.SupplierView); err != nil {
		return Page{}, err
	}
	if r.Limit <= 0 {
		r.Limit = domain.DefaultPageSize
	}
	return postgres.SupplierPage(ctx, s.DB.Pool, search, r)
}

// Detail is what the supplier page shows.
type Detail struct {
	Supplier domain.Supplier
	Contacts []domain.Contact
}

// View loads the supplier page.
func (s *Service) View(ctx context.Context, id domain.SupplierID) (Detail, error) {
	if _, err := authz.Require(ctx, authz.SupplierView); err != nil {
		return Detail{}, err
	}
	sup, err := postgres.Supplier(ctx, s.DB.Pool, id)
	if err != nil {
		return Detail{}, err
	}
	contacts, err := postgres.SupplierContacts(ctx, s.DB.Pool, id)
	return Detail{Supplier: sup, Contacts: contacts}, err
}

// ForEdit loads a supplier for the edit form.
func (s *Service) ForEdit(ctx context.Context, id domain.SupplierID) (domain.Supplier, error) {
	if _, err := authz.RequireAll(ctx, authz.SupplierEdit, authz.SupplierView); err != nil {
		return domain.Supplier{}, err
	}
	return postgres.Supplier(ctx, s.DB.Pool, id)
}

// Create validates and stores a new supplier.
func (s *Service) Create(ctx context.Context, in domain.SupplierInput) (domain.Supplier, error) {
	actor, err := authz.Require(ctx, authz.SupplierCreate)
	if err != nil {
		return domain.Supplier{}, err
	}
	now := s.Now()
	sup, err := in.Validate(now)
	if err != nil {
		return domain.Supplier{}, err
	}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if sup, err = postgres.CreateSupplier(ctx, tx, sup, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Created, entity, audit.ID(sup.ID),
			map[string]any{"fields": domain.Supplier{Country: sup.Country}.ChangedFields(sup)}))
	})
	return sup, err
}

// Update stores edited details if the supplier is still at version; otherwise the error is Stale.
func (s *Service) Update(ctx context.Context, id domain.SupplierID, in domain.SupplierInput, version int) error {
	actor, err := authz.RequireAll(ctx, authz.SupplierEdit, authz.SupplierView)
	if err != nil {
		return err
	}
	now := s.Now()
	next, err := in.Validate(now)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		cur, err := postgres.SupplierForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.AnonymisedAt != nil {
			return Locked
		}
		if cur.Version != version {
			return Stale
		}
		next.ID = id
		changed := cur.ChangedFields(next)
		if len(changed) == 0 {
			return nil
		}
		if err := postgres.UpdateSupplier(ctx, tx, next, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Changed, entity, audit.ID(id), map[string]any{"fields": changed}))
	})
}

// Delete removes a supplier and its contact persons; a supplier that documents refer to is kept, with a
// conflict saying why.
func (s *Service) Delete(ctx context.Context, id domain.SupplierID) error {
	actor, err := authz.RequireAll(ctx, authz.SupplierDelete, authz.SupplierView)
	if err != nil {
		return err
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.DeleteSupplier(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Deleted, entity, audit.ID(id), nil))
	})
	if errors.Is(err, domain.ErrConflict) {
		return &domain.ConflictError{Key: "supplier.has_documents"}
	}
	return err
}

// Inventory is every table and column holding a supplier's personal data, as gdpr.Inventory is the
// customer's: a sole trader's (enskild firma: the organisation number is the personnummer) own details,
// and any supplier's contact persons. Anonymise and the supplier completeness tests read it;
// TestSupplierInventoryCoversTheSchema fails on a column of these tables neither listed nor explained.
// Nothing in Affär refers to a supplier from a bookkeeping record (no supplier invoices are kept here), so
// no hold keeps any of it; the number stays as the anonymous record's key.
var Inventory = []domain.PIITable{
	{
		Name: "suppliers", Link: "id", Erase: domain.EraseFields,
		Personal: []domain.PIIColumn{{Name: "name", Clear: domain.ClearPlaceholder}, {Name: "org_number", Clear: domain.ClearEmpty},
			{Name: "email", Clear: domain.ClearEmpty}, {Name: "phone", Clear: domain.ClearEmpty, Plain: true},
			{Name: "street", Clear: domain.ClearEmpty}, {Name: "postal_code", Clear: domain.ClearEmpty},
			{Name: "city", Clear: domain.ClearEmpty}, {Name: "bankgiro", Clear: domain.ClearEmpty},
			{Name: "plusgiro", Clear: domain.ClearEmpty}, {Name: "notes", Clear: domain.ClearEmpty}},
		NotPersonal: map[string]string{"id": internalKey, "number": "supplier number: the anonymous record's key",
			"country": "a two-letter country code", "created_at": "date: statistics", "updated_at": "date: statistics",
			"version": "edit counter", "search_text": "generated from the personal columns, cleared with them",
			"anonymised_at": "when it was anonymised"},
	},
	{
		Name: "supplier_contacts", Link: "supplier_id", Erase: domain.EraseRows,
		Personal: []domain.PIIColumn{{Name: "name", Clear: domain.ClearRow}, {Name: "role", Clear: domain.ClearRow},
			{Name: "email", Clear: domain.ClearRow}, {Name: "phone", Clear: domain.ClearRow}},
		NotPersonal: map[string]string{"id": internalKey, "supplier_id": internalKey},
	},
}

const internalKey = "internal key"

// Locked refuses changes to an anonymised supplier.
var Locked = &domain.ConflictError{Key: "supplier.locked"}

// Anonymise clears a supplier that is a person (a sole trader) as Inventory declares: its
// details cleared, the name "Anonymiserad leverantör <number>", its contact persons removed; the
// supplier stays, locked, under its number. It is audited with the cleared fields' names only. A second
// call does nothing.
func (s *Service) Anonymise(ctx context.Context, id domain.SupplierID) error {
	actor, err := authz.RequireAll(ctx, authz.SupplierDelete, authz.SupplierView)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := postgres.SupplierForUpdate(ctx, tx, id); err != nil {
			return err
		}
		done, err := postgres.AnonymiseSupplier(ctx, tx, Inventory, id, now)
		if err != nil || !done {
			return err
		}
		// The supplier's own columns, then the tables whose rows went.
		var removed []string
		for _, t := range Inventory[1:] {
			removed = append(removed, t.Name)
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Anonymised, entity, audit.ID(id),
			map[string]any{"fields": Inventory[0].Columns(), "removed": removed}))
	})
}

// AddContact adds a contact person.
func (s *Service) AddContact(ctx context.Context, id domain.SupplierID, in domain.ContactInput) error {
	actor, err := authz.RequireAll(ctx, authz.SupplierEdit, authz.SupplierView)
	if err != nil {
		return err
	}
	c, err := in.Validate()
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if cur, err := postgres.SupplierForUpdate(ctx, tx, id); err != nil {
			return err
		} else if cur.AnonymisedAt != nil {
			return Locked
		}
		contactID, err := postgres.AddSupplierContact(ctx, tx, id, c)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, ContactAdded, entity, audit.ID(id), map[string]any{"contact_id": contactID}))
	})
}

// RemoveContact removes a contact person.
func (s *Service) RemoveContact(ctx context.Context, id domain.SupplierID, contactID int64) error {
	actor, err := authz.RequireAll(ctx, authz.SupplierEdit, authz.SupplierView)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.DeleteSupplierContact(ctx, tx, id, contactID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, ContactRemoved, entity, audit.ID(id), map[string]any{"contact_id": contactID}))
	})
}
