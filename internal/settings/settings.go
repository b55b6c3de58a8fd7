// Package settings is the service for the company-wide settings an admin keeps: the bookkeeping
// retention rule that decides how long a sale holds a customer's personal data, and the company's own
// details that its quote documents print.
package settings

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of settings.
const (
	RetentionChanged = "settings.retention_changed"
	CompanyChanged   = "settings.company_changed"
)

// Service is the settings service.
type Service struct {
	DB  *postgres.DB
	Now func() time.Time
}

// Retention is the bookkeeping retention setting.
func (s *Service) Retention(ctx context.Context) (domain.Retention, error) {
	if _, err := authz.RequireAdmin(ctx); err != nil {
		return domain.Retention{}, err
	}
	return postgres.Retention(ctx, s.DB.Pool)
}

// SetRetention changes the bookkeeping retention setting (admins only) and moves the end of every held
// quote snapshot to what the new setting gives, in one transaction. Fewer years than the law's seven are
// refused unless confirmed: the caller shows the warning and asks.
func (s *Service) SetRetention(ctx context.Context, r domain.Retention, belowLawConfirmed bool) error {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	if err := check(r, belowLawConfirmed); err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.SetRetention(ctx, tx, r); err != nil {
			return err
		}
		moved, err := postgres.AlignHolds(ctx, tx, r)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, RetentionChanged, "settings", nil, map[string]any{
			"retention_years": r.Years, "fiscal_year_end_month": int(r.FiscalYearEnd), "holds_moved": moved}))
	})
}

// check refuses a setting out of range, or below the law's years unless confirmed, beside its field.
func check(r domain.Retention, belowLawConfirmed bool) error {
	fe := domain.FieldErrors{}
	switch {
	case r.Years < 1 || r.Years > 30:
		fe["retention_years"] = "error.retention_range"
	case r.Years < domain.MinRetentionYears && !belowLawConfirmed:
		fe["retention_years"] = "error.retention_below_law"
	}
	if r.FiscalYearEnd < time.January || r.FiscalYearEnd > time.December {
		fe["fiscal_year_end"] = "error.fiscal_year_end"
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// Company is the company's details as stored (admins only: documents read them through their own service).
func (s *Service) Company(ctx context.Context) (domain.CompanyDetails, error) {
	if _, err := authz.RequireAdmin(ctx); err != nil {
		return domain.CompanyDetails{}, err
	}
	return postgres.Company(ctx, s.DB.Pool, false)
}

// SetCompany validates and stores the company's details (admins only); the audit event names the fields
// that changed, not their values.
func (s *Service) SetCompany(ctx context.Context, in domain.CompanyInput) error {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	c, err := in.Validate(now)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		before, err := postgres.Company(ctx, tx, true)
		if err != nil {
			return err
		}
		changed := before.ChangedFields(c)
		if len(changed) == 0 {
			return nil
		}
		if err := postgres.SetCompany(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, CompanyChanged, "settings", nil, map[string]any{"fields": changed}))
	})
}
