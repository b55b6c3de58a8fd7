package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/affar/affar/internal/domain"
)

// Row locks an erasure may take on the customers it plans for.
const (
	NoLock         = ""
	LockForUpdate  = " FOR UPDATE OF c"
	LockSkipLocked = " FOR UPDATE OF c SKIP LOCKED"
)

// ErasureFacts loads what is stored about each customer in ids, in one round trip: the customer (locked
// as lock says), its rows in the inventory's EraseRows tables, counted, and its quotes. Customers that do
// not exist (or are locked, with LockSkipLocked) are missing from the result.
func ErasureFacts(ctx context.Context, q Querier, inv []domain.PIITable, ids []domain.CustomerID, lock string) (map[domain.CustomerID]*domain.ErasureFacts, error) {
	if !slices.Contains([]string{NoLock, LockForUpdate, LockSkipLocked}, lock) {
		return nil, fmt.Errorf("erasure facts: unknown lock %q", lock)
	}
	quotes, err := inventoryTable(inv, "quotes")
	if err != nil {
		return nil, err
	}
	_, filled := clearSet(quotes, "c.number", "x.")
	b := &pgx.Batch{}
	b.Queue(`SELECT `+customerColumns+` FROM customers c WHERE c.id = ANY($1) ORDER BY c.id`+lock, ids)
	var counted []string
	for _, t := range inv {
		if t.Erase == domain.EraseRows {
			counted = append(counted, t.Name)
			b.Queue(`SELECT `+pgx.Identifier{t.Link}.Sanitize()+`, count(*) FROM `+pgx.Identifier{t.Name}.Sanitize()+
				` WHERE `+pgx.Identifier{t.Link}.Sanitize()+` = ANY($1) GROUP BY 1`, ids)
		}
	}
	b.Queue(`SELECT x.id, x.number, x.customer_id, x.status, x.decided_at, x.held_until, (`+strings.Join(filled, " OR ")+`)
		FROM quotes x JOIN customers c ON c.id = x.customer_id WHERE x.customer_id = ANY($1) AND c.id = ANY($1)
		ORDER BY x.id`, ids)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	out, err := erasureCustomers(br)
	for _, table := range counted {
		if err == nil {
			err = erasureCounts(br, table, out)
		}
	}
	if err == nil {
		err = erasureQuotes(br, out)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// erasureCustomers reads ErasureFacts' customers.
func erasureCustomers(br pgx.BatchResults) (map[domain.CustomerID]*domain.ErasureFacts, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, mapErr(err, "erasure facts")
	}
	customers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r) })
	if err != nil {
		return nil, mapErr(err, "erasure facts")
	}
	out := make(map[domain.CustomerID]*domain.ErasureFacts, len(customers))
	for _, c := range customers {
		out[c.ID] = &domain.ErasureFacts{Customer: c, Rows: map[string]int{}}
	}
	return out, nil
}

// erasureCounts reads ErasureFacts' count of the customers' rows in table.
func erasureCounts(br pgx.BatchResults, table string, out map[domain.CustomerID]*domain.ErasureFacts) error {
	rows, err := br.Query()
	if err != nil {
		return mapErr(err, "erasure counts")
	}
	var id domain.CustomerID
	var n int
	_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error {
		if f := out[id]; f != nil {
			f.Rows[table] = n
		}
		return nil
	})
	return mapErr(err, "erasure counts")
}

// erasureQuotes reads ErasureFacts' quotes.
func erasureQuotes(br pgx.BatchResults, out map[domain.CustomerID]*domain.ErasureFacts) error {
	rows, err := br.Query()
	if err != nil {
		return mapErr(err, "erasure quotes")
	}
	var (
		qf   domain.QuoteFact
		cust domain.CustomerID
	)
	_, err = pgx.ForEachRow(rows, []any{&qf.ID, &qf.Number, &cust, &qf.Status, &qf.DecidedAt, &qf.HeldUntil, &qf.Snapshot}, func() error {
		if f := out[cust]; f != nil {
			f.Quotes = append(f.Quotes, qf)
		}
		qf = domain.QuoteFact{}
		return nil
	})
	return mapErr(err, "erasure quotes")
}

// clearSet is the SET list that clears t's personal columns, and the test that any of them holds a value
// (for tables whose rows stay); number is the SQL of the customer number, alias the table's alias.
func clearSet(t domain.PIITable, number, alias string) (set, filled []string) {
	return clearSetAs(t, "'"+domain.AnonymisedPrefix+"' || "+number, alias) // domain.AnonymisedName, in SQL
}

