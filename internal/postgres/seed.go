package postgres

import (
	"cmp"
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// CopyCustomers streams n customers made by row into the register with COPY and returns their ids in row
// order (one COPY in one session assigns identities in the order it reads the rows).
func CopyCustomers(ctx context.Context, tx pgx.Tx, n int, row func(i int) domain.Customer) ([]domain.CustomerID, error) {
	var before int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM customers`).Scan(&before); err != nil {
		return nil, mapErr(err, "copy customers")
	}
	i := 0
	// The typed fields and what a seed sets besides.
	cols := append(slices.Clone(customerTyped), "marketing_consent", "created_at", "updated_at", "last_activity_at")
	fields := domain.ColumnsOf[domain.Customer]("db", cols)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"customers"}, cols,
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			c := row(i)
			i++
			return fields.Values(&c), nil
		}))
	if err != nil {
		return nil, mapErr(err, "copy customers")
	}
	rows, err := tx.Query(ctx, `SELECT id FROM customers WHERE id > $1 ORDER BY id`, before)
	if err != nil {
		return nil, mapErr(err, "copy customers")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.CustomerID])
	return ids, mapErr(err, "copy customers")
}

// CustomerExtras is what belongs to one seeded customer.
type CustomerExtras struct {
	Contacts      []domain.Contact
	Consent       []domain.ConsentChange
	CreditReports []domain.CreditReport
	Quotes        []domain.Quote
}

// CopyCustomerExtras streams the contacts, consent history and credit reports of the customers ids (in the
// order extras(i) describes them) with one COPY per table.
func CopyCustomerExtras(ctx context.Context, tx pgx.Tx, ids []domain.CustomerID, extras func(i int) CustomerExtras) error {
	type table struct {
		name string
		cols []string
		rows func(id domain.CustomerID, e CustomerExtras) [][]any
	}
	tables := []table{
		{"customer_contacts", []string{"customer_id", "name", "role", "email", "phone"}, func(id domain.CustomerID, e CustomerExtras) [][]any {
			out := make([][]any, len(e.Contacts))
			for j, c := range e.Contacts {
				out[j] = []any{id, c.Name, c.Role, c.Email, c.Phone}
			}
			return out
		}},
		{"customer_consents", []string{"customer_id", "given", "at", "source"}, func(id domain.CustomerID, e CustomerExtras) [][]any {
			out := make([][]any, len(e.Consent))
			for j, c := range e.Consent {
				out[j] = []any{id, c.Given, c.At, c.Source}
			}
			return out
		}},
		{"credit_reports", []string{"customer_id", "bureau", "taken_on", "rating", "limit_ore", "remarks", "need", "reference", "recorded_at"}, func(id domain.CustomerID, e CustomerExtras) [][]any {
			out := make([][]any, len(e.CreditReports))
			for j, r := range e.CreditReports {
				out[j] = []any{id, r.Bureau, r.TakenOn, r.Rating, r.LimitOre, r.Remarks, cmp.Or(r.Need, domain.NeedCreditApplication), r.Reference, r.RecordedAt}
			}
			return out
		}},
	}
	if err := copyQuotes(ctx, tx, ids, extras); err != nil {
		return err
	}
	for _, t := range tables {
		i := 0
		var pending [][]any
		_, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromFunc(func() ([]any, error) {
			for len(pending) == 0 {
				if i == len(ids) {
					return nil, nil
				}
				pending = t.rows(ids[i], extras(i))
				i++
			}
			row := pending[0]
			pending = pending[1:]
			return row, nil
		}))
		if err != nil {
			return mapErr(err, "copy "+t.name)
		}
	}
	return nil
}

// CountCustomers counts the register (for make run's first start).
func CountCustomers(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM customers LIMIT 1000000000) c`).Scan(&n)
	return n, mapErr(err, "count customers")
}

// VacuumRegister vacuums and analyses the tables a bulk load fills, so the planner has statistics and
// index-only scans can skip the table at once, as autovacuum would arrange in time. It returns the share
// of customer pages marked all-visible.
func VacuumRegister(ctx context.Context, q Querier) (float64, error) {
	if _, err := q.Exec(ctx, `VACUUM (ANALYZE) customers, customer_contacts, customer_consents, credit_reports,
		quotes, quote_lines, suppliers`); err != nil {
		return 0, mapErr(err, "vacuum")
	}
	var visible float64
	err := q.QueryRow(ctx, `SELECT coalesce(relallvisible::float8 / nullif(relpages, 0), 1) FROM pg_class
		WHERE oid = 'customers'::regclass`).Scan(&visible)
	return visible, mapErr(err, "vacuum")
}

