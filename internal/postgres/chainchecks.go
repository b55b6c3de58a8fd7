package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// InsertChainCheck records a verification of the audit chain.
func InsertChainCheck(ctx context.Context, q Querier, c domain.ChainCheck) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO chain_checks (checked_at, ok, events, head_id, head_hash, broken_event, reason, recipients)
		VALUES ($1, $2, $3, nullif($4, 0), $5, nullif($6, 0), $7, $8) RETURNING id`,
		c.At, c.OK, c.Events, c.HeadID, c.HeadHash, c.BrokenEvent, c.Reason, c.Recipients).Scan(&id)
	return id, mapErr(err, "insert chain check")
}

// LatestChainCheck is the newest verification; domain.ErrNotFound before the first.
func LatestChainCheck(ctx context.Context, q Querier) (domain.ChainCheck, error) {
	var c domain.ChainCheck
	err := q.QueryRow(ctx, `SELECT id, checked_at, ok, events, coalesce(head_id, 0), head_hash, coalesce(broken_event, 0), reason, recipients
		FROM chain_checks ORDER BY id DESC LIMIT 1`).Scan(&c.ID, &c.At, &c.OK, &c.Events, &c.HeadID, &c.HeadHash,
		&c.BrokenEvent, &c.Reason, &c.Recipients)
	return c, mapErr(err, "latest chain check")
}

// PrivacyOfficers are the active users who hold privacy.manage (admins included only when they hold it
// explicitly); when there are none, the active admins. They receive the audit chain's head.
func PrivacyOfficers(ctx context.Context, q Querier) ([]domain.User, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE u.active AND EXISTS (
			SELECT 1 FROM user_permissions p WHERE p.user_id = u.id AND p.permission = 'privacy.manage')
		ORDER BY u.name, u.id`)
	if err != nil {
		return nil, mapErr(err, "privacy officers")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.User, error) { return scanUser(r) })
	if err != nil || len(out) > 0 {
		return out, mapErr(err, "privacy officers")
	}
	return ActiveAdmins(ctx, q)
}
