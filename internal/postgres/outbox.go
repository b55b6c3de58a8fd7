package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// InsertOutbox queues a message with its attachments and returns its id.
func InsertOutbox(ctx context.Context, q Querier, m domain.Mail, now time.Time) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		m.To, m.Subject, m.Body, now).Scan(&id)
	if err != nil {
		return 0, mapErr(err, "insert outbox")
	}
	for i, a := range m.Attachments {
		_, err := q.Exec(ctx, `INSERT INTO outbox_attachments (outbox_id, position, filename, content_type, size, content)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, i, a.Filename, a.ContentType, len(a.Content), a.Content)
		if err != nil {
			return 0, mapErr(err, "insert outbox attachment")
		}
	}
	return id, nil
}

// attachments reads the attachments of the messages ids, by message; with content only if withContent
// (the outbox page shows names and sizes).
func attachments(ctx context.Context, q Querier, ids []int64, withContent bool) (map[int64][]domain.Attachment, error) {
	rows, err := q.Query(ctx, `SELECT outbox_id, filename, content_type, size, CASE WHEN $2 THEN content END
		FROM outbox_attachments WHERE outbox_id = ANY($1) ORDER BY outbox_id, position`, ids, withContent)
	if err != nil {
		return nil, mapErr(err, "outbox attachments")
	}
	out := map[int64][]domain.Attachment{}
	var id int64
	var a domain.Attachment
	_, err = pgx.ForEachRow(rows, []any{&id, &a.Filename, &a.ContentType, &a.Size, &a.Content}, func() error {
		out[id] = append(out[id], a)
		a.Content = nil
		return nil
	})
	return out, mapErr(err, "outbox attachments")
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
	if err != nil {
		return m, mapErr(err, "outbox message")
	}
	files, err := attachments(ctx, tx, []int64{id}, true)
	m.Attachments = files[id]
	return m, err
}

// linkPattern matches an invitation or reset link in a message; redacted is what replaces it.
const (
	linkPattern = `'` + domain.PasswordLinkPath + domain.PasswordToken + `'`
	redacted    = `'` + domain.RedactedLink + `'`
)

// MarkOutboxSent records a delivery (via "smtp" or "page"). A message that left by e-mail keeps no
// usable link: the token is cut out, so the table and its backups cannot be used to set a password. Nor
// does it keep its attachments' content (a quote's PDF holds the customer's address): the recipient has it.
func MarkOutboxSent(ctx context.Context, q Querier, id int64, via string, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE outbox SET sent_at = $3, via = $2, attempts = attempts + 1, last_error = '',
		body = CASE WHEN $2 = 'smtp' THEN regexp_replace(body, `+linkPattern+`, `+redacted+`, 'g') ELSE body END
		WHERE id = $1`, id, via, now)
	if err == nil && via == "smtp" {
		_, err = q.Exec(ctx, `UPDATE outbox_attachments SET content = NULL WHERE outbox_id = $1`, id)
	}
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
	if err != nil {
		return nil, mapErr(err, "outbox page")
	}
	ids := make([]int64, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	files, err := attachments(ctx, q, ids, false)
	for i := range out {
		out[i].Attachments = files[out[i].ID]
	}
	return out, err
}

// OutboxAttachment reads attachment position of message id with its content, which is nil once the
// message has left by SMTP.
func OutboxAttachment(ctx context.Context, q Querier, id int64, position int) (domain.Attachment, error) {
	var a domain.Attachment
	err := q.QueryRow(ctx, `SELECT filename, content_type, size, content FROM outbox_attachments
		WHERE outbox_id = $1 AND position = $2`, id, position).Scan(&a.Filename, &a.ContentType, &a.Size, &a.Content)
	return a, mapErr(err, "outbox attachment")
}
