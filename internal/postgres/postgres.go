// Package postgres holds every SQL statement of Affär: the pool, transactions, migrations and one file per
// table group. Errors are mapped to domain kinds here, so services never see pgx errors.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/affar/affar/internal/domain"
)

// DB is the connection pool with Affär's queries on it.
type DB struct {
	Pool *pgxpool.Pool
}

// Querier is what a query needs: the pool or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("database url: %w", err)
	}
	// The register's queries are built from filters and their best plan depends on the values (a rare
	// phone number wants the trigram index, a common name the sort index); a cached generic plan picks one
	// for all and is slow for the others.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect database: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// InTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise. An error of the
// data the transaction was given comes back as a *domain.RefusedError (see refused).
func (db *DB) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return refused(pgx.BeginFunc(ctx, db.Pool, fn))
}

// WithDatabase returns the connection URL base with its database replaced by name.
func WithDatabase(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

// refused is err as a *domain.RefusedError if the database refused a statement for the values it was
// given (SQLSTATE classes 22, 23 and P0: bad data, a constraint, a rule), else err as it is. InTx applies
// it to every transaction; a bulk job tells by it a customer's failure from the job's. Errors mapErr made
// conflicts are not refusals.
func refused(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	var why domain.Refusal
	switch pgErr.Code[:2] {
	case "22":
		why = domain.RefusedData
	case "23":
		why = domain.RefusedConstraint
	case "P0":
		why = domain.RefusedByRule
	default:
		return err
	}
	return &domain.RefusedError{Why: why, Err: err}
}

// mapErr turns pgx errors into domain error kinds, keeping the original for logs.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "23503") {
		return fmt.Errorf("%s: %w (%s)", what, domain.ErrConflict, pgErr.ConstraintName)
	}
	return fmt.Errorf("%s: %w", what, err)
}
