package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// InsertOutbox queues a message and returns its id.
func InsertOutbox(ctx context.Context, q Querier, m domain.Mail, now time.Time) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		m.To, m.Subject, m.Body, now).Scan(&id)
	return id, mapErr(err, "insert outbox")
}

const outboxColumns = `id, recipient, subject, body, created_at, sent_at, coalesce(via, ''), attempts, last_error`

func scanOutbox(row pgx.Row) (domain.OutboxMessage, error) {
	var m domain.OutboxMessage
	err := row.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.CreatedAt, &m.SentAt, &m.Via, &m.Attempts, &m.LastError)
	return m, err
}

// OutboxMessage reads one message, locked for its delivery.
func OutboxMessage(ctx context.Context, tx pgx.Tx, id int64) (domain.OutboxMessage, error) {
	m, err := scanOutbox(tx.QueryRow(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1 FOR UPDATE`, id))
	return m, mapErr(err, "outbox message")
}

// linkPattern matches an invitation or reset link in a message; redacted is what replaces it.
const (
	linkPattern = `'` + domain.PasswordLinkPath + domain.PasswordToken + `'`
	redacted    = `'` + domain.RedactedLink + `'`
)

// MarkOutboxSent records a delivery (via "smtp" or "page"). A message that left by e-mail keeps no
// usable link: the token is cut out, so the table and its backups cannot be used to set a password.
func MarkOutboxSent(ctx context.Context, q Querier, id int64, via string, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE outbox SET sent_at = $3, via = $2, attempts = attempts + 1, last_error = '',
		body = CASE WHEN $2 = 'smtp' THEN regexp_replace(body, `+linkPattern+`, `+redacted+`, 'g') ELSE body END
		WHERE id = $1`, id, via, now)
	return mapErr(err, "mark outbox sent")
}

// RedactLinks cuts the tokens out of every message to address, once its links are used or replaced.
func RedactLinks(ctx context.Context, q Querier, address string) error {
	_, err := q.Exec(ctx, `UPDATE outbox SET body = regexp_replace(body, `+linkPattern+`, `+redacted+`, 'g')
		WHERE recipient = $1 AND body ~ `+linkPattern, address)
	return mapErr(err, "redact links")
}

// MarkOutboxFailed records a failed attempt; reason must not hold the message or its address.
func MarkOutboxFailed(ctx context.Context, q Querier, id int64, reason string) error {
	_, err := q.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, reason)
	return mapErr(err, "mark outbox failed")
}

// OutboxPage lists up to limit messages, newest first.
func OutboxPage(ctx context.Context, q Querier, limit int) ([]domain.OutboxMessage, error) {
	rows, err := q.Query(ctx, `SELECT `+outboxColumns+` FROM outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr(err, "outbox page")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.OutboxMessage, error) { return scanOutbox(r) })
	return out, mapErr(err, "outbox page")
}