// clearSetAs is clearSet with placeholder the SQL of the value ClearPlaceholder columns get.
func clearSetAs(t domain.PIITable, placeholder, alias string) (set, filled []string) {
	for _, c := range t.Personal {
		if v, ok := clearExpr(c, placeholder); ok {
			col := pgx.Identifier{c.Name}.Sanitize()
			set = append(set, col+" = "+v)
			// holds a value: neither empty nor cleared already
			filled = append(filled, "("+alias+col+" IS DISTINCT FROM "+v+" AND "+alias+col+"::text <> '')")
		}
	}
	return set, filled
}

// clearExpr is the SQL value an anonymised column gets; placeholder is the SQL of the placeholder.
func clearExpr(c domain.PIIColumn, placeholder string) (string, bool) {
	switch c.Clear {
	case domain.ClearEmpty:
		return "''", true
	case domain.ClearPlaceholder:
		return placeholder, true
	case domain.ClearFalse:
		return "false", true
	}
	return "", false
}

func inventoryTable(inv []domain.PIITable, name string) (domain.PIITable, error) {
	for _, t := range inv {
		if t.Name == name {
			return t, nil
		}
	}
	return domain.PIITable{}, fmt.Errorf("inventory has no table %s", name)
}

// AnonymiseSupplier clears the personal columns of supplier id as inv (supplier.Inventory) declares,
// the name becoming "Anonymiserad leverantör <number>", and removes the rows of its EraseRows tables (the
// contact persons). It reports whether it anonymised anything: false when the supplier was already.
func AnonymiseSupplier(ctx context.Context, tx pgx.Tx, inv []domain.PIITable, id domain.SupplierID, now time.Time) (bool, error) {
	sup, err := inventoryTable(inv, "suppliers")
	if err != nil {
		return false, err
	}
	set, _ := clearSetAs(sup, "'"+domain.AnonymisedSupplierPrefix+"' || number", "")
	tag, err := tx.Exec(ctx, `UPDATE suppliers SET `+strings.Join(set, ", ")+`, anonymised_at = $2, updated_at = $2,
		version = version + 1 WHERE id = $1 AND anonymised_at IS NULL`, id, now)
	if err != nil || tag.RowsAffected() == 0 {
		return false, mapErr(err, "anonymise supplier")
	}
	for _, t := range inv {
		if t.Erase == domain.EraseRows {
			if _, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{t.Name}.Sanitize()+` WHERE `+
				pgx.Identifier{t.Link}.Sanitize()+` = $1`, id); err != nil {
				return false, mapErr(err, "anonymise supplier: "+t.Name)
			}
		}
	}
	return true, nil
}

// CustomerClearSet is the SET list of an UPDATE of customers that clears their personal columns as the
// inventory inv declares (the bulk benchmark's ceiling runs it too).
func CustomerClearSet(inv []domain.PIITable) (string, error) {
	cust, err := inventoryTable(inv, "customers")
	if err != nil {
		return "", err
	}
	set, _ := clearSet(cust, "number", "")
	return strings.Join(set, ", "), nil
}

