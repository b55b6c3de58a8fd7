// Package pgtest gives each test a fresh PostgreSQL database cloned from a template that is migrated once
// per schema version. The server comes from DATABASE_URL (make test sets it); with REQUIRE_DB=1 a missing
// database fails the test instead of skipping it.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
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

// New returns a pool on a fresh, migrated database that is dropped when the test ends, and its URL.
func New(t testing.TB) (*postgres.DB, string) {
	t.Helper()
	base := URL(t)
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, base) })
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
	dbURL := postgres.WithDatabase(base, name)
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

// ensureTemplate creates and migrates the template for the current migrations once, under an advisory
// lock, because go test runs several test binaries at the same time.
func ensureTemplate(ctx context.Context, base string) (string, error) {
	name, err := templateFor()
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
	if err := postgres.Migrate(postgres.WithDatabase(base, building)); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

// templateFor names the template after a digest of the migration files, so a changed schema gets a new one.
func templateFor() (string, error) {
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
	return "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], err
}
