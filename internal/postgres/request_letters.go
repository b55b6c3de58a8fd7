package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// InsertRequestLetter stores an answer letter as sent and returns its id.
func InsertRequestLetter(ctx context.Context, tx pgx.Tx, l domain.RequestLetter) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO subject_request_letters (request_id, language, body, pdf, sent_at, sent_by, method, mail_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, nullif($8, 0)) RETURNING id`,
		l.RequestID, l.Language, l.Body, l.PDF, l.SentAt, l.SentBy, l.Method, l.MailID).Scan(&id)
	return id, mapErr(err, "insert request letter")
}

const letterColumns = `l.id, l.request_id, l.language, l.body, coalesce(l.pdf, ''::bytea), l.sent_at, l.sent_by,
	coalesce(u.name, ''), l.method, coalesce(l.mail_id, 0), l.cleared_at`

// RequestLetters are the letters sent on request id, oldest first, without their PDFs.
func RequestLetters(ctx context.Context, q Querier, id int64) ([]domain.RequestLetter, error) {
	rows, err := q.Query(ctx, `SELECT l.id, l.request_id, l.language, l.body, ''::bytea, l.sent_at, l.sent_by,
		coalesce(u.name, ''), l.method, coalesce(l.mail_id, 0), l.cleared_at
		FROM subject_request_letters l LEFT JOIN users u ON u.id = l.sent_by WHERE l.request_id = $1 ORDER BY l.id`, id)
	if err != nil {
		return nil, mapErr(err, "request letters")
	}
	ls, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.RequestLetter])
	return ls, mapErr(err, "request letters")
}

// RequestLetter is letter id of request request, with its PDF.
func RequestLetter(ctx context.Context, q Querier, request, id int64) (domain.RequestLetter, error) {
	rows, err := q.Query(ctx, `SELECT `+letterColumns+` FROM subject_request_letters l LEFT JOIN users u ON u.id = l.sent_by
		WHERE l.request_id = $1 AND l.id = $2`, request, id)
	if err != nil {
		return domain.RequestLetter{}, mapErr(err, "request letter")
	}
	l, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[domain.RequestLetter])
	return l, mapErr(err, "request letter")
}

// ClearRequestLetters clears the text and PDF of the letters of requests ids (their requesters were
// cleared) and returns how many.
func ClearRequestLetters(ctx context.Context, tx pgx.Tx, ids []int64, now time.Time) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE subject_request_letters SET body = '', pdf = NULL, cleared_at = $2
		WHERE request_id = ANY($1) AND cleared_at IS NULL`, ids, now)
	return tag.RowsAffected(), mapErr(err, "clear request letters")
}

// TellLiftedRestrictions notes that the letter of request id told its customers whose restriction the
// request had and was lifted (art. 18(3)), and returns how many.
func TellLiftedRestrictions(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE customers SET restriction_lift_told_at = $2
		WHERE restriction_request_id = $1 AND restriction_lifted_at IS NOT NULL AND restriction_lift_told_at IS NULL`, id, now)
	return tag.RowsAffected(), mapErr(err, "tell lifted restrictions")
}