// AnonymiseCustomers clears the personal data of the customers in ids that are not anonymised yet, as the
// inventory inv declares: the customer's fields cleared or replaced by the placeholder, its rows in
// EraseRows tables removed, quote snapshots cleared unless held (holds get their held_until). It returns
// the customers it anonymised; the others were anonymised already (the guard makes a rerun a no-op).
func AnonymiseCustomers(ctx context.Context, tx pgx.Tx, inv []domain.PIITable, ids []domain.CustomerID, holds []domain.Hold, now time.Time) ([]domain.CustomerID, error) {
	set, err := CustomerClearSet(inv)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `UPDATE customers SET `+set+`, anonymised_at = $2, updated_at = $2,
		version = version + 1 WHERE id = ANY($1) AND anonymised_at IS NULL RETURNING id`, ids, now)
	if err != nil {
		return nil, mapErr(err, "anonymise customers")
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[domain.CustomerID])
	if err != nil || len(done) == 0 {
		return nil, mapErr(err, "anonymise customers")
	}
	b := &pgx.Batch{}
	for _, t := range inv {
		switch t.Erase {
		case domain.EraseRows:
			b.Queue(`DELETE FROM `+pgx.Identifier{t.Name}.Sanitize()+` WHERE `+pgx.Identifier{t.Link}.Sanitize()+` = ANY($1)`, done)
		case domain.EraseSnapshot:
			if len(holds) > 0 && t.Parent == "" { // the holds are on the quotes themselves
				qids, until := make([]int64, len(holds)), make([]time.Time, len(holds))
				for i, h := range holds {
					qids[i], until[i] = int64(h.QuoteID), h.Until
				}
				b.Queue(`UPDATE quotes SET held_until = (h.until AT TIME ZONE 'Europe/Stockholm')::date
					FROM unnest($1::bigint[], $2::timestamptz[]) AS h (id, until)
					WHERE quotes.id = h.id AND quotes.customer_id = ANY($3)`, qids, until, done)
			}
			sql, err := clearSnapshotSQL(inv, t, "p.customer_id = ANY($1) AND p.held_until IS NULL", "c.id = ANY($1)")
			if err != nil {
				return nil, err
			}
			b.Queue(sql, done)
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapErr(err, "anonymise customer data")
	}
	return done, nil
}

// clearSnapshotSQL is the UPDATE that clears the personal columns of snapshot table t (quotes, or a table
// under them such as quote_lines) for the quotes p that cond selects ($1 its argument). customersCond
// narrows the customers c joined for the placeholder (the planner would otherwise read them all).
func clearSnapshotSQL(inv []domain.PIITable, t domain.PIITable, cond, customersCond string) (string, error) {
	quotes := t.Parent == "" // the quotes themselves, or a table under them
	if !quotes {
		if _, err := inventoryTable(inv, t.Parent); err != nil || t.Parent != "quotes" {
			return "", fmt.Errorf("inventory: snapshot table %s must sit under quotes", t.Name)
		}
	}
	alias := "x."
	if quotes {
		alias = "p."
	}
	set, filled := clearSet(t, "c.number", alias)
	if len(set) == 0 {
		return "", fmt.Errorf("inventory: %s has nothing to clear", t.Name)
	}
	var from []string
	where := []string{cond, "(" + strings.Join(filled, " OR ") + ")"}
	if !quotes {
		// The quotes' ids first (an array), so the rows are found through the key, whatever the estimates.
		link := "x." + pgx.Identifier{t.Link}.Sanitize()
		from = append(from, "quotes p")
		where = append(where, "p.id = "+link, link+" = ANY (ARRAY(SELECT p.id FROM quotes p WHERE "+cond+"))")
	}
	if strings.Contains(strings.Join(set, " "), "c.number") { // the placeholder needs the customer number
		from = append(from, "customers c")
		where = append(where, "c.id = p.customer_id", customersCond)
	}
	target := "quotes p"
	if !quotes {
		target = pgx.Identifier{t.Name}.Sanitize() + " x"
	}
	sql := "UPDATE " + target + " SET " + strings.Join(set, ", ")
	if len(from) > 0 {
		sql += " FROM " + strings.Join(from, ", ")
	}
	return sql + " WHERE " + strings.Join(where, " AND "), nil
}

