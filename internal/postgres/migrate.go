package postgres

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers the pgx5:// scheme
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/migrations"
)

// Migrator applies the embedded migrations.
type Migrator struct{ m *migrate.Migrate }

// NewMigrator opens a migrator on the database at url (postgres:// or postgresql://).
func NewMigrator(url string) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	url = withoutPoolParams(url)
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if rest, ok := strings.CutPrefix(url, scheme); ok {
			url = "pgx5://" + rest
		}
	}
	m, err := migrate.NewWithSourceInstance("iofs", src, url)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{m: m}, nil
}

// withoutPoolParams drops pgxpool's pool_* settings, which mean nothing to a single migration connection
// and would be sent to the server as unknown parameters.
func withoutPoolParams(url string) string {
	u, err := neturl.Parse(url)
	if err != nil {
		return url
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Up applies every pending migration.
func (mg *Migrator) Up() error { return ignoreNoChange(mg.m.Up()) }

// Down rolls back n migrations.
func (mg *Migrator) Down(n int) error { return ignoreNoChange(mg.m.Steps(-n)) }

// To migrates up or down to version v.
func (mg *Migrator) To(v uint) error { return ignoreNoChange(mg.m.Migrate(v)) }

// Version reports the applied version and whether a migration failed half-way.
func (mg *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Close releases the migrator's connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Migrate brings the database at url, the owner's connection, up to date, then gives serveRole (the role
// of the server's DATABASE_URL; "" or the owner itself: none) its rights on every table, those of these
// migrations included.
func Migrate(url, serveRole string) error {
	mg, err := NewMigrator(url)
	if err != nil {
		return err
	}
	defer mg.Close()
	if err := mg.Up(); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	// One pool for what follows the SQL migrations.
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, withoutPoolParams(url))
	if err != nil {
		return fmt.Errorf("after migrations: %w", err)
	}
	defer pool.Close()
	if err := migrateRiver(ctx, pool); err != nil {
		return err
	}
	db := &DB{Pool: pool}
	if err := alignHolds(ctx, db); err != nil {
		return err
	}
	if serveRole == "" {
		return nil
	}
	return grantServe(ctx, db, serveRole)
}

// alignHolds recomputes the retention holds of existing quotes, once, when the stored holds follow an
// older version of the bookkeeping rule than this build's (domain.RetentionRuleVersion): migration 000010
// changed the rule, and only Go knows it.
func alignHolds(ctx context.Context, db *DB) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		var version int
		if err := tx.QueryRow(ctx, `SELECT holds_rule FROM settings FOR UPDATE`).Scan(&version); err != nil {
			return mapErr(err, "holds rule")
		}
		if version >= domain.RetentionRuleVersion {
			return nil
		}
		r, err := Retention(ctx, tx)
		if err != nil {
			return err
		}
		if _, err = AlignHolds(ctx, tx, r); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE settings SET holds_rule = $1`, domain.RetentionRuleVersion)
		return mapErr(err, "holds rule")
	})
}

// migrateRiver brings river's job tables up to date with rivermigrate, right after our own migrations,
// so `affar migrate` and serve start bring everything up. River's SQL changes ALTER TYPE … ADD VALUE and
// must run as river runs it, so it is not copied into our migration files.
func migrateRiver(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// RiverVersion is the newest river schema version this build migrates to (part of the test template's name).
func RiverVersion() int {
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return 0
	}
	all := m.AllVersions()
	return all[len(all)-1].Version
}

func ignoreNoChange(err error) error {
	if errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	return err
}
