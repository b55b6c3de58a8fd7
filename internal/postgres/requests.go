package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// requestColumns are a subject request's columns as scanRequest reads them, with the names of the users
// it refers to.
const requestColumns = `r.id, r.year, r.seq, r.kinds, r.received_on, r.channel, r.requester_name, r.requester_address,
	r.requester_email, r.requester_cleared_at, r.no_data, r.extended_months, r.extension_reason, r.extension_notice,
	r.extension_notice_on, r.identity_method, r.identity_checked_on, r.identity_checked_by, coalesce(ib.name, ''),
	r.status, r.refusal_reason, r.closed_on, r.notes, r.handler_id, coalesce(h.name, ''), r.registered_by,
	coalesce(rb.name, ''), r.created_at, r.updated_at, r.version`

const requestFrom = ` FROM subject_requests r LEFT JOIN users h ON h.id = r.handler_id
	LEFT JOIN users rb ON rb.id = r.registered_by LEFT JOIN users ib ON ib.id = r.identity_checked_by`

func scanRequest(row pgx.Row) (domain.SubjectRequest, error) {
	var r domain.SubjectRequest
	var kinds []string
	err := row.Scan(&r.ID, &r.Year, &r.Seq, &kinds, &r.Received, &r.Channel, &r.Requester.Name, &r.Requester.Address,
		&r.Requester.Email, &r.RequesterCleared, &r.NoData, &r.ExtendedMonths, &r.ExtensionReason, &r.ExtensionNotice,
		&r.ExtensionNoticeOn, &r.IdentityMethod, &r.IdentityCheckedOn, &r.IdentityBy, &r.IdentityByName,
		&r.Status, &r.RefusalReason, &r.Closed, &r.Notes, &r.Handler, &r.HandlerName, &r.RegisteredBy,
		&r.RegisteredByName, &r.CreatedAt, &r.UpdatedAt, &r.Version)
	for _, k := range kinds {
		r.Kinds = append(r.Kinds, domain.RequestKind(k))
	}
	return r, err
}

func collectRequests(rows pgx.Rows, err error) ([]domain.SubjectRequest, error) {
	if err != nil {
		return nil, mapErr(err, "subject requests")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.SubjectRequest, error) { return scanRequest(row) })
	return out, mapErr(err, "subject requests")
}

func kindStrings(ks []domain.RequestKind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// NextRequestSeq is the next number of year's requests; it holds a transaction lock so that two
// registrations do not take the same one.
func NextRequestSeq(ctx context.Context, tx pgx.Tx, year int) (int, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('affar.subject_requests', $1))`, year); err != nil {
		return 0, mapErr(err, "lock request numbers")
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM subject_requests WHERE year = $1`, year).Scan(&n)
	return n, mapErr(err, "next request number")
}

// InsertSubjectRequest stores a new request and returns its id.
func InsertSubjectRequest(ctx context.Context, tx pgx.Tx, r domain.SubjectRequest) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO subject_requests (year, seq, kinds, received_on, due_on, channel,
			requester_name, requester_address, requester_email, notes, handler_id, registered_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $12) RETURNING id`,
		r.Year, r.Seq, kindStrings(r.Kinds), r.Received, r.Due(), string(r.Channel), r.Requester.Name,
		r.Requester.Address, r.Requester.Email, r.Notes, r.RegisteredBy, r.CreatedAt).Scan(&id)
	return id, mapErr(err, "insert subject request")
}

// SubjectRequest loads request id with its customers and actions; forUpdate locks its row in tx.
func SubjectRequest(ctx context.Context, q Querier, id int64, forUpdate bool) (domain.SubjectRequest, error) {
	lock := ""
	if forUpdate {
		lock = ` FOR UPDATE OF r`
	}
	r, err := scanRequest(q.QueryRow(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id = $1`+lock, id))
	if err != nil {
		return r, mapErr(err, "subject request")
	}
	rows, err := q.Query(ctx, `SELECT customer_id, customer_number FROM subject_request_customers
		WHERE request_id = $1 ORDER BY customer_number`, id)
	if err != nil {
		return r, mapErr(err, "request customers")
	}
	if r.Customers, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.RequestCustomer]); err != nil {
		return r, mapErr(err, "request customers")
	}
	rows, err = q.Query(ctx, `SELECT a.id, a.at, a.by_user, coalesce(u.name, ''), a.kind, a.ref, a.note
		FROM subject_request_actions a LEFT JOIN users u ON u.id = a.by_user WHERE a.request_id = $1 ORDER BY a.id`, id)
	if err != nil {
		return r, mapErr(err, "request actions")
	}
	r.Actions, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.RequestAction])
	return r, mapErr(err, "request actions")
}

