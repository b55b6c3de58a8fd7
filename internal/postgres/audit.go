package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/affar/affar/internal/domain"
)

// AppendAudit inserts events inside tx, so they commit or vanish together with the change they record,
// and lists them for the sealer (SealAudit), which chains them once they have committed. It takes no lock:
// appends from concurrent requests do not wait for each other, nor through each other's commits.
func AppendAudit(ctx context.Context, tx pgx.Tx, events []domain.AuditEvent) error {
	if len(events) == 0 || auditOff {
		return nil
	}
	n := len(events)
	var (
		ats      = make([]time.Time, n)
		actors   = make([]*int64, n)
		actions  = make([]string, n)
		types    = make([]string, n)
		entities = make([]*int64, n)
		details  = make([]string, n)
	)
	for i, e := range events {
		raw, err := marshalDetails(e.Details)
		if err != nil {
			return err
		}
		// PostgreSQL keeps microseconds; the sealer hashes what it reads back.
		ats[i], actions[i], types[i], entities[i], details[i] = e.At.UTC().Truncate(time.Microsecond), e.Action, e.EntityType, e.EntityID, string(raw)
		if e.ActorID != nil {
			id := int64(*e.ActorID)
			actors[i] = &id
		}
	}
	// ORDER BY the position: the events of one call take their ids, and so their order in the chain, in
	// the order given.
	_, err := tx.Exec(ctx, `WITH e AS (INSERT INTO audit_events (at, actor_user_id, action, entity_type, entity_id, details)
			SELECT u.at, u.actor, u.action, u.type, u.entity, u.details
			FROM unnest($1::timestamptz[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::jsonb[])
				WITH ORDINALITY AS u(at, actor, action, type, entity, details, n) ORDER BY u.n
			RETURNING id)
		INSERT INTO audit_pending (event_id) SELECT id FROM e`,
		ats, actors, actions, types, entities, details)
	return mapErr(err, "append audit events")
}

// auditSealKey is the advisory lock a sealer holds while it chains: one sealer at a time, so the chain
// has one head. Requests never take it.
const auditSealKey = 0x7365616c // "seal"

// SealAudit chains up to limit pending events that have committed, in id order, after the chain's head,
// in one transaction of its own, and returns how many it sealed. wait says whether to wait for a sealer
// at work (else 0 at once). beforeCommit, when not nil, runs just before the commit (the crash test's
// hook).
func SealAudit(ctx context.Context, pool *pgxpool.Pool, limit int, wait bool, beforeCommit func() error) (int, error) {
	sealed := 0
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if locked, err := lockSealer(ctx, tx, wait); err != nil || !locked {
			return err
		}
		head, prev, err := chainHead(ctx, tx)
		if err != nil {
			return err
		}
		seals, err := nextSeals(ctx, tx, limit, head, prev)
		if err != nil || len(seals.ids) == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_seals (seq, event_id, prev_hash, hash)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])`, seals.seqs, seals.ids, seals.prevs, seals.hashes); err != nil {
			return mapErr(err, "seal audit events")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM audit_pending WHERE event_id = ANY($1)`, seals.ids); err != nil {
			return mapErr(err, "seal audit events")
		}
		if beforeCommit != nil {
			if err := beforeCommit(); err != nil {
				return err
			}
		}
		sealed = len(seals.ids)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return sealed, nil
}

// lockSealer takes the sealer's lock for the rest of tx, waiting for it or not; false when not and taken.
func lockSealer(ctx context.Context, tx pgx.Tx, wait bool) (bool, error) {
	if wait {
		_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, auditSealKey)
		return err == nil, mapErr(err, "audit seal lock")
	}
	var locked bool
	err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, auditSealKey).Scan(&locked)
	return locked, mapErr(err, "audit seal lock")
}

