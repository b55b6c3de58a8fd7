package devdb

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The roles of a local cluster, as README asks of a server (ASVS 13.2.2): OwnerRole owns Affär's
// databases and runs the migrations, and may create and drop databases (each test gets a fresh one);
// ServeRole is what the server and the tests' services connect as, with only the rights the migrations
// grant it.
const (
	OwnerRole = "affar_owner"
	ServeRole = "affar_app"
)

// rolePassword derives a role's password from the cluster's, so no further secret needs keeping.
func (c *Cluster) rolePassword(role string) string {
	m := hmac.New(sha256.New, []byte(c.password))
	m.Write([]byte(role))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:24]
}

// ensureRoles creates the two roles, or puts their attributes and passwords right, and hands databases
// made before the roles existed to OwnerRole.
func (c *Cluster) ensureRoles(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("devdb: connect: %w", err)
	}
	defer conn.Close(context.Background())
	for _, r := range []struct{ name, attrs string }{
		{OwnerRole, "CREATEDB"},
		{ServeRole, "NOCREATEDB"},
	} {
		var exists bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, r.name).Scan(&exists); err != nil {
			return fmt.Errorf("devdb: role %s: %w", r.name, err)
		}
		verb := "CREATE"
		if exists {
			verb = "ALTER"
		}
		stmt := verb + " ROLE " + r.name + " LOGIN " + r.attrs + " NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"
		if c.password != "" {
			// Utility statements take no parameters; the password is base64url, so it needs no escaping.
			stmt += " PASSWORD '" + c.rolePassword(r.name) + "'"
		}
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("devdb: %s role %s: %w", strings.ToLower(verb), r.name, err)
		}
	}
	// The owner drops each test's database WITH (FORCE), which ends the connections to it: the serve
	// role's, and an autovacuum worker's, which belongs to no role, so membership of the serve role would
	// not do.
	// pg_read_all_stats: the benchmarks, run as the owner, read every backend's waits in pg_stat_activity
	// and every statement in pg_stat_statements.
	if _, err := conn.Exec(ctx, "GRANT pg_signal_backend, pg_read_all_stats TO "+OwnerRole); err != nil {
		return fmt.Errorf("devdb: grant pg_signal_backend, pg_read_all_stats to %s: %w", OwnerRole, err)
	}
	// The view of the statistics the cluster preloads; make bench reads it in the maintenance database.
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Errorf("devdb: create extension pg_stat_statements: %w", err)
	}
	return c.adoptDatabases(ctx, conn)
}

// adoptDatabases gives OwnerRole the databases the superuser made before the roles existed (make run's,
// the benchmark's), with everything in their schema public, so migrating them as the owner works.
func (c *Cluster) adoptDatabases(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
		WHERE NOT datistemplate AND datname <> 'postgres' AND pg_get_userbyid(datdba) = 'postgres' ORDER BY datname`)
	if err != nil {
		return fmt.Errorf("devdb: list databases: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("devdb: list databases: %w", err)
	}
	for _, name := range names {
		fmt.Fprintf(c.log, "devdb: handing database %s to role %s\n", name, OwnerRole)
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" OWNER TO "+OwnerRole); err != nil {
			return fmt.Errorf("devdb: adopt %s: %w", name, err)
		}
		db, err := pgx.Connect(ctx, c.URL(name))
		if err != nil {
			return fmt.Errorf("devdb: adopt %s: %w", name, err)
		}
		_, err = db.Exec(ctx, adoptSQL)
		db.Close(context.Background())
		if err != nil {
			return fmt.Errorf("devdb: adopt %s: %w", name, err)
		}
	}
	return nil
}

// adoptSQL hands schema public's relations, routines and types to OwnerRole. Indexes, identity and serial
// sequences and table row types follow their table; extensions' members stay the extension's.
const adoptSQL = `DO $$
DECLARE r record;
BEGIN
	FOR r IN SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
			ELSE 'TABLE' END AS kind, c.oid::regclass AS name
		FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
			AND d.deptype IN ('a', 'i', 'e'))
	LOOP
		EXECUTE format('ALTER %s %s OWNER TO ` + OwnerRole + `', r.kind, r.name);
	END LOOP;
	FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('ALTER ROUTINE %s OWNER TO ` + OwnerRole + `', r.name);
	END LOOP;
	FOR r IN SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind, t.oid::regtype AS name
		FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r')
		AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('ALTER %s %s OWNER TO ` + OwnerRole + `', r.kind, r.name);
	END LOOP;
END $$`
