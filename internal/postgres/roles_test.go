package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// refused asserts that sql fails for lack of privilege (42501), not merely because a trigger objects: an
// owner can switch the triggers off first.
func refused(t *testing.T, db *postgres.DB, sql string) {
	t.Helper()
	_, err := db.Pool.Exec(context.Background(), sql)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("the server's role ran %q: want insufficient_privilege (42501), got %v", sql, err)
	}
}

// TestServeRoleCannotRewriteTheAuditLog: the role the server and the tests' services run as (ASVS 13.2.2)
// appends and reads audit events, but may not switch the append-only triggers off, change, remove or
// truncate events, nor alter or create tables.
func TestServeRoleCannotRewriteTheAuditLog(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		return postgres.AppendAudit(ctx, tx, []domain.AuditEvent{{At: time.Now(), Action: "test.event", EntityType: "user"}})
	})
	if err != nil {
		t.Fatalf("the server's role cannot append an audit event: %v", err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the server's role reads %d audit events (%v), want 1", n, err)
	}
	for _, sql := range []string{
		`ALTER TABLE audit_events DISABLE TRIGGER USER`,
		`ALTER TABLE audit_events DISABLE TRIGGER ALL`,
		`UPDATE audit_events SET action = 'rewritten'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
		`DROP TABLE audit_events`,
		`ALTER TABLE customers ADD COLUMN smuggled text`,
		`TRUNCATE customers`,
		`CREATE TABLE smuggled (id int)`,
		`SET session_replication_role = replica`,
		`UPDATE erasures SET reason = 'rewritten'`,
		`DELETE FROM erasures`,
		`DELETE FROM erasure_suppressions`,
		`UPDATE user_name_history SET name = 'Administrator'`,
		`DELETE FROM user_name_history`,
	} {
		refused(t, db, sql)
	}
	var owned int
	var super bool
	err = db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid), r.rolsuper
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&owned, &super)
	if err != nil || owned != 0 || super {
		t.Errorf("the server's role owns %d relations, superuser %v (%v): want none and no", owned, super, err)
	}
}

// TestEveryMigrationGrantsTheServeRole: a table a later migration adds is usable by the server once
// migrated (grants run after every migration, for every table), and the audit log stays append-only.
func TestEveryMigrationGrantsTheServeRole(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	owner := pgtest.Owner(t, url)
	if _, err := owner.Pool.Exec(ctx, `CREATE TABLE later_table (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)`); err != nil {
		t.Fatal(err)
	}
	role, err := postgres.RoleOf(url)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(pgtest.OwnerURL(t, url), role); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO later_table (v) VALUES ('a')`,
		`UPDATE later_table SET v = 'b'`,
		`SELECT count(*) FROM later_table`,
		`DELETE FROM later_table`,
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Errorf("after migrating, the server's role cannot %q: %v", sql, err)
		}
	}
	refused(t, db, `TRUNCATE later_table`)
	refused(t, db, `ALTER TABLE later_table ADD COLUMN w text`)
	refused(t, db, `UPDATE audit_events SET action = 'rewritten'`)
	refused(t, db, `INSERT INTO schema_migrations (version, dirty) VALUES (999999, false)`)
}

// TestOwnerAndServeURLsMustMeetInOneDatabase: an AFFAR_MIGRATE_URL left pointing elsewhere would migrate
// (and grant on) another database than the one served.
func TestOwnerAndServeURLsMustMeetInOneDatabase(t *testing.T) {
	role, err := postgres.ServeRole("postgres://affar_owner@db/affar", "postgres://affar_app:pw@db:5432/affar?sslmode=disable")
	if err != nil || role != "affar_app" {
		t.Fatalf("same database: role %q, %v", role, err)
	}
	if _, err := postgres.ServeRole("postgres://affar_owner@db/postgres", "postgres://affar_app@db/affar"); err == nil {
		t.Fatal("an owner URL of another database was accepted")
	}
}

// TestServeRoleRefreshesBulkStatistics: the server's role may not ANALYZE the frozen selections it writes
// (PostgreSQL skips a non-owner's ANALYZE with a warning), so it does so through the owner's function; a
// large bulk job planned on stale statistics scans the whole job for every batch.
func TestServeRoleRefreshesBulkStatistics(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	analyzed := func() int64 {
		t.Helper()
		var n int64
		if err := db.Pool.QueryRow(ctx, `SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'bulk_job_items'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := analyzed()
	if _, err := db.Pool.Exec(ctx, `ANALYZE bulk_job_items`); err != nil {
		t.Fatal(err)
	}
	if analyzed() != before {
		t.Fatal("the server's role analysed a table it does not own: the function below is not needed")
	}
	if _, err := db.Pool.Exec(ctx, `SELECT analyze_bulk_job_items()`); err != nil {
		t.Fatalf("the server's role cannot refresh the bulk selection's statistics: %v", err)
	}
	if got := analyzed(); got != before+1 {
		t.Fatalf("bulk_job_items analysed %d times after the refresh, want %d", got, before+1)
	}
}

// TestServersStartingTogetherGrantInTurn: every server start migrates and grants; in a rolling deploy
// several start at once, and concurrent GRANTs on the same tables fail with "tuple concurrently updated".
func TestServersStartingTogetherGrantInTurn(t *testing.T) {
	_, url := pgtest.New(t)
	role, err := postgres.RoleOf(url)
	if err != nil {
		t.Fatal(err)
	}
	ownerURL := pgtest.OwnerURL(t, url)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() { errs <- postgres.Migrate(ownerURL, role) }()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Errorf("a server starting beside others: %v", err)
		}
	}
}