// chainHead is the newest seal's position and hash (0 and empty for an empty chain). Read it after
// lockSealer: under READ COMMITTED the statement then sees the head the last sealer committed.
func chainHead(ctx context.Context, tx pgx.Tx) (int64, []byte, error) {
	var head int64
	prev := []byte{}
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_seals ORDER BY seq DESC LIMIT 1`).Scan(&head, &prev)
	if err == pgx.ErrNoRows {
		return 0, []byte{}, nil
	}
	return head, prev, mapErr(err, "audit head")
}

// sealColumns are the seals of a batch, as columns for unnest.
type sealColumns struct {
	seqs, ids     []int64
	prevs, hashes [][]byte
}

// nextSealsSQL reads the first $1 pending events. Their ids come first, as an array, so the events are
// found through the key: as a join, with audit_pending's statistics taken while a bulk job had made it
// long, PostgreSQL merged it with the whole log, read from its first event on every call.
const nextSealsSQL = `SELECT ` + auditColumns + ` FROM audit_events e
	WHERE e.id = ANY (ARRAY(SELECT p.event_id FROM audit_pending p ORDER BY p.event_id LIMIT $1)) ORDER BY e.id`

// nextSeals reads up to limit committed pending events in id order and chains them after head.
func nextSeals(ctx context.Context, tx pgx.Tx, limit int, head int64, prev []byte) (sealColumns, error) {
	var b sealColumns
	rows, err := tx.Query(ctx, nextSealsSQL, limit)
	if err != nil {
		return b, mapErr(err, "pending audit events")
	}
	defer rows.Close()
	for rows.Next() {
		e, canonical, err := scanAudit(rows)
		if err != nil {
			return b, mapErr(err, "pending audit events")
		}
		h := e.ChainHash(prev, canonical)
		head++
		b.seqs, b.ids, b.prevs, b.hashes = append(b.seqs, head), append(b.ids, e.ID), append(b.prevs, prev), append(b.hashes, h)
		prev = h
	}
	return b, mapErr(rows.Err(), "pending audit events")
}

// Unsealed counts the events no seal covers, and names the oldest by time: after a sealing, those
// committed since, or ones someone took off the sealer's list.
func Unsealed(ctx context.Context, q Querier) (n int, oldestID int64, oldestAt time.Time, err error) {
	err = q.QueryRow(ctx, `SELECT count(*), coalesce((array_agg(e.id ORDER BY e.at, e.id))[1], 0), coalesce(min(e.at), 'epoch')
		FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)`).Scan(&n, &oldestID, &oldestAt)
	return n, oldestID, oldestAt, mapErr(err, "unsealed audit events")
}

func marshalDetails(d map[string]any) ([]byte, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("audit details: %w", err)
	}
	return domain.CanonicalDetails(raw)
}

const auditColumns = `e.id, e.at, e.actor_user_id, e.action, e.entity_type, e.entity_id, e.details::text`

func scanAudit(row pgx.Row, extra ...any) (domain.AuditEvent, []byte, error) {
	var (
		e       domain.AuditEvent
		actor   *int64
		details string
	)
	dest := append([]any{&e.ID, &e.At, &actor, &e.Action, &e.EntityType, &e.EntityID, &details}, extra...)
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

// Seal is one link of the chain: its position, its event's id (the event is nil when it was removed) and
// hashes.
type Seal struct {
	Seq      int64
	EventID  int64
	PrevHash []byte
	Hash     []byte
}

// WalkChain calls fn for every seal in chain order with its event and the canonical details the hash
// covers; a seal whose event was removed comes with a nil event.
func WalkChain(ctx context.Context, q Querier, fn func(s Seal, e *domain.AuditEvent, canonical []byte) error) error {
	rows, err := q.Query(ctx, `SELECT coalesce(e.id, 0), coalesce(e.at, 'epoch'), e.actor_user_id, coalesce(e.action, ''),
			coalesce(e.entity_type, ''), e.entity_id, coalesce(e.details, '{}')::text,
			s.seq, s.event_id, s.prev_hash, s.hash, e.id IS NOT NULL
		FROM audit_seals s LEFT JOIN audit_events e ON e.id = s.event_id ORDER BY s.seq`)
	if err != nil {
		return mapErr(err, "walk audit")
	}
	defer rows.Close()
	for rows.Next() {
		var s Seal
		var present bool
		e, canonical, err := scanAudit(rows, &s.Seq, &s.EventID, &s.PrevHash, &s.Hash, &present)
		if err != nil {
			return mapErr(err, "walk audit")
		}
		event := &e
		if !present {
			event = nil
		}
		if err := fn(s, event, canonical); err != nil {
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

// AuditPending tells whether any event waits for its seal: one cheap statement for an idle sealer.
func AuditPending(ctx context.Context, q Querier) (bool, error) {
	var pending bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_pending)`).Scan(&pending)
	return pending, mapErr(err, "audit pending")
}
