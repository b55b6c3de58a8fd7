package gdpr

import (
	"context"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Register reads the erasure register, for those who may read the audit log.
type Register struct{ DB *postgres.DB }

// Page returns up to limit entries older than before (0: the newest), newest first.
func (r Register) Page(ctx context.Context, before int64, limit int) ([]domain.Erasure, error) {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return nil, err
	}
	return postgres.ErasurePage(ctx, r.DB.Pool, before, limit)
}

// Walk calls fn for every entry, oldest first, streaming (the CSV download).
func (r Register) Walk(ctx context.Context, fn func(domain.Erasure) error) error {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return err
	}
	return postgres.WalkErasures(ctx, r.DB.Pool, fn)
}
