package gdpr

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// keepHashes keeps the keyed hashes (salt) of the identifiers of customers about to be erased: on the
// suppression list, and with the newest objection to direct marketing of each who ever objected, so the
// objection outlives the erasure (art. 21(3); DM-nämnden 18-421) and creating the person again carries it.
func keepHashes(ctx context.Context, tx pgx.Tx, salt []byte, cs []domain.Customer, now time.Time) error {
	ids := make([]domain.CustomerID, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	kept, err := postgres.LatestObjections(ctx, tx, ids)
	if err != nil {
		return err
	}
	var all [][]byte
	for _, c := range cs {
		hashes := domain.SuppressionHashes(salt, c.Email, c.Phone, c.IDNumber)
		all = append(all, hashes...)
		if k, ok := kept[c.ID]; ok {
			if err := postgres.AddObjectionHashes(ctx, tx, hashes, k, now); err != nil {
				return err
			}
		}
	}
	return postgres.AddSuppressions(ctx, tx, all, now)
}