// DeleteCustomers removes the customers in ids and every row of the inventory's tables that is theirs,
// children first. It returns the customers it deleted.
func DeleteCustomers(ctx context.Context, tx pgx.Tx, inv []domain.PIITable, ids []domain.CustomerID) ([]domain.CustomerID, error) {
	b := &pgx.Batch{}
	for i := len(inv) - 1; i >= 0; i-- {
		t := inv[i]
		switch {
		case t.Name == "customers":
		case t.Parent != "":
			parent, err := inventoryTable(inv, t.Parent)
			if err != nil {
				return nil, err
			}
			b.Queue(`DELETE FROM `+pgx.Identifier{t.Name}.Sanitize()+` WHERE `+pgx.Identifier{t.Link}.Sanitize()+
				` IN (SELECT id FROM `+pgx.Identifier{parent.Name}.Sanitize()+` WHERE `+pgx.Identifier{parent.Link}.Sanitize()+` = ANY($1))`, ids)
		default:
			b.Queue(`DELETE FROM `+pgx.Identifier{t.Name}.Sanitize()+` WHERE `+pgx.Identifier{t.Link}.Sanitize()+` = ANY($1)`, ids)
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapErr(err, "delete customer data")
	}
	rows, err := tx.Query(ctx, `DELETE FROM customers WHERE id = ANY($1) RETURNING id`, ids)
	if err != nil {
		return nil, mapErr(err, "delete customers")
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[domain.CustomerID])
	return done, mapErr(err, "delete customers")
}

// AddSuppressions stores keyed hashes of erased customers' identifiers with the erasure time.
func AddSuppressions(ctx context.Context, q Querier, hashes [][]byte, at time.Time) error {
	if len(hashes) == 0 {
		return nil
	}
	_, err := q.Exec(ctx, `INSERT INTO erasure_suppressions (hash, erased_at)
		SELECT DISTINCT h, $2::timestamptz FROM unnest($1::bytea[]) AS h`, hashes, at)
	return mapErr(err, "add suppressions")
}

// SuppressionMatch returns when a customer with any of hashes was last erased (nil if never) and the
// fields whose hashes matched.
func SuppressionMatch(ctx context.Context, q Querier, hashes []domain.SuppressionHash) (*time.Time, []string, error) {
	var (
		at     *time.Time
		fields []string
	)
	if len(hashes) == 0 {
		return nil, nil, nil
	}
	names, values := make([]string, len(hashes)), make([][]byte, len(hashes))
	for i, h := range hashes {
		names[i], values[i] = h.Field, h.Hash
	}
	err := q.QueryRow(ctx, `SELECT max(s.erased_at), coalesce(array_agg(DISTINCT h.field ORDER BY h.field) FILTER (WHERE s.hash IS NOT NULL), '{}')
		FROM unnest($1::text[], $2::bytea[]) AS h (field, hash) LEFT JOIN erasure_suppressions s ON s.hash = h.hash`,
		names, values).Scan(&at, &fields)
	return at, fields, mapErr(err, "suppressed")
}

type holdJSON struct {
	QuoteID int64  `json:"quote_id"`
	Quote   int64  `json:"quote"`
	Until   string `json:"until"`
}

// InsertErasure adds an entry to the erasure register and returns its id, unless one with its ref
// exists (a replay): then the id is 0.
func InsertErasure(ctx context.Context, q Querier, e domain.Erasure) (int64, error) {
	counts, err := json.Marshal(e.Counts)
	if err != nil {
		return 0, err
	}
	hs := []holdJSON{}
	for _, h := range e.Holds {
		if h.QuoteID != 0 {
			hs = append(hs, holdJSON{QuoteID: int64(h.QuoteID), Quote: h.QuoteNumber, Until: h.Until.Format(domain.DateLayout)})
		}
	}
	holds, err := json.Marshal(hs)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO erasures (ref, at, actor_id, actor_name, kind, customer_id, customer_number, counts,
		holds, reason, job_id, request_id) VALUES ($1, $2, $3, $4, $5, nullif($6, 0), nullif($7, 0), $8, $9, $10, nullif($11, 0),
		nullif($12, 0)) ON CONFLICT (ref) DO NOTHING RETURNING id`,
		e.Ref, e.At, e.ActorID, e.ActorName, e.Kind, e.CustomerID, e.CustomerNumber, counts, holds, e.Reason, e.JobID,
		e.RequestID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, mapErr(err, "insert erasure")
}

// TxIdentity names the current transaction: its id and the cluster and database it runs in, so its fate
// can be asked later (TxStatus), also after a crash.
func TxIdentity(ctx context.Context, tx pgx.Tx) (txid int64, system, database string, err error) {
	err = tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text::bigint, (SELECT system_identifier FROM pg_control_system())::text,
		current_database()`).Scan(&txid, &system, &database)
	return txid, system, database, mapErr(err, "transaction identity")
}

// TxStatus tells whether transaction txid of the given cluster and database committed ("committed"),
// rolled back ("aborted") or is still running ("in progress"). It answers "" when it cannot know: another
// cluster or database (a restore elsewhere), or a transaction too old for the commit log.
func TxStatus(ctx context.Context, q Querier, txid int64, system, database string) (string, error) {
	var same bool
	err := q.QueryRow(ctx, `SELECT (SELECT system_identifier FROM pg_control_system())::text = $1 AND current_database() = $2`,
		system, database).Scan(&same)
	if err != nil || !same {
		return "", mapErr(err, "transaction status")
	}
	var status *string
	err = q.QueryRow(ctx, `SELECT pg_xact_status($1::bigint::text::xid8)`, txid).Scan(&status)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "22023": // "in the future": not this cluster's history
		return "", nil
	case err != nil:
		return "", mapErr(err, "transaction status")
	case status == nil: // too old for the commit log
		return "", nil
	}
	return *status, nil
}

