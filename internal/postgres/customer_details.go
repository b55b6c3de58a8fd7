package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// A customer's lists, each as columns, FROM, the customer's condition and order, gathered into one
// statement for the customer page (CustomerSheetOf).
var (
	contactList = childList{`id, customer_id, name, role, email, phone`, `customer_contacts`, `customer_id`, `id`}
	consentList = childList{`k.at, k.given, k.source, coalesce(u.name, '')`,
		`customer_consents k LEFT JOIN users u ON u.id = k.recorded_by`, `k.customer_id`, `k.at DESC, k.id DESC`}
	creditReportList = childList{`r.id, r.customer_id, r.bureau, r.taken_on, r.rating, r.limit_ore, r.remarks, r.need,
		r.reference, r.recorded_at, coalesce(u.name, '')`, `credit_reports r LEFT JOIN users u ON u.id = r.recorded_by`,
		`r.customer_id`, `r.taken_on DESC, r.id DESC`}
)

func scanContact(r pgx.Row) (domain.Contact, error) {
	var c domain.Contact
	err := r.Scan(&c.ID, &c.CustomerID, &c.Name, &c.Role, &c.Email, &c.Phone)
	return c, err
}

// Contacts lists a company customer's contact persons.
func Contacts(ctx context.Context, q Querier, id domain.CustomerID) ([]domain.Contact, error) {
	out, err := queryList(ctx, q, contactList, id, scanContact)
	return out, mapErr(err, "contacts")
}

func scanConsent(r pgx.Row) (domain.ConsentChange, error) {
	var c domain.ConsentChange
	err := r.Scan(&c.At, &c.Given, &c.Source, &c.RecordedBy)
	return c, err
}

func scanCreditReport(r pgx.Row) (domain.CreditReport, error) {
	var c domain.CreditReport
	err := r.Scan(&c.ID, &c.CustomerID, &c.Bureau, &c.TakenOn, &c.Rating, &c.LimitOre, &c.Remarks, &c.Need, &c.Reference,
		&c.RecordedAt, &c.RecordedBy)
	return c, err
}

// AddContact inserts a contact person and returns its id.
func AddContact(ctx context.Context, q Querier, c domain.Contact) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO customer_contacts (customer_id, name, role, email, phone)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.CustomerID, c.Name, c.Role, c.Email, c.Phone).Scan(&id)
	return id, mapErr(err, "add contact")
}

// DeleteContact removes a contact person of the given customer.
func DeleteContact(ctx context.Context, q Querier, customer domain.CustomerID, id int64) error {
	tag, err := q.Exec(ctx, `DELETE FROM customer_contacts WHERE id = $1 AND customer_id = $2`, id, customer)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "delete contact")
}

// TouchCustomer records activity on a customer (a change of its details, contacts or consent).
func TouchCustomer(ctx context.Context, q Querier, id domain.CustomerID, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE customers SET updated_at = $2, last_activity_at = greatest(last_activity_at, $2)
		WHERE id = $1`, id, now)
	return mapErr(err, "touch customer")
}

// SetConsent records a change of marketing consent: the current state on the customer, and the history.
func SetConsent(ctx context.Context, q Querier, id domain.CustomerID, given bool, source string, by *domain.UserID, now time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE customers SET marketing_consent = $2, updated_at = $3,
		last_activity_at = greatest(last_activity_at, $3) WHERE id = $1`, id, given, now); err != nil {
		return mapErr(err, "set consent")
	}
	_, err := q.Exec(ctx, `INSERT INTO customer_consents (customer_id, given, at, source, recorded_by)
		VALUES ($1, $2, $3, $4, $5)`, id, given, now, source, by)
	return mapErr(err, "set consent")
}

// AddCreditReport stores a credit report and returns its id.
func AddCreditReport(ctx context.Context, q Querier, r domain.CreditReport, by *domain.UserID) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO credit_reports (customer_id, bureau, taken_on, rating, limit_ore, remarks,
		need, reference, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		r.CustomerID, r.Bureau, r.TakenOn, r.Rating, r.LimitOre, r.Remarks, r.Need, r.Reference, r.RecordedAt, by).Scan(&id)
	return id, mapErr(err, "add credit report")
}

// EntityAudit lists the newest events about one entity, with the acting user's name at the time, leaving
// out the actions in hidden.
func EntityAudit(ctx context.Context, q Querier, entityType string, id int64, limit int, hidden []string) ([]domain.AuditEvent, []string, error) {
	return entityAudit(ctx, q, "e.entity_id = $2", entityType, id, limit, hidden)
}

// EntitiesAudit is EntityAudit for several entities of one type at once (a customer's quotes).
func EntitiesAudit(ctx context.Context, q Querier, entityType string, ids []int64, limit int, hidden []string) ([]domain.AuditEvent, []string, error) {
	return entityAudit(ctx, q, "e.entity_id = ANY($2)", entityType, ids, limit, hidden)
}

// entityAudit keeps the one-entity query a plain equality: the customer page runs it on every view, and
// the index on (entity_type, entity_id, id) then yields the newest events in order.
func entityAudit(ctx context.Context, q Querier, match, entityType string, ids any, limit int, hidden []string) ([]domain.AuditEvent, []string, error) {
	rows, err := q.Query(ctx, `SELECT `+auditColumns+`, `+actorNameAt+` FROM audit_events e
		LEFT JOIN users u ON u.id = e.actor_user_id
		WHERE e.entity_type = $1 AND `+match+` AND NOT e.action = ANY($4) ORDER BY e.id DESC LIMIT $3`,
		entityType, ids, limit, hidden)
	return collectAuditWithNames(rows, err, "entity audit")
}

// EntityAuditPage is a page of an entity's events, newest first: those before the event id before (0: from
// the newest), at or after from and before to (zero times: no bound). It reads limit+1 to tell whether
// there are older ones, and keeps to the index on (entity_type, entity_id, id).
func EntityAuditPage(ctx context.Context, q Querier, entityType string, id, before int64, from, to time.Time, limit int,
	hidden []string) ([]domain.AuditEvent, []string, bool, error) {
	rows, err := q.Query(ctx, `SELECT `+auditColumns+`, `+actorNameAt+` FROM audit_events e
		LEFT JOIN users u ON u.id = e.actor_user_id
		WHERE e.entity_type = $1 AND e.entity_id = $2 AND NOT e.action = ANY($4)
			AND ($5 = 0 OR e.id < $5) AND ($6::timestamptz IS NULL OR e.at >= $6) AND ($7::timestamptz IS NULL OR e.at < $7)
		ORDER BY e.id DESC LIMIT $3`,
		entityType, id, limit+1, hidden, before, nullTime(from), nullTime(to))
	events, names, err := collectAuditWithNames(rows, err, "entity audit page")
	more := len(events) > limit
	if more {
		events, names = events[:limit], names[:limit]
	}
	return events, names, more, err
}

// nullTime is NULL for the zero time.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
