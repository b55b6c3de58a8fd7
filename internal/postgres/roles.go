package postgres

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Two roles (ASVS 13.2.2): the owner, whose connection (AFFAR_MIGRATE_URL) runs the migrations and owns
// every table, and the serve role (DATABASE_URL), which owns nothing, so it can neither switch the audit
// log's triggers off nor alter, drop or truncate a table, and gets only the rights below.

// serveLimits are the tables on which the serve role gets less than SELECT, INSERT, UPDATE, DELETE:
// the audit log and its seals are appended to and read, never changed (its triggers say so too, but an owner could
// switch them off); so are the other proofs: the erasure register, the suppression list (deleting from it
// would silence the "was erased before" warning), the objections kept from erased customers (deleting
// would let the company market to someone who objected) and users' name history, where only the end of the
// current period is ever written (foreign keys' cascades run as the owner). The migration bookkeeping is
// read by a serve start that finds nothing to migrate. Every other table, including those later
// migrations add, gets all four.
var serveLimits = map[string]string{
	"audit_events":         "SELECT, INSERT",
	"audit_seals":          "SELECT, INSERT",
	"erasures":             "SELECT, INSERT",
	"erasure_suppressions": "SELECT, INSERT",
	"objection_hashes":     "SELECT, INSERT",
	"user_name_history":    "SELECT, INSERT, UPDATE (valid_to)",
	"schema_migrations":    "SELECT",
	"river_migration":      "SELECT",
}

// ServeGrants are the statements that give role its rights on the schema, from nothing: run after every
// migration, so tables created since are covered and rights a table no longer needs are gone.
func ServeGrants(role string) []string {
	r := pgx.Identifier{role}.Sanitize()
	stmts := []string{
		"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM " + r,
		"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM " + r,
		// PostgreSQL 15 no longer lets PUBLIC create in schema public; an older or upgraded database may.
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC, " + r,
		"GRANT USAGE ON SCHEMA public TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + r,
		// nextval for identities and numbers, and setval (UPDATE): replaying the erasure ledger moves the
		// customer sequences past every erased customer.
		"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO " + r,
	}
	for _, table := range slices.Sorted(maps.Keys(serveLimits)) { // a fixed order: the test template's name hashes it
		t := pgx.Identifier{table}.Sanitize()
		stmts = append(stmts, "REVOKE ALL ON "+t+" FROM "+r, "GRANT "+serveLimits[table]+" ON "+t+" TO "+r)
	}
	return stmts
}

// grantServe gives role its rights, in one transaction of the owner's, so a running server never sees
// them half-way. A role that is the owner itself (one URL for both) needs nothing.
func grantServe(ctx context.Context, db *DB, role string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		var self bool
		if err := tx.QueryRow(ctx, `SELECT current_user = $1`, role).Scan(&self); err != nil || self {
			return mapErr(err, "grant serve role")
		}
		// Servers starting together (a rolling deploy) would otherwise fail on "tuple concurrently updated".
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('affar.grants', 0))`); err != nil {
			return mapErr(err, "grant serve role")
		}
		for _, stmt := range ServeGrants(role) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("grant serve role %s: %s: %w", role, stmt, err)
			}
		}
		return nil
	})
}

// RoleOf is the role a connection URL (or key=value string) signs in as, with libpq's defaults (PGUSER, the
// OS user) where it names none.
func RoleOf(url string) (string, error) {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("database url: %w", err)
	}
	return cfg.User, nil
}

// ServeRole is the role of serveURL, which the owner's migrations at ownerURL grant their rights to. Both
// must lead to the same database: an owner URL left over from elsewhere would migrate another one.
func ServeRole(ownerURL, serveURL string) (string, error) {
	owner, err := pgconn.ParseConfig(ownerURL)
	if err != nil {
		return "", fmt.Errorf("AFFAR_MIGRATE_URL: %w", err)
	}
	serve, err := pgconn.ParseConfig(serveURL)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	if owner.Database != serve.Database {
		return "", fmt.Errorf("AFFAR_MIGRATE_URL names database %q and DATABASE_URL %q: they must be the same database", owner.Database, serve.Database)
	}
	return serve.User, nil
}

// OwnedByMe counts the tables, sequences and views of schema public that the connection's role owns (or
// may act as the owner of): nothing, for a serve role.
func OwnedByMe(ctx context.Context, q Querier) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
		WHERE s.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'USAGE')`).Scan(&n)
	return n, mapErr(err, "owned relations")
}
