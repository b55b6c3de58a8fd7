package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// InsertAgreement stores a published version; a version id already used is a domain.ErrConflict.
func InsertAgreement(ctx context.Context, q Querier, a domain.Agreement, by domain.UserID) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO agreement_versions (version, body, sha256, published_by, published_at)
		VALUES ($1, $2, $3, nullif($4, 0), $5) RETURNING id`, a.Version, a.Body, a.SHA256, int64(by), a.PublishedAt).Scan(&id)
	return id, mapErr(err, "insert agreement")
}

// InsertAgreementRecipient records that version was sent to the user at email by outbox message outboxID.
func InsertAgreementRecipient(ctx context.Context, q Querier, version int64, id domain.UserID, email string, outboxID int64) error {
	_, err := q.Exec(ctx, `INSERT INTO agreement_recipients (version_id, user_id, email, outbox_id) VALUES ($1, $2, $3, $4)`,
		version, id, email, outboxID)
	return mapErr(err, "insert agreement recipient")
}

// AcceptAgreements records acceptance by continued use: every version sent to the user before now and
// not yet accepted. It returns the ids of the versions accepted.
func AcceptAgreements(ctx context.Context, q Querier, id domain.UserID, now time.Time) ([]int64, error) {
	rows, err := q.Query(ctx, `UPDATE agreement_recipients r SET accepted_at = $2 FROM outbox o
		WHERE o.id = r.outbox_id AND r.user_id = $1 AND r.accepted_at IS NULL AND o.sent_at IS NOT NULL AND o.sent_at <= $2
		RETURNING r.version_id`, id, now)
	if err != nil {
		return nil, mapErr(err, "accept agreements")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err, "accept agreements")
}

// Agreements lists every version, newest first, with its recipients.
func Agreements(ctx context.Context, q Querier) ([]domain.Agreement, error) {
	rows, err := q.Query(ctx, `SELECT v.id, v.version, v.body, v.sha256, coalesce(u.name, ''), v.published_at
		FROM agreement_versions v LEFT JOIN users u ON u.id = v.published_by ORDER BY v.id DESC`)
	if err != nil {
		return nil, mapErr(err, "agreements")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Agreement, error) {
		var a domain.Agreement
		err := r.Scan(&a.ID, &a.Version, &a.Body, &a.SHA256, &a.PublishedBy, &a.PublishedAt)
		return a, err
	})
	if err != nil {
		return nil, mapErr(err, "agreements")
	}
	rows, err = q.Query(ctx, `SELECT r.version_id, r.user_id, u.name, r.email, o.sent_at, coalesce(o.via, ''), r.accepted_at,
		r.accepted_explicitly_at
		FROM agreement_recipients r JOIN users u ON u.id = r.user_id JOIN outbox o ON o.id = r.outbox_id
		ORDER BY u.name, u.id`)
	if err != nil {
		return nil, mapErr(err, "agreement recipients")
	}
	byVersion := map[int64][]domain.AgreementRecipient{}
	var v int64
	var rc domain.AgreementRecipient
	_, err = pgx.ForEachRow(rows, []any{&v, &rc.UserID, &rc.Name, &rc.Email, &rc.SentAt, &rc.Via, &rc.AcceptedAt, &rc.AcceptedExplicitlyAt}, func() error {
		byVersion[v] = append(byVersion[v], rc)
		return nil
	})
	for i := range list {
		list[i].Recipients = byVersion[list[i].ID]
	}
	return list, mapErr(err, "agreement recipients")
}

// LatestAgreement returns the newest version and whether the user already received it.
func LatestAgreement(ctx context.Context, q Querier, id domain.UserID) (domain.Agreement, bool, error) {
	var a domain.Agreement
	var received bool
	err := q.QueryRow(ctx, `SELECT v.id, v.version, v.body, v.sha256,
		EXISTS (SELECT 1 FROM agreement_recipients r WHERE r.version_id = v.id AND r.user_id = $1)
		FROM agreement_versions v ORDER BY v.id DESC LIMIT 1`, id).Scan(&a.ID, &a.Version, &a.Body, &a.SHA256, &received)
	return a, received, mapErr(err, "latest agreement")
}

// AcceptAgreementsExplicitly records that the user read and accepted every version sent to them that they
// have not explicitly accepted; one not yet accepted by continued use counts as accepted now too. It returns
// the ids of the versions.
func AcceptAgreementsExplicitly(ctx context.Context, q Querier, id domain.UserID, now time.Time) ([]int64, error) {
	rows, err := q.Query(ctx, `UPDATE agreement_recipients SET accepted_explicitly_at = $2, accepted_at = coalesce(accepted_at, $2)
		WHERE user_id = $1 AND accepted_explicitly_at IS NULL RETURNING version_id`, id, now)
	if err != nil {
		return nil, mapErr(err, "accept agreements explicitly")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err, "accept agreements explicitly")
}

// AgreementVersionTaken reports whether a version with this id was published already.
func AgreementVersionTaken(ctx context.Context, q Querier, version string) (bool, error) {
	var taken bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM agreement_versions WHERE version = $1)`, version).Scan(&taken)
	return taken, mapErr(err, "agreement version taken")
}