// SubjectRequestByNumber is the id of the request numbered year-seq.
func SubjectRequestByNumber(ctx context.Context, q Querier, year, seq int) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM subject_requests WHERE year = $1 AND seq = $2`, year, seq).Scan(&id)
	return id, mapErr(err, "subject request by number")
}

// UpdateSubjectRequest writes a request's changeable columns (and its due date, from r) and counts its
// version up.
func UpdateSubjectRequest(ctx context.Context, tx pgx.Tx, r domain.SubjectRequest) error {
	_, err := tx.Exec(ctx, `UPDATE subject_requests SET kinds = $2, due_on = $3, no_data = $4, extended_months = $5,
			extension_reason = $6, extension_notice = $7, extension_notice_on = $8, identity_method = $9,
			identity_checked_on = $10, identity_checked_by = $11, status = $12, refusal_reason = $13, closed_on = $14,
			notes = $15, handler_id = $16, updated_at = $17, version = version + 1
		WHERE id = $1`, r.ID, kindStrings(r.Kinds), r.Due(), r.NoData, r.ExtendedMonths, r.ExtensionReason,
		r.ExtensionNotice, r.ExtensionNoticeOn, r.IdentityMethod, r.IdentityCheckedOn, r.IdentityBy, string(r.Status),
		r.RefusalReason, r.Closed, r.Notes, r.Handler, r.UpdatedAt)
	return mapErr(err, "update subject request")
}

// AddRequestCustomer links a customer to a request; it reports false when it was linked already.
func AddRequestCustomer(ctx context.Context, tx pgx.Tx, id int64, c domain.RequestCustomer) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO subject_request_customers (request_id, customer_id, customer_number)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, id, c.ID, c.Number)
	return tag.RowsAffected() == 1, mapErr(err, "link request customer")
}

// CustomerIDByNumber is the id of the customer numbered n.
func CustomerIDByNumber(ctx context.Context, q Querier, n int64) (domain.CustomerID, error) {
	var id domain.CustomerID
	err := q.QueryRow(ctx, `SELECT id FROM customers WHERE number = $1`, n).Scan(&id)
	return id, mapErr(err, "customer by number")
}

// InsertRequestAction records an action taken on request id and returns its id.
func InsertRequestAction(ctx context.Context, tx pgx.Tx, id int64, a domain.RequestAction) (int64, error) {
	var aid int64
	err := tx.QueryRow(ctx, `INSERT INTO subject_request_actions (request_id, at, by_user, kind, ref, note)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, id, a.At, a.By, string(a.Kind), a.Ref, a.Note).Scan(&aid)
	return aid, mapErr(err, "insert request action")
}

// requestOrders are the list's orders as fixed SQL: open before closed by due date (the default), or
// newest number first.
var requestOrders = map[bool]string{
	false: ` ORDER BY (r.closed_on IS NOT NULL), r.due_on, r.year, r.seq`,
	true:  ` ORDER BY r.year DESC, r.seq DESC`,
}

// SubjectRequests lists requests (only the open ones unless all) by due date or by number, at most limit.
func SubjectRequests(ctx context.Context, q Querier, all, byNumber bool, limit int) ([]domain.SubjectRequest, error) {
	where := ` WHERE r.closed_on IS NULL`
	if all {
		where = ``
	}
	return collectRequests(q.Query(ctx, `SELECT `+requestColumns+requestFrom+where+requestOrders[byNumber]+` LIMIT $1`, limit))
}