// AdvanceCustomerSequences moves the customer id and number sequences past id and number, so customers
// created after a replay never take the id or number of one erased before the restore.
func AdvanceCustomerSequences(ctx context.Context, q Querier, id domain.CustomerID, number int64) error {
	_, err := q.Exec(ctx, `SELECT setval(pg_get_serial_sequence('customers', 'id'),
			greatest($1, coalesce(pg_sequence_last_value(pg_get_serial_sequence('customers', 'id')), 1))),
		setval('customer_number_seq', greatest($2, coalesce(pg_sequence_last_value('customer_number_seq'), 1)))`, id, number)
	return mapErr(err, "advance customer sequences")
}

// A bulk job's entry counts what its batches did.
const erasureColumns = `e.id, e.ref, e.at, e.actor_id, e.actor_name, e.kind, coalesce(e.customer_id, 0),
	coalesce(e.customer_number, 0), coalesce(e.job_id, 0),
	CASE WHEN e.job_id IS NULL THEN e.counts ELSE bulk_job_sum(e.job_id, 'counts') END, e.holds,
	CASE WHEN e.job_id IS NULL THEN '{}' ELSE bulk_job_sum(e.job_id, 'held') END, e.reason, coalesce(e.request_id, 0),
	coalesce((SELECT r.year FROM subject_requests r WHERE r.id = e.request_id), 0),
	coalesce((SELECT r.seq FROM subject_requests r WHERE r.id = e.request_id), 0)`

func scanErasure(row pgx.Row) (domain.Erasure, error) {
	var (
		e                     domain.Erasure
		counts, holds, byDate []byte
		year, seq             int
	)
	if err := row.Scan(&e.ID, &e.Ref, &e.At, &e.ActorID, &e.ActorName, &e.Kind, &e.CustomerID, &e.CustomerNumber,
		&e.JobID, &counts, &holds, &byDate, &e.Reason, &e.RequestID, &year, &seq); err != nil {
		return e, err
	}
	if e.RequestID != 0 {
		e.RequestNumber = domain.RequestNumber(year, seq)
	}
	var dates map[string]int
	if err := json.Unmarshal(byDate, &dates); err != nil {
		return e, err
	}
	for d, n := range dates {
		until, err := time.Parse(domain.DateLayout, d)
		if err != nil {
			return e, err
		}
		e.Holds = append(e.Holds, domain.Hold{Until: until, Quotes: n})
	}
	slices.SortFunc(e.Holds, func(a, b domain.Hold) int { return a.Until.Compare(b.Until) })
	if err := json.Unmarshal(counts, &e.Counts); err != nil {
		return e, err
	}
	var hs []holdJSON
	if err := json.Unmarshal(holds, &hs); err != nil {
		return e, err
	}
	for _, h := range hs {
		until, err := time.Parse(domain.DateLayout, h.Until)
		if err != nil {
			return e, err
		}
		e.Holds = append(e.Holds, domain.Hold{QuoteID: domain.QuoteID(h.QuoteID), QuoteNumber: h.Quote, Until: until})
	}
	return e, nil
}

// erasureSorts are the erasure register's orders: by time, by who erased, by kind and by customer number
// (a bulk job's entries, which have none, first). Each has an index ending in id (migrations 7 and 19).
var erasureSorts = map[string]string{
	"at":       `e.at`,
	"actor":    `e.actor_name COLLATE "sv-x-icu"`,
	"kind":     `e.kind`,
	"customer": `coalesce(e.customer_number, 0)`,
}

// ErasurePage returns the page r asks for of the register, newest first unless r sorts otherwise.
func ErasurePage(ctx context.Context, q Querier, r domain.ListRequest) (domain.ListPage[domain.Erasure], error) {
	l := keysetList{table: "erasures", alias: "e", columns: erasureColumns, sorts: erasureSorts, def: "at", what: "erasure"}
	return keysetPage(ctx, q, l, r, func(row pgx.CollectableRow) (domain.Erasure, error) { return scanErasure(row) })
}

