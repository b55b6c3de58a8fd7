package quote

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// LockForSending locks quote id and its customer in tx for a change that sends it (e-mailing it): a
// draft is moved to sent, with its billing snapshot and audit event, as "Markera som skickad" does, and
// the quote is returned as it then stands; a quote already sent is returned as it is. The caller has
// checked that actor may change quotes. marked says whether it was a draft.
func LockForSending(ctx context.Context, tx pgx.Tx, actor authz.Actor, id domain.QuoteID, now time.Time) (q domain.Quote, c domain.Customer, marked bool, err error) {
	if q, c, err = lockQuote(ctx, tx, id); err != nil || q.Status != domain.QuoteDraft {
		return q, c, false, err
	}
	if err = move(ctx, tx, actor, q, c, domain.QuoteSent, now); err != nil {
		return q, c, false, err
	}
	q, err = postgres.Quote(ctx, tx, id, false)
	return q, c, true, err
}
