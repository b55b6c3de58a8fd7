// Package svctest tests that services authorise by themselves, whatever the route guard does: each
// exported method is a Case, called without an actor, with each permission it requires missing, and on
// the happy path, against a real database (testutil.NewEnv).
package svctest

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

// Case is one row of a service's table: a method, what it requires, and how to call it.
type Case struct {
	Name  string             // the method, then (after a space) which use of it, if several rows try one
	Perms []authz.Permission // the permissions it requires (authz.Require, RequireAll)
	Admin bool               // it is for admins only (authz.RequireAdmin)
	// Call calls the method with ctx, keeping what it returns for Check.
	Call func(ctx context.Context) error
	// Audit lists the actions the happy path records, in order (none for a read that records nothing).
	Audit []string
	// Check, if set, checks the happy path's result.
	Check func(t *testing.T)
}

// Harness is an application on a fresh database and a user to act as.
type Harness struct {
	*testutil.Env
	owner *postgres.DB // reads every table, for the before-and-after of a refused call
	user  domain.User
}

// ActorEmail is the address of the user every actor of a Harness is.
const ActorEmail = "actor@example.com"

// New starts an application on a fresh database with one user, ActorEmail, who holds nothing in the
// database: an actor's permissions are those As puts in the context, as the request's are.
func New(t *testing.T) *Harness {
	t.Helper()
	env := testutil.NewEnv(t, nil)
	id, _ := env.MustCreateUser(t, ActorEmail, false)
	return &Harness{Env: env, owner: env.Owner(t),
		user: domain.User{ID: id, Email: ActorEmail, Name: "User " + ActorEmail, Active: true}}
}

// As returns a context whose actor is the harness's user holding perms, not an admin.
func (h *Harness) As(perms ...authz.Permission) context.Context {
	return authz.WithActor(context.Background(), authz.NewActor(h.user, perms))
}

// AsAdmin returns a context whose actor is the harness's user as an admin.
func (h *Harness) AsAdmin() context.Context {
	u := h.user
	u.IsAdmin = true
	return authz.WithActor(context.Background(), authz.NewActor(u, nil))
}

// allBut is the whole catalogue except p: no other permission may stand in for the one required.
func allBut(p authz.Permission) []authz.Permission {
	return slices.DeleteFunc(authz.All(), func(q authz.Permission) bool { return q == p })
}

// Run runs each case as subtests: without an actor the call fails with domain.ErrUnauthenticated; with an
// actor holding every permission but one it requires (for Admin, every permission without being an
// admin) it fails with domain.ErrForbidden; neither changes a row of any table. With exactly the required
// permissions (an admin for Admin) it succeeds, records Audit and passes Check.
func (h *Harness) Run(t *testing.T, cases ...Case) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if len(c.Perms) == 0 && !c.Admin {
				t.Fatal("a case needs Perms or Admin: test methods without a permission check on their own")
			}
			t.Run("unauthenticated", func(t *testing.T) { h.refused(t, context.Background(), c, domain.ErrUnauthenticated) })
			if c.Admin {
				t.Run("not admin", func(t *testing.T) { h.refused(t, h.As(authz.All()...), c, domain.ErrForbidden) })
			}
			for _, p := range c.Perms {
				t.Run("without "+string(p), func(t *testing.T) { h.refused(t, h.As(allBut(p)...), c, domain.ErrForbidden) })
			}
			t.Run("happy path", func(t *testing.T) {
				ctx := h.As(c.Perms...)
				if c.Admin {
					ctx = h.AsAdmin()
				}
				since := h.LastAudit(t)
				if err := c.Call(ctx); err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				if got := h.ActionsSince(t, since); !slices.Equal(got, c.Audit) {
					t.Errorf("recorded %q, want %q", got, c.Audit)
				}
				if c.Check != nil {
					c.Check(t)
				}
			})
		})
	}
}

// refused calls c with ctx and wants err, with every table as it was.
func (h *Harness) refused(t *testing.T, ctx context.Context, c Case, want error) {
	t.Helper()
	before := h.fingerprint(t)
	if err := c.Call(ctx); !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", c.Name, err, want)
	}
	after := h.fingerprint(t)
	for _, table := range slices.Sorted(maps.Keys(before)) {
		if after[table] != before[table] {
			t.Errorf("%s changed table %s, which it should not have got to", c.Name, table)
		}
	}
}

// fingerprint is a digest of every table's rows, by table.
func (h *Harness) fingerprint(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	var query string
	err := h.owner.Pool.QueryRow(ctx, `SELECT string_agg(format(
		'SELECT %L, md5(coalesce(string_agg(x::text, %L ORDER BY x::text), %L)) FROM %I.%I x',
		schemaname || '.' || tablename, E'\n', '', schemaname, tablename), ' UNION ALL ')
		FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`).Scan(&query)
	if err != nil {
		t.Fatal(err)
	}
	type sum struct{ Table, Sum string }
	rows, err := h.owner.Pool.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByPos[sum])
	if err != nil {
		t.Fatal(err)
	}
	sums := make(map[string]string, len(all))
	for _, s := range all {
		sums[s.Table] = s.Sum
	}
	return sums
}

// LastAudit is the id of the newest audit event (0 for none), for ActionsSince.
func (h *Harness) LastAudit(t *testing.T) int64 {
	t.Helper()
	var id int64
	if err := h.owner.Pool.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// ActionsSince returns the actions recorded after the audit event since, in order.
func (h *Harness) ActionsSince(t *testing.T, since int64) []string {
	t.Helper()
	rows, err := h.owner.Pool.Query(context.Background(), `SELECT action FROM audit_events WHERE id > $1 ORDER BY id`, since)
	if err != nil {
		t.Fatal(err)
	}
	actions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return actions
}

// Methods fails unless the exported methods of svc (a pointer to a service) are exactly tested: a method
// added to a service fails its test until it gets rows (or a test of what guards it instead).
func Methods(t *testing.T, svc any, tested ...string) {
	t.Helper()
	typ := reflect.TypeOf(svc)
	var have []string
	for i := range typ.NumMethod() {
		have = append(have, typ.Method(i).Name) // in name order
	}
	want := slices.Sorted(slices.Values(tested))
	if !slices.Equal(have, want) {
		t.Errorf("%s has methods %q, the tests cover %q", typ, have, want)
	}
}

// statements counts the statements sent on a pool (BEGIN and COMMIT too).
type statements struct{ n atomic.Int64 }

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// CountingDB is a second pool on the harness's database that counts the statements sent on it: give it to
// a copy of a service to count what a call costs.
func (h *Harness) CountingDB(t *testing.T) (db *postgres.DB, count func() int64) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(h.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	s := &statements{}
	cfg.ConnConfig.Tracer = s
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &postgres.DB{Pool: pool}, s.n.Load
}
