package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/internal/server"
	"github.com/affar/affar/internal/testutil"
)

// TestEveryRouteIsInTheTable walks the real router and fails on any route that is not declared in the
// route table (with its permission), and on any table entry that is not routed.
func TestEveryRouteIsInTheTable(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	declared := map[string]bool{}
	for _, rt := range env.Server.Routes() {
		key := rt.Method + " " + rt.Pattern
		if declared[key] {
			t.Errorf("route %s is declared twice", key)
		}
		declared[key] = true
		if rt.Access.Kind() == "undeclared" {
			t.Errorf("route %s has no permission declared", key)
		}
	}
	routed := map[string]bool{}
	err := chi.Walk(env.Server.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		key := method + " " + route
		routed[key] = true
		if !declared[key] {
			t.Errorf("route %s is served but not declared in the route table with a permission", key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range declared {
		if !routed[key] {
			t.Errorf("route table entry %s is not routed", key)
		}
	}
}

// subject is who makes the requests of one matrix column.
type subject struct {
	name  string
	anon  bool
	admin bool
	perms []authz.Permission
}

// subjects: anonymous, no permission, admin, each permission alone, and each combination a route needs.
func subjects(routes []server.Route) []subject {
	subs := []subject{{name: "anonymous", anon: true}, {name: "no permission"}, {name: "admin", admin: true}}
	for _, p := range authz.All() {
		subs = append(subs, subject{name: string(p), perms: []authz.Permission{p}})
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if ps := rt.Access.Permissions(); len(ps) > 1 && !seen[rt.Access.String()] {
			seen[rt.Access.String()] = true
			subs = append(subs, subject{name: rt.Access.String(), perms: ps})
		}
		// NeedsAndAny: all of Permissions with each one of OneOf (allowed), and all of them alone (refused).
		if one := rt.Access.OneOf(); len(one) > 0 && !seen[rt.Access.String()] {
			seen[rt.Access.String()] = true
			ps := rt.Access.Permissions()
			subs = append(subs, subject{name: rt.Access.String() + " without one of", perms: ps})
			for _, p := range one {
				subs = append(subs, subject{name: rt.Access.String() + " with " + string(p), perms: append(slices.Clone(ps), p)})
			}
		}
	}
	return subs
}

// allowed is what the table declares for s, spelled out independently of the guard's code.
func allowed(rt accessDecl, s subject) bool {
	switch rt.kind {
	case "public":
		return true
	case "any user":
		return !s.anon
	case "admin":
		return s.admin
	case "permission":
		if s.admin {
			return true
		}
		if rt.anyOf {
			return slices.ContainsFunc(rt.perms, func(p authz.Permission) bool { return slices.Contains(s.perms, p) })
		}
		if len(rt.oneOf) > 0 && !slices.ContainsFunc(rt.oneOf, func(p authz.Permission) bool { return slices.Contains(s.perms, p) }) {
			return false
		}
		for _, p := range rt.perms {
			if !slices.Contains(s.perms, p) {
				return false
			}
		}
		return len(rt.perms) > 0
	}
	return false
}

type accessDecl struct {
	kind  string
	perms []authz.Permission
	anyOf bool
	oneOf []authz.Permission // besides perms, one of these (NeedsAndAny)
}

// fixtures are the ids the matrix puts into route patterns.
type fixtures struct{ user, customer, contact, supplier, supplierContact, quote, request, letter, rule int64 }

// concrete turns a pattern into a path that reaches its handler.
func concrete(pattern string, f fixtures) string {
	id, contact := f.user, f.contact
	switch {
	case strings.HasPrefix(pattern, "/customers/"):
		id = f.customer
	case strings.HasPrefix(pattern, "/suppliers/"):
		id, contact = f.supplier, f.supplierContact
	case strings.HasPrefix(pattern, "/quotes/"):
		id = f.quote
	case strings.HasPrefix(pattern, "/requests/"):
		id = f.request
	case strings.HasPrefix(pattern, "/privacy/rules/"):
		id = f.rule
	}
	p := strings.ReplaceAll(pattern, "{id}", strconv.FormatInt(id, 10))
	p = strings.ReplaceAll(p, "{contactID}", strconv.FormatInt(contact, 10))
	p = strings.ReplaceAll(p, "{letter}", strconv.FormatInt(f.letter, 10))
	return strings.ReplaceAll(p, "/*", "/css/app.css")
}

// TestPermissionMatrix gives a user exactly one permission at a time (plus none, admin and anonymous)
// and checks every route answers as declared. A denied request must change no row and write no audit
// event other than the denial.
func TestPermissionMatrix(t *testing.T) {
	// The subjects are shared out over environments of their own that run side by side: a request per
	// route and subject is the package's longest test.
	for shard := range matrixShards {
		t.Run(fmt.Sprintf("shard%d", shard), func(t *testing.T) {
			t.Parallel()
			env, fx := matrixEnv(t)
			for i, s := range subjects(env.Server.Routes()) {
				if i%matrixShards == shard {
					t.Run(s.name, func(t *testing.T) { checkSubject(t, env, fx, i, s) })
				}
			}
		})
	}
}

const matrixShards = 2

// matrixEnv is an environment with one record of every kind a route's path names.
func matrixEnv(t *testing.T) (*testutil.Env, fixtures) {
	env := testutil.NewEnv(t, nil)
	targetID, _ := env.MustCreateUser(t, "target@example.se", false)
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Matris AB"})
	sup := env.MustCreateSupplier(t, domain.SupplierInput{Name: "Matris Leverans AB"})
	fx := fixtures{user: int64(targetID), customer: int64(cust.ID), contact: env.MustAddContact(t, cust.ID, "Kim Kontakt"),
		supplier: int64(sup.ID), supplierContact: env.MustAddSupplierContact(t, sup.ID, "Sam Säljare"),
		quote: int64(env.MustCreateQuote(t, cust.ID).ID)}
	ctx := context.Background()
	req, err := env.Services.Requests.Register(authz.WithActor(ctx, authz.System()), request.Input{Kinds: []string{"access"},
		Received: env.Clock.Now().In(domain.Stockholm).Format(domain.DateLayout), Channel: "email", Name: "Matris Person"})
	if err != nil {
		t.Fatal(err)
	}
	fx.request = req.ID
	rules, err := env.Services.Rules.List(authz.WithActor(ctx, authz.System()))
	if err != nil {
		t.Fatal(err)
	}
	fx.rule = rules[0].ID
	if fx.letter, err = env.Services.Requests.SendLetter(authz.WithActor(ctx, authz.System()), req.ID,
		request.SendInput{Method: domain.LetterPrinted}); err != nil {
		t.Fatal(err)
	}
	return env, fx
}

// checkSubject requests every route as subject s (the i-th) and checks the answer against the table.
func checkSubject(t *testing.T, env *testutil.Env, fx fixtures, i int, s subject) {
	ctx := context.Background()
	c := env.NewClient(t)
	var email, pw string
	if !s.anon {
		email = fmt.Sprintf("subject%d@example.se", i)
		_, pw = env.MustCreateUser(t, email, s.admin, s.perms...)
		c.SignIn(email, pw)
	}
	for _, rt := range env.Server.Routes() {
		decl := accessDecl{kind: rt.Access.Kind(), perms: rt.Access.Permissions(), anyOf: rt.Access.AnyOf(), oneOf: rt.Access.OneOf()}
		path := concrete(rt.Pattern, fx)
		var before string // what a denied POST must leave as it was
		if rt.Method != http.MethodGet {
			before = snapshot(t, env.DB)
		}
		lastEvent := lastEventID(t, env.DB)

		var resp testutil.Response
		if rt.Method == http.MethodGet {
			resp = c.Get(path)
		} else {
			resp = c.PostForm(path, url.Values{})
		}
		label := rt.Method + " " + rt.Pattern

		switch {
		case s.anon && decl.kind != "public":
			if resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "/signin") {
				t.Errorf("%s: anonymous got %d %q, want a redirect to the sign-in page", label, resp.Status, resp.Location)
			}
		case allowed(decl, s):
			if resp.Status == http.StatusForbidden || resp.Status >= 500 ||
				resp.Status == http.StatusSeeOther && strings.HasPrefix(resp.Location, "/signin") && label != "POST /signout" {
				t.Errorf("%s: %s got %d (%s), want allowed", label, s.name, resp.Status, resp.Location)
			}
		default:
			if resp.Status != http.StatusForbidden {
				t.Errorf("%s: %s got %d, want 403", label, s.name, resp.Status)
			}
		}

		denied := resp.Status == http.StatusForbidden || (s.anon && decl.kind != "public")
		if resp.Status == http.StatusForbidden {
			actions, err := testutil.AuditActions(ctx, env.DB.Pool, lastEvent)
			if err != nil {
				t.Fatal(err)
			}
			if actions["authz.denied"] != 1 {
				t.Errorf("%s: refusal of %s was not audited by the route guard (events %v)", label, s.name, actions)
			}
		}
		if denied && rt.Method != http.MethodGet {
			if after := snapshot(t, env.DB); after != before {
				t.Errorf("%s: denied POST by %s changed data:\nbefore %v\nafter  %v", label, s.name, before, after)
			}
			actions, err := testutil.AuditActions(ctx, env.DB.Pool, lastEvent)
			if err != nil {
				t.Fatal(err)
			}
			for action := range actions {
				if action != "authz.denied" {
					t.Errorf("%s: denied POST by %s wrote audit event %q", label, s.name, action)
				}
			}
			if !s.anon && actions["authz.denied"] != 1 {
				t.Errorf("%s: denied POST by %s wrote %d denial events, want 1", label, s.name, actions["authz.denied"])
			}
		}
		if label == "POST /signout" && !s.anon {
			c.SignIn(email, pw) // carry on signed in
		}
	}
}

// snapshot digests every table except sessions and the audit log with its counts of refusals (checked
// separately), so any changed row shows, also in tables added later.
func snapshot(t *testing.T, db *postgres.DB) string {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
		AND table_name NOT IN ('sessions', 'audit_events', 'audit_pending', 'audit_seals', 'denial_counts', 'schema_migrations') ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	// One statement for every table's digest: the permission matrix takes a snapshot per route and subject.
	digests := make([]string, len(tables))
	for i, table := range tables {
		digests[i] = fmt.Sprintf(`'%s=' || (SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t)`,
			table, pgx.Identifier{table}.Sanitize())
	}
	var out string
	if err := db.Pool.QueryRow(ctx, `SELECT concat_ws(' ', `+strings.Join(digests, ", ")+`)`).Scan(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func lastEventID(t *testing.T, db *postgres.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