// bulkTables are the tables a seed fills; their secondary indexes are rebuilt after loading an empty one.
var bulkTables = []string{"customers", "customer_contacts", "customer_consents", "credit_reports", "quotes", "quote_lines"}

// DropIndexesForLoad drops the secondary indexes (not those behind constraints) of the bulk tables when
// they are all empty, and returns their definitions for RebuildIndexes: building an index once over a
// million rows is much cheaper than keeping it up to date row by row. Nothing is dropped for a register
// that already holds data.
func DropIndexesForLoad(ctx context.Context, tx pgx.Tx) ([]string, error) {
	var rows int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM customers LIMIT 1) c`).Scan(&rows); err != nil || rows > 0 {
		return nil, mapErr(err, "drop indexes")
	}
	r, err := tx.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = 'public' AND i.tablename = ANY($1)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
		ORDER BY i.indexname`, bulkTables)
	if err != nil {
		return nil, mapErr(err, "drop indexes")
	}
	type index struct{ name, def string }
	indexes, err := pgx.CollectRows(r, func(row pgx.CollectableRow) (index, error) {
		var x index
		err := row.Scan(&x.name, &x.def)
		return x, err
	})
	if err != nil {
		return nil, mapErr(err, "drop indexes")
	}
	defs := make([]string, len(indexes))
	for i, x := range indexes {
		if _, err := tx.Exec(ctx, "DROP INDEX "+pgx.Identifier{x.name}.Sanitize()); err != nil {
			return nil, mapErr(err, "drop indexes")
		}
		defs[i] = x.def
	}
	return defs, nil
}

// RebuildIndexes creates the indexes DropIndexesForLoad dropped, with memory enough to sort in one go.
func RebuildIndexes(ctx context.Context, tx pgx.Tx, defs []string) error {
	if len(defs) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB'`); err != nil {
		return mapErr(err, "rebuild indexes")
	}
	for _, def := range defs {
		if _, err := tx.Exec(ctx, def); err != nil {
			return mapErr(err, "rebuild indexes")
		}
	}
	return nil
}

// copyQuotes streams the customers' quotes, then their lines (the quote ids come back in COPY order).
func copyQuotes(ctx context.Context, tx pgx.Tx, ids []domain.CustomerID, extras func(i int) CustomerExtras) error {
	var before int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM quotes`).Scan(&before); err != nil {
		return mapErr(err, "copy quotes")
	}
	i := 0
	var pending []domain.Quote
	var lines [][]domain.QuoteLine // per copied quote, in order
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"quotes"},
		[]string{"customer_id", "status", "quote_date", "valid_until", "net_ore", "vat_ore", "total_ore", "billing_name",
			"billing_street", "billing_postal_code", "billing_city", "billing_email", "created_at", "updated_at", "sent_at", "decided_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for len(pending) == 0 {
				if i == len(ids) {
					return nil, nil
				}
				pending = extras(i).Quotes
				for j := range pending {
					pending[j].CustomerID = ids[i]
				}
				i++
			}
			q := pending[0]
			pending = pending[1:]
			lines = append(lines, q.Lines)
			return []any{q.CustomerID, string(q.Status), q.QuoteDate, q.ValidUntil, q.Totals.NetOre, q.Totals.VATOre,
				q.Totals.TotalOre, q.Billing.Name, q.Billing.Street, q.Billing.PostalCode, q.Billing.City, q.Billing.Email,
				q.CreatedAt, q.UpdatedAt, q.SentAt, q.DecidedAt}, nil
		}))
	if err != nil {
		return mapErr(err, "copy quotes")
	}
	rows, err := tx.Query(ctx, `SELECT id FROM quotes WHERE id > $1 ORDER BY id`, before)
	if err != nil {
		return mapErr(err, "copy quotes")
	}
	quoteIDs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return mapErr(err, "copy quotes")
	}
	var lineRows [][]any
	for k, id := range quoteIDs {
		for pos, l := range lines[k] {
			lineRows = append(lineRows, []any{id, pos + 1, l.Description, l.QtyMilli, l.UnitPriceOre, l.VATRate})
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"quote_lines"},
		[]string{"quote_id", "position", "description", "qty_milli", "unit_price_ore", "vat_rate"}, pgx.CopyFromRows(lineRows))
	return mapErr(err, "copy quote lines")
}

// CopySuppliers streams n suppliers made by row.
func CopySuppliers(ctx context.Context, tx pgx.Tx, n int, row func(i int) domain.Supplier) error {
	i := 0
	cols := append(slices.Clone(supplierTyped), "created_at")
	fields := domain.ColumnsOf[domain.Supplier]("db", cols)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"suppliers"}, append(cols, "updated_at"),
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			s := row(i)
			i++
			return append(fields.Values(&s), s.CreatedAt), nil
		}))
	return mapErr(err, "copy suppliers")
}
