// Package pgtest gives each test a fresh PostgreSQL database cloned from a template that is migrated once
// per schema version. The server comes from DATABASE_URL (make test sets it); with REQUIRE_DB=1 a missing
// database fails the test instead of skipping it.
//
// As in production, two roles: AFFAR_MIGRATE_URL's (the owner, which must be allowed to create databases)
// creates and migrates the databases, and tests get DATABASE_URL's role, which owns nothing and holds only
// the rights the migrations grant it, so a missing grant fails the ordinary tests. make test sets both;
// with DATABASE_URL alone its role does both.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/migrations"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// URL returns the server URL from DATABASE_URL, skipping (or, with REQUIRE_DB=1, failing) without one.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if os.Getenv("REQUIRE_DB") == "1" {
			t.Fatal("DATABASE_URL is not set and REQUIRE_DB=1: run the tests with make test")
		}
		t.Skip("DATABASE_URL not set; make test provides one")
	}
	return u
}

// ownerBase is the owner's connection to the server: AFFAR_MIGRATE_URL, else DATABASE_URL (base).
func ownerBase(base string) string {
	if u := os.Getenv("AFFAR_MIGRATE_URL"); u != "" {
		return u
	}
	return base
}

// New returns a pool of DATABASE_URL's role on a fresh, migrated database that is dropped when the test
// ends, and its URL.
func New(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	serveBase := URL(t)
	base := ownerBase(serveBase)
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, base, serveBase) })
	if templateErr != nil {
		t.Fatalf("pgtest: template database: %v", templateErr)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "test_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateName); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	dbURL := postgres.WithDatabase(serveBase, name)
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("pgtest: connect for cleanup: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return db, dbURL
}

// OwnerURL is the owner's URL of the database of url (from New), for what only an owner may do to it:
// tampering with the audit log as an attacker with those rights would, changing the schema, restoring it.
func OwnerURL(t testing.TB, url string) string {
	t.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return postgres.WithDatabase(ownerBase(URL(t)), strings.TrimPrefix(u.Path, "/"))
}

// Owner opens a pool of the owner on the database of url (from New), closed when the test ends.
func Owner(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), OwnerURL(t, url))
	if err != nil {
		t.Fatalf("pgtest: owner: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// ensureTemplate creates and migrates the template for the current migrations once, as the owner (base),
// granting serveBase's role its rights, under an advisory lock, because go test runs several test binaries
// at the same time.
func ensureTemplate(ctx context.Context, base, serveBase string) (string, error) {
	role, err := postgres.RoleOf(serveBase)
	if err != nil {
		return "", err
	}
	name, err := templateFor(role)
	if err != nil {
		return "", err
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(7342001)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(7342001)")
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename, so a crash half-way never leaves a usable-looking template.
	building := name + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	if err := postgres.Migrate(postgres.WithDatabase(base, building), role); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

// templateFor names the template after a digest of the migration files and of the serve role's grants, so
// a changed schema or changed rights get a new one.
func templateFor(serveRole string) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	fmt.Fprintf(h, "river %d", postgres.RiverVersion()) // river's schema is migrated too
	for _, g := range postgres.ServeGrants(serveRole) {
		h.Write([]byte(g))
	}
	return "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], err
}
