package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// ExportSelection is what an export reads: a CRM segment, optionally narrowed to chosen customers.
// Anonymised customers are never exported (they hold nothing but a placeholder), nor restricted ones (art.
// 18: stored, not processed), whatever the segment says; consentOnly keeps those
// with marketing consent; addressable keeps those with an e-mail address (e-mail export) or a postal
// address (labels); marketing leaves out those who objected to direct marketing (art. 21: absolute, so
// also when the user asks for customers without consent).
type ExportSelection struct {
	Segment     domain.Segment
	IDs         []domain.CustomerID
	ConsentOnly bool
	Marketing   bool
	NeedEmail   bool
	NeedAddress bool
}

func (s ExportSelection) where(args *[]any) string {
	seg := s.Segment
	seg.ShowRestricted = false
	w := segmentWhere(seg, args)
	w = append(w, "c.anonymised_at IS NULL")
	if len(s.IDs) > 0 {
		*args = append(*args, s.IDs)
		w = append(w, "c.id = ANY($"+strconv.Itoa(len(*args))+")")
	}
	if s.ConsentOnly {
		w = append(w, "c.marketing_consent")
	}
	if s.Marketing {
		w = append(w, "NOT "+objectionInForce)
	}
	if s.NeedEmail {
		w = append(w, "c.email <> ''")
	}
	if s.NeedAddress {
		w = append(w, "c.street <> '' AND c.postal_code <> '' AND c.city <> ''")
	}
	return strings.Join(w, " AND ")
}

// BeginExport opens the read-only snapshot an export counts and reads in, so the count it records is the
// number of rows it sends.
func BeginExport(ctx context.Context, db *DB) (pgx.Tx, error) {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	return tx, mapErr(err, "begin export")
}

// CountExport counts the customers sel selects.
func CountExport(ctx context.Context, q Querier, sel ExportSelection) (int, error) {
	var args []any
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM customers c WHERE `+sel.where(&args), args...).Scan(&n)
	return n, mapErr(err, "count export")
}

// EachExportCustomer streams the customers sel selects in customer-number order (postal code order for
// labels, which is how Posten sorts bulk mail), with the first contact person of companies. Rows are
// read from the connection as they are needed, so memory does not grow with the number of customers.
func EachExportCustomer(ctx context.Context, q Querier, sel ExportSelection, fn func(c domain.Customer, contact string) error) error {
	var args []any
	order := "c.number"
	if sel.NeedAddress {
		order = "c.postal_code, c.name COLLATE \"sv-x-icu\", c.number"
	}
	contact := "''"
	if sel.NeedAddress {
		contact = `coalesce((SELECT k.name FROM customer_contacts k WHERE k.customer_id = c.id AND c.kind = 'company'
			ORDER BY k.id LIMIT 1), '')`
	}
	rows, err := q.Query(ctx, `SELECT `+customerColumns+`, `+contact+` FROM customers c WHERE `+sel.where(&args)+
		` ORDER BY `+order, args...)
	if err != nil {
		return mapErr(err, "export customers")
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		c, err := scanCustomer(rows, &k)
		if err != nil {
			return mapErr(err, "export customers")
		}
		if err := fn(c, k); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "export customers")
}

// LockExports serialises one user's exports, so the rate limit counts each of them.
func LockExports(ctx context.Context, tx pgx.Tx, id domain.UserID) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('affar.exports', $1))`, int64(id))
	return mapErr(err, "lock exports")
}

// RecentExports returns when the user's exports since since happened, oldest first.
func RecentExports(ctx context.Context, q Querier, id domain.UserID, since time.Time) ([]time.Time, error) {
	rows, err := q.Query(ctx, `SELECT at FROM audit_events WHERE actor_user_id = $1 AND action LIKE 'export.%' AND at > $2
		ORDER BY at`, id, since)
	if err != nil {
		return nil, mapErr(err, "recent exports")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	return out, mapErr(err, "recent exports")
}
