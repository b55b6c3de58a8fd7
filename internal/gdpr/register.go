package gdpr

import (
	"context"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Register reads the erasure register, for those who may read the audit log.
type Register struct{ DB *postgres.DB }

// Page returns the page r asks for of the register, newest first unless r sorts otherwise ("at",
// "actor", "kind", "customer"), domain.DefaultPageSize entries unless r says how many.
func (r Register) Page(ctx context.Context, req domain.ListRequest) (domain.ListPage[domain.Erasure], error) {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return domain.ListPage[domain.Erasure]{}, err
	}
	if req.Limit <= 0 {
		req.Limit = domain.DefaultPageSize
	}
	return postgres.ErasurePage(ctx, r.DB.Pool, req)
}

// Walk calls fn for every entry, oldest first, streaming (the CSV download).
func (r Register) Walk(ctx context.Context, fn func(domain.Erasure) error) error {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return err
	}
	return postgres.WalkErasures(ctx, r.DB.Pool, fn)
}
