package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// auditLockKey is the transaction-level advisory lock that keeps the hash chain linear.
const auditLockKey = 0x61756469 // "audi"

// AppendAudit appends events to the hash chain inside tx, under one advisory lock for the whole batch, so
// they commit or vanish together with the change they record.
func AppendAudit(ctx context.Context, tx pgx.Tx, events []domain.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	prev, err := lockAuditChain(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT nextval('audit_events_id_seq') FROM generate_series(1, $1)`, len(events))
	if err != nil {
		return mapErr(err, "audit ids")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return mapErr(err, "audit ids")
	}
	n := len(events)
	var (
		ats      = make([]time.Time, n)
		actors   = make([]*int64, n)
		actions  = make([]string, n)
		types    = make([]string, n)
		entities = make([]*int64, n)
		details  = make([]string, n)
		prevs    = make([][]byte, n)
		hashes   = make([][]byte, n)
	)
	for i, e := range events {
		raw, err := marshalDetails(e.Details)
		if err != nil {
			return err
		}
		e.ID = ids[i]
		// PostgreSQL keeps microseconds; hash what will be read back.
		e.At = e.At.UTC().Truncate(time.Microsecond)
		ats[i], actions[i], types[i], entities[i], details[i], prevs[i] = e.At, e.Action, e.EntityType, e.EntityID, string(raw), prev
		if e.ActorID != nil {
			id := int64(*e.ActorID)
			actors[i] = &id
		}
		hashes[i] = e.ChainHash(prev, raw)
		prev = hashes[i]
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_events
		(id, at, actor_user_id, action, entity_type, entity_id, details, prev_hash, hash)
		SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::bigint[], $4::text[], $5::text[],
			$6::bigint[], $7::jsonb[], $8::bytea[], $9::bytea[])`,
		ids, ats, actors, actions, types, entities, details, prevs, hashes)
	return mapErr(err, "append audit events")
}