// WalkErasures calls fn for every register entry, oldest first, streaming (the CSV download).
func WalkErasures(ctx context.Context, q Querier, fn func(domain.Erasure) error) error {
	rows, err := q.Query(ctx, `SELECT `+erasureColumns+` FROM erasures e ORDER BY e.id`)
	if err != nil {
		return mapErr(err, "walk erasures")
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanErasure(rows)
		if err != nil {
			return mapErr(err, "walk erasures")
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "walk erasures")
}

// ReleasedHold is a quote snapshot cleared by ReleaseHolds.
type ReleasedHold struct {
	QuoteID    domain.QuoteID
	CustomerID domain.CustomerID
}

// ReleaseHolds ends up to limit retention holds that ended before or on today and clears the held
// snapshots (the quotes' billing details and their lines' descriptions), as the inventory declares.
func ReleaseHolds(ctx context.Context, tx pgx.Tx, inv []domain.PIITable, today time.Time, limit int) ([]ReleasedHold, error) {
	rows, err := tx.Query(ctx, `UPDATE quotes SET held_until = NULL WHERE id IN (
			SELECT id FROM quotes WHERE held_until <= $1::date ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING id, customer_id`, today.Format(domain.DateLayout), limit)
	if err != nil {
		return nil, mapErr(err, "release holds")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReleasedHold, error) {
		var h ReleasedHold
		return h, r.Scan(&h.QuoteID, &h.CustomerID)
	})
	if err != nil || len(out) == 0 {
		return nil, mapErr(err, "release holds")
	}
	ids := make([]int64, len(out))
	for i, h := range out {
		ids[i] = int64(h.QuoteID)
	}
	b := &pgx.Batch{}
	for _, t := range inv {
		if t.Erase == domain.EraseSnapshot {
			sql, err := clearSnapshotSQL(inv, t, "p.id = ANY($1)", "true")
			if err != nil {
				return nil, err
			}
			b.Queue(sql, ids)
		}
	}
	return out, mapErr(tx.SendBatch(ctx, b).Close(), "release holds")
}

// SubjectRows returns every row of inventory table t belonging to customer id, with the named columns,
// as column → value maps (the subject-access export), and each column's type as the database declares it.
// Tables reached through a parent are read through it.
func SubjectRows(ctx context.Context, q Querier, inv []domain.PIITable, t domain.PIITable, columns []string, id domain.CustomerID) ([]map[string]any, []domain.ColumnType, error) {
	cols := make([]string, len(columns))
	for i, c := range columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	where := pgx.Identifier{t.Link}.Sanitize() + ` = $1`
	if t.Parent != "" {
		parent, err := inventoryTable(inv, t.Parent)
		if err != nil {
			return nil, nil, err
		}
		where = pgx.Identifier{t.Link}.Sanitize() + ` IN (SELECT id FROM ` + pgx.Identifier{parent.Name}.Sanitize() +
			` WHERE ` + pgx.Identifier{parent.Link}.Sanitize() + ` = $1)`
	}
	rows, err := q.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+pgx.Identifier{t.Name}.Sanitize()+
		` WHERE `+where+` ORDER BY 1, 2`, id)
	if err != nil {
		return nil, nil, mapErr(err, "subject rows "+t.Name)
	}
	types := make([]domain.ColumnType, len(columns))
	for i, f := range rows.FieldDescriptions() {
		types[i] = columnType(f.DataTypeOID)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToMap)
	return out, types, mapErr(err, "subject rows "+t.Name)
}

// columnType names a column's PostgreSQL type the way an export describes it; anything else is text.
func columnType(oid uint32) domain.ColumnType {
	switch oid {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return domain.ColumnInteger
	case pgtype.BoolOID:
		return domain.ColumnBoolean
	case pgtype.DateOID:
		return domain.ColumnDate
	case pgtype.TimestamptzOID, pgtype.TimestampOID:
		return domain.ColumnTimestamp
	}
	return domain.ColumnText
}

// UserNames are the current names of the users in ids (a subject-access copy names the staff who recorded
// something, rather than showing their ids).
func UserNames(ctx context.Context, q Querier, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM users WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, mapErr(err, "user names")
	}
	var id int64
	var name string
	_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error { out[id] = name; return nil })
	return out, mapErr(err, "user names")
}