// CustomerRequests are the requests concerning customer id, oldest number first (the subject-access copy).
func CustomerRequests(ctx context.Context, q Querier, id domain.CustomerID) ([]domain.SubjectRequest, error) {
	return collectRequests(q.Query(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.id IN
		(SELECT request_id FROM subject_request_customers WHERE customer_id = $1) ORDER BY r.year, r.seq`, id))
}

// OpenRequests are the open requests by due date, at most limit, and how many are open.
func OpenRequests(ctx context.Context, q Querier, limit int) ([]domain.SubjectRequest, int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM subject_requests WHERE closed_on IS NULL`).Scan(&n); err != nil {
		return nil, 0, mapErr(err, "count open requests")
	}
	rs, err := SubjectRequests(ctx, q, false, false, limit)
	return rs, n, err
}

// EachSubjectRequest calls fn with every request, oldest number first.
func EachSubjectRequest(ctx context.Context, q Querier, fn func(domain.SubjectRequest) error) error {
	rows, err := q.Query(ctx, `SELECT `+requestColumns+requestFrom+` ORDER BY r.year, r.seq`)
	if err != nil {
		return mapErr(err, "subject requests")
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return mapErr(err, "subject requests")
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "subject requests")
}

// RequestsToRemind locks the open requests due on or before cutoff that were not reminded of on day
// today (a second run of the daily job skips them) and marks them reminded.
func RequestsToRemind(ctx context.Context, tx pgx.Tx, cutoff, today time.Time) ([]domain.SubjectRequest, error) {
	rs, err := collectRequests(tx.Query(ctx, `SELECT `+requestColumns+requestFrom+` WHERE r.closed_on IS NULL
		AND r.due_on <= $1 AND r.reminded_on IS DISTINCT FROM $2 ORDER BY r.due_on, r.year, r.seq FOR UPDATE OF r`, cutoff, today))
	if err != nil || len(rs) == 0 {
		return rs, err
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	_, err = tx.Exec(ctx, `UPDATE subject_requests SET reminded_on = $2 WHERE id = ANY($1)`, ids, today)
	return rs, mapErr(err, "mark requests reminded")
}

// ClearRequesters clears the requester's details of the requests closed before day closedBefore and
// returns their ids.
func ClearRequesters(ctx context.Context, tx pgx.Tx, closedBefore, now time.Time) ([]int64, error) {
	rows, err := tx.Query(ctx, `UPDATE subject_requests SET requester_name = '', requester_address = '', requester_email = '',
			requester_cleared_at = $2
		WHERE closed_on < $1 AND requester_cleared_at IS NULL RETURNING id`, closedBefore, now)
	if err != nil {
		return nil, mapErr(err, "clear requesters")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "clear requesters")
}

// RequestRetentionDays is how many days closed requests keep the requester's details.
func RequestRetentionDays(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT request_retention_days FROM settings`).Scan(&n)
	return n, mapErr(err, "request retention")
}

// SetRequestRetentionDays stores it.
func SetRequestRetentionDays(ctx context.Context, q Querier, days int) error {
	_, err := q.Exec(ctx, `UPDATE settings SET request_retention_days = $1`, days)
	return mapErr(err, "set request retention")
}

// RequestHandlers are the users who may handle requests: active holders of privacy.manage and admins.
func RequestHandlers(ctx context.Context, q Querier) ([]domain.User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.active AND (u.is_admin OR EXISTS (
			SELECT 1 FROM user_permissions p WHERE p.user_id = u.id AND p.permission = 'privacy.manage'))
		ORDER BY u.name, u.id`)
	if err != nil {
		return nil, mapErr(err, "request handlers")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.User, error) { return scanUser(r) })
	return out, mapErr(err, "request handlers")
}

// CountSubjectRequests is how many requests the register holds.
func CountSubjectRequests(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM subject_requests`).Scan(&n)
	return n, mapErr(err, "count subject requests")
}