// lockAuditChain takes the chain's lock for the rest of tx and returns the hash of the last event (empty for
// the first). Under READ COMMITTED the next statement sees every event committed before the lock was
// granted; a stricter level would read an older snapshot and fork the chain, so it is refused.
func lockAuditChain(ctx context.Context, tx pgx.Tx) ([]byte, error) {
	var isolation string
	if err := tx.QueryRow(ctx, `SELECT current_setting('transaction_isolation') FROM (SELECT pg_advisory_xact_lock($1)) l`,
		auditLockKey).Scan(&isolation); err != nil {
		return nil, mapErr(err, "audit lock")
	}
	if isolation != "read committed" {
		return nil, fmt.Errorf("audit events need a READ COMMITTED transaction, not %s", isolation)
	}
	prev := []byte{}
	err := tx.QueryRow(ctx, `SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&prev)
	if err != nil && err != pgx.ErrNoRows {
		return nil, mapErr(err, "audit last hash")
	}
	return prev, nil
}

func marshalDetails(d map[string]any) ([]byte, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("audit details: %w", err)
	}
	return domain.CanonicalDetails(raw)
}

const auditColumns = `e.id, e.at, e.actor_user_id, e.action, e.entity_type, e.entity_id, e.details::text,
	e.prev_hash, e.hash`

func scanAudit(row pgx.Row, extra ...any) (domain.AuditEvent, []byte, error) {
	var (
		e       domain.AuditEvent
		actor   *int64
		details string
	)
	dest := append([]any{&e.ID, &e.At, &actor, &e.Action, &e.EntityType, &e.EntityID, &details,
		&e.PrevHash, &e.Hash}, extra...)
	if err := row.Scan(dest...); err != nil {
		return e, nil, err
	}
	if actor != nil {
		id := domain.UserID(*actor)
		e.ActorID = &id
	}
	canonical, err := domain.CanonicalDetails([]byte(details))
	if err != nil {
		return e, nil, err
	}
	if err := json.Unmarshal(canonical, &e.Details); err != nil {
		return e, nil, err
	}
	return e, canonical, nil
}

// actorNameAt is the acting user's name when the event happened, from the name history (hashed events
// hold the actor's id only, so the history can be erased with the user), else their current name; "" for
// the system or nobody. Queries using it join users u on the actor.
const actorNameAt = `coalesce((SELECT h.name FROM user_name_history h WHERE h.user_id = e.actor_user_id
		AND h.valid_from <= e.at ORDER BY h.valid_from DESC, h.id DESC LIMIT 1), u.name, '')`

// auditSorts are the audit log's orders: by time, then id (the chain's order, which differs from the
// time's only where concurrent events were stamped a moment apart), by who acted (their user id, the
// system first) and by event. Each has an index ending in id (migrations 19 and 24), as the log may hold
// millions of events; the filters by user and by kind of event have one by time too (migration 25).
var auditSorts = map[string]string{
	"at":    `e.at`,
	"actor": `coalesce(e.actor_user_id, 0)`,
	"event": `e.action`,
}

// AuditRow is an event of a page of the log with the acting user's name at the time and the human number
// of what it is about (a customer's, also after erasure, a quote's or a supplier's; 0 for others).
type AuditRow struct {
	Event        domain.AuditEvent
	ActorName    string
	EntityNumber int64
	EntityGone   bool // the customer was deleted: only the erasure register knows their number
}

// entityNumber is the number people know an event's object by. An erased customer's comes from the
// erasure register, which keeps it.
const entityNumber = `coalesce(CASE e.entity_type
		WHEN 'customer' THEN coalesce((SELECT c.number FROM customers c WHERE c.id = e.entity_id),
			(SELECT x.customer_number FROM erasures x WHERE x.customer_id = e.entity_id ORDER BY x.id LIMIT 1))
		WHEN 'quote' THEN (SELECT q.number FROM quotes q WHERE q.id = e.entity_id)
		WHEN 'supplier' THEN (SELECT s.number FROM suppliers s WHERE s.id = e.entity_id) END, 0),
	(e.entity_type = 'customer' AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = e.entity_id))`

// auditWhere is the filter's conditions on the log.
func auditWhere(l *keysetList, f domain.AuditFilter) {
	if f.Customer != 0 {
		n := l.arg(f.Customer)
		ids := `SELECT c.id FROM customers c WHERE c.number = ` + n + ` UNION SELECT x.customer_id FROM erasures x WHERE x.customer_number = ` + n
		// = ANY(ARRAY(…)) rather than IN (…): the arrays are computed once and each side of the OR reads
		// the entity index, where IN under an OR is a filter tried on every event of the log.
		l.where = append(l.where, `((e.entity_type = 'customer' AND e.entity_id = ANY(ARRAY(`+ids+`)))
			OR (e.entity_type = 'quote' AND e.entity_id = ANY(ARRAY(SELECT q.id FROM quotes q WHERE q.customer_id IN (`+ids+`)))))`)
	}
	if f.Supplier != 0 {
		l.where = append(l.where, `e.entity_type = 'supplier' AND e.entity_id = (SELECT s.id FROM suppliers s WHERE s.number = `+l.arg(f.Supplier)+`)`)
	}
	if f.Actor != 0 {
		l.where = append(l.where, `e.actor_user_id = `+l.arg(f.Actor))
	}
	if len(f.Actions) > 0 {
		l.where = append(l.where, `e.action = ANY(`+l.arg(f.Actions)+`)`)
	}
	if !f.From.IsZero() {
		l.where = append(l.where, `e.at >= `+l.arg(f.From))
	}
	if !f.To.IsZero() {
		l.where = append(l.where, `e.at < `+l.arg(f.To))
	}
	if f.Text != "" {
		// Details are ids, codes and field names, ASCII: ILIKE under "C" folds only ASCII letters, which
		// halves the time of a word over a day's events (the slowest filter of make bench-audit).
		l.where = append(l.where, `e.details::text COLLATE "C" ILIKE `+l.arg("%"+likeEscape(f.Text)+"%"))
	}
}

// AuditPage returns the page r asks for of the log, newest first unless r sorts otherwise, leaving out the
// actions in hidden.
func AuditPage(ctx context.Context, q Querier, r domain.ListRequest, f domain.AuditFilter, hidden []string) (domain.ListPage[AuditRow], error) {
	return keysetPage(ctx, q, auditList(f, hidden), r, scanAuditRow)
}

// collectAuditWithNames reads events followed by the acting user's name.
func collectAuditWithNames(rows pgx.Rows, err error, what string) ([]domain.AuditEvent, []string, error) {
	if err != nil {
		return nil, nil, mapErr(err, what)
	}
	defer rows.Close()
	var (
		events []domain.AuditEvent
		names  []string
	)
	for rows.Next() {
		var name string
		e, _, err := scanAudit(rows, &name)
		if err != nil {
			return nil, nil, mapErr(err, what)
		}
		events, names = append(events, e), append(names, name)
	}
	return events, names, mapErr(rows.Err(), what)
}

// WalkAudit calls fn for every event in chain order with the canonical details the hash covers.
func WalkAudit(ctx context.Context, q Querier, fn func(e domain.AuditEvent, canonical []byte) error) error {
	rows, err := q.Query(ctx, `SELECT `+auditColumns+` FROM audit_events e ORDER BY e.id`)
	if err != nil {
		return mapErr(err, "walk audit")
	}
	defer rows.Close()
	for rows.Next() {
		e, canonical, err := scanAudit(rows)
		if err != nil {
			return mapErr(err, "walk audit")
		}
		if err := fn(e, canonical); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "walk audit")
}

// auditList is the log as a keyset list with the filter's conditions.
func auditList(f domain.AuditFilter, hidden []string) keysetList {
	l := keysetList{table: "audit_events", alias: "e", columns: auditColumns + ", " + actorNameAt + ", " + entityNumber,
		joins: "LEFT JOIN users u ON u.id = e.actor_user_id", sorts: auditSorts, def: "at", what: "audit"}
	l.where = []string{"NOT e.action = ANY(" + l.arg(hidden) + ")"}
	auditWhere(&l, f)
	return l
}

func scanAuditRow(row pgx.CollectableRow) (AuditRow, error) {
	var a AuditRow
	e, _, err := scanAudit(row, &a.ActorName, &a.EntityNumber, &a.EntityGone)
	a.Event = e
	return a, err
}

// CountAudit counts the events the filter finds, up to limit.
func CountAudit(ctx context.Context, q Querier, f domain.AuditFilter, hidden []string, limit int) (int, error) {
	l := auditList(f, hidden)
	var n int
	err := q.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM audit_events e WHERE %s LIMIT %d) n`,
		and(l.where...), limit), l.args...).Scan(&n)
	return n, mapErr(err, "count audit")
}

// EachAudit calls fn for each event the filter finds, newest first, at most limit.
func EachAudit(ctx context.Context, q Querier, f domain.AuditFilter, hidden []string, limit int, fn func(AuditRow) error) error {
	l := auditList(f, hidden)
	rows, err := q.Query(ctx, fmt.Sprintf(`SELECT %s FROM audit_events e %s WHERE %s ORDER BY e.at DESC, e.id DESC LIMIT %d`,
		l.columns, l.joins, and(l.where...), limit), l.args...)
	if err != nil {
		return mapErr(err, "each audit")
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAuditRow(rows)
		if err != nil {
			return mapErr(err, "each audit")
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return mapErr(rows.Err(), "each audit")
}

// AuditPageSQL is the count and page queries AuditPage runs, for tests that read their plans.
func AuditPageSQL(r domain.ListRequest, f domain.AuditFilter, hidden []string) (countSQL string, countArgs []any, pageSQL string, pageArgs []any) {
	return auditList(f, hidden).sql(r)
}
