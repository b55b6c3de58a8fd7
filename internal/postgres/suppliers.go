package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

func scanSupplier(row pgx.Row) (domain.Supplier, error) {
	var s domain.Supplier
	err := row.Scan(supplierScan.Targets(&s)...)
	return s, err
}

// CreateSupplier inserts s and returns it with id and number assigned.
func CreateSupplier(ctx context.Context, q Querier, s domain.Supplier, now time.Time) (domain.Supplier, error) {
	n := len(supplierTyped)
	sql := fmt.Sprintf(`INSERT INTO suppliers AS s (%s, created_at, updated_at) VALUES (%s, $%d, $%d) RETURNING %s`,
		columnList("", supplierTyped), placeholders(1, n), n+1, n+1, supplierColumns)
	out, err := scanSupplier(q.QueryRow(ctx, sql, append(supplierWrite.Values(&s), now)...))
	return out, mapErr(err, "create supplier")
}

// Supplier loads one supplier.
func Supplier(ctx context.Context, q Querier, id domain.SupplierID) (domain.Supplier, error) {
	s, err := scanSupplier(q.QueryRow(ctx, `SELECT `+supplierColumns+` FROM suppliers s WHERE s.id = $1`, id))
	return s, mapErr(err, "supplier")
}

// SupplierForUpdate loads and locks one supplier inside tx.
func SupplierForUpdate(ctx context.Context, tx pgx.Tx, id domain.SupplierID) (domain.Supplier, error) {
	s, err := scanSupplier(tx.QueryRow(ctx, `SELECT `+supplierColumns+` FROM suppliers s WHERE s.id = $1 FOR UPDATE`, id))
	return s, mapErr(err, "supplier for update")
}

// UpdateSupplier stores the editable fields of s and raises its version.
func UpdateSupplier(ctx context.Context, q Querier, s domain.Supplier, now time.Time) error {
	n := len(supplierTyped)
	sql := fmt.Sprintf(`UPDATE suppliers SET %s, updated_at = $%d, version = version + 1 WHERE id = $1`,
		assignments(2, supplierTyped), n+2)
	_, err := q.Exec(ctx, sql, append(append([]any{s.ID}, supplierWrite.Values(&s)...), now)...)
	return mapErr(err, "update supplier")
}

// DeleteSupplier removes a supplier and its contact persons. Documents that refer to a supplier do so
// with ON DELETE RESTRICT, so a supplier with documents is refused with domain.ErrConflict.
func DeleteSupplier(ctx context.Context, q Querier, id domain.SupplierID) error {
	tag, err := q.Exec(ctx, `DELETE FROM suppliers WHERE id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "delete supplier")
}

// supplierSorts are the supplier list's orders, one per column.
var supplierSorts = map[string]string{
	"number": `s.number`,
	"name":   `s.name COLLATE "sv-x-icu"`,
	"org":    `s.org_number COLLATE "sv-x-icu"`,
	"email":  `s.email COLLATE "sv-x-icu"`,
	"phone":  `s.phone COLLATE "sv-x-icu"`,
	"city":   `s.city COLLATE "sv-x-icu"`,
}

// SupplierPage returns a page of suppliers, optionally searched, by name unless r sorts otherwise.
func SupplierPage(ctx context.Context, q Querier, search string, r domain.ListRequest) (domain.ListPage[domain.Supplier], error) {
	l := keysetList{table: "suppliers", alias: "s", columns: supplierColumns, sorts: supplierSorts, def: "name", what: "supplier"}
	if v := strings.ToLower(strings.TrimSpace(search)); v != "" {
		l.where = append(l.where, "s.search_text LIKE "+l.arg("%"+likeEscape(v)+"%"))
	}
	return keysetPage(ctx, q, l, r, func(r pgx.CollectableRow) (domain.Supplier, error) { return scanSupplier(r) })
}

// SupplierContacts lists a supplier's contact persons.
func SupplierContacts(ctx context.Context, q Querier, id domain.SupplierID) ([]domain.Contact, error) {
	rows, err := q.Query(ctx, `SELECT id, name, role, email, phone FROM supplier_contacts WHERE supplier_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, mapErr(err, "supplier contacts")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Contact, error) {
		var c domain.Contact
		err := r.Scan(&c.ID, &c.Name, &c.Role, &c.Email, &c.Phone)
		return c, err
	})
	return out, mapErr(err, "supplier contacts")
}

// AddSupplierContact inserts a contact person and returns its id.
func AddSupplierContact(ctx context.Context, q Querier, id domain.SupplierID, c domain.Contact) (int64, error) {
	var contactID int64
	err := q.QueryRow(ctx, `INSERT INTO supplier_contacts (supplier_id, name, role, email, phone) VALUES ($1, $2, $3, $4, $5)
		RETURNING id`, id, c.Name, c.Role, c.Email, c.Phone).Scan(&contactID)
	return contactID, mapErr(err, "add supplier contact")
}

// DeleteSupplierContact removes a contact person of the given supplier.
func DeleteSupplierContact(ctx context.Context, q Querier, id domain.SupplierID, contactID int64) error {
	tag, err := q.Exec(ctx, `DELETE FROM supplier_contacts WHERE id = $1 AND supplier_id = $2`, contactID, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "delete supplier contact")
}