// PrivacyTexts are the company's own texts for a subject-access copy, by topic.
func PrivacyTexts(ctx context.Context, q Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT topic, body FROM privacy_texts`)
	if err != nil {
		return nil, mapErr(err, "privacy texts")
	}
	out := map[string]string{}
	var topic, body string
	_, err = pgx.ForEachRow(rows, []any{&topic, &body}, func() error { out[topic] = body; return nil })
	return out, mapErr(err, "privacy texts")
}

// SetPrivacyText stores the company's text of topic, or removes it (back to the default) when body is "".
func SetPrivacyText(ctx context.Context, q Querier, topic, body string, by *domain.UserID, now time.Time) error {
	var err error
	if body == "" {
		_, err = q.Exec(ctx, `DELETE FROM privacy_texts WHERE topic = $1`, topic)
	} else {
		_, err = q.Exec(ctx, `INSERT INTO privacy_texts (topic, body, updated_at, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (topic) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
			topic, body, now, by)
	}
	return mapErr(err, "set privacy text")
}

// ReasonCheck is what a reason typed for an erasure would put in the register, by the rule of the
// erasure_reason_* functions (migration 000014).
type ReasonCheck struct {
	ContactData bool  // an e-mail address or a run of six or more digits
	Customer    int64 // a customer of the selection it names, or one of whose contact persons it names; 0: none
}

// CheckReason checks reason against a selection: the customers in ids, or when ids is nil the frozen
// selection of bulk job job, in one statement over the selection (a bulk job may hold a million). With
// parts, a first or last name alone counts (see erasure_reason_names). Anonymised customers' names are
// placeholders, nobody's data.
func CheckReason(ctx context.Context, q Querier, reason string, job int64, ids []domain.CustomerID, parts bool) (ReasonCheck, error) {
	// The unnamed statement below is not described first: every argument is plain and cast in the SQL.
	from, where, sel := "customers c", "c.id = ANY($3::bigint[])", any(customerIDs(ids))
	if ids == nil {
		from, where, sel = "bulk_job_items i JOIN customers c ON c.id = i.customer_id", "i.job_id = $3::bigint", job
	}
	var chk ReasonCheck
	// An unnamed statement is planned with its arguments, so the reason's lower-casing and words are
	// folded into constants once (and the scan may go parallel) instead of being computed per row.
	err := q.QueryRow(ctx, `SELECT erasure_reason_scrubbed($1::text) <> $1::text, coalesce((SELECT number FROM (
			SELECT c.number FROM `+from+` WHERE `+where+` AND c.anonymised_at IS NULL
				AND erasure_reason_names(lower($1::text), erasure_reason_words($1::text), $2::boolean AND c.kind = 'person', c.name, c.email, c.street)
			UNION ALL
			SELECT c.number FROM `+from+` JOIN customer_contacts k ON k.customer_id = c.id WHERE `+where+`
				AND c.anonymised_at IS NULL AND erasure_reason_names(lower($1::text), erasure_reason_words($1::text), $2::boolean, k.name, k.email, '')
		) named LIMIT 1), 0)`, pgx.QueryExecModeExec, reason, parts, sel).Scan(&chk.ContactData, &chk.Customer)
	return chk, mapErr(err, "check reason")
}

// RedactedReason is reason as the register may keep it (a ledger's, at a replay): "[…]" if it names a
// customer in ids or their contact persons, else without e-mail addresses and long numbers. parts as
// for CheckReason.
func RedactedReason(ctx context.Context, q Querier, reason string, ids []domain.CustomerID, parts bool) (string, error) {
	chk, err := CheckReason(ctx, q, reason, 0, ids, parts)
	if err != nil || (!chk.ContactData && chk.Customer == 0) {
		return reason, err
	}
	err = q.QueryRow(ctx, `SELECT erasure_reason_redacted($1, $2)`, reason, chk.Customer != 0).Scan(&reason)
	return reason, mapErr(err, "redact reason")
}

func customerIDs(ids []domain.CustomerID) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

// HoldsEnding counts the quote snapshots held until before the day until, and gives the first held-until day.
func HoldsEnding(ctx context.Context, q Querier, until time.Time) (int, *time.Time, error) {
	var n int
	var next *time.Time
	err := q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE held_until < $1::date), min(held_until) FROM quotes WHERE held_until IS NOT NULL`,
		until.In(domain.Stockholm).Format(domain.DateLayout)).Scan(&n, &next)
	return n, next, mapErr(err, "holds ending")
}
