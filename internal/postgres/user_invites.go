package postgres

import (
	"context"
	"time"

	"github.com/affar/affar/internal/domain"
)

// OpenInvitation is the expiry of the newest invitation link of a user who has not chosen a password, not
// used or withdrawn (it may have passed); nil when there is none. ListUsers asks the same for each row.
func OpenInvitation(ctx context.Context, q Querier, id domain.UserID) (*time.Time, error) {
	var until *time.Time
	err := q.QueryRow(ctx, `SELECT max(t.expires_at) FROM user_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.user_id = $1 AND t.purpose = 'invite' AND t.used_at IS NULL AND t.revoked_at IS NULL
			AND u.password_hash = ''`, id).Scan(&until)
	return until, mapErr(err, "open invitation")
}
