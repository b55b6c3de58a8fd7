package postgres

import (
	"errors"
	"fmt"
	neturl "net/url"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers the pgx5:// scheme
	"github.com/golang-migrate/migrate/v4/source/iofs"

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
	// pgxpool's pool_* settings mean nothing to a single migration connection, which would send them to
	// the server as unknown parameters.
	if u, err := neturl.Parse(url); err == nil {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		url = u.String()
	}
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

// Up applies every pending migration.
func (mg *Migrator) Up() error { return ignoreNoChange(mg.m.Up()) }

// Down rolls back n migrations.
func (mg *Migrator) Down(n int) error { return ignoreNoChange(mg.m.Steps(-n)) }

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

// Migrate brings the database at url up to date.
func Migrate(url string) error {
	mg, err := NewMigrator(url)
	if err != nil {
		return err
	}
	defer mg.Close()
	if err := mg.Up(); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

func ignoreNoChange(err error) error {
	if errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	return err
}
