package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
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
	perm  authz.Permission // "" for a user without any permission
}

func subjects() []subject {
	subs := []subject{{name: "anonymous", anon: true}, {name: "no permission"}, {name: "admin", admin: true}}
	for _, p := range authz.All() {
		subs = append(subs, subject{name: string(p), perm: p})
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
		return s.admin || (s.perm != "" && s.perm == rt.perm)
	}
	return false
}

type accessDecl struct {
	kind string
	perm authz.Permission
}

// concrete turns a pattern into a path that reaches its handler.
func concrete(pattern string, userID int64) string {
	p := strings.ReplaceAll(pattern, "{id}", strconv.FormatInt(userID, 10))
	return strings.ReplaceAll(p, "/*", "/css/app.css")
}

// TestPermissionMatrix gives a user exactly one permission at a time (plus none, admin and anonymous)
// and checks every route answers as declared. A denied request must change no row and write no audit
// event other than the denial.
func TestPermissionMatrix(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	targetID, _ := env.MustCreateUser(t, "target@example.se", false)
	ctx := context.Background()

	for i, s := range subjects() {
		t.Run(s.name, func(t *testing.T) {
			c := env.NewClient(t)
			var email, pw string
			if !s.anon {
				email = fmt.Sprintf("subject%d@example.se", i)
				if s.perm != "" {
					_, pw = env.MustCreateUser(t, email, s.admin, s.perm)
				} else {
					_, pw = env.MustCreateUser(t, email, s.admin)
				}
				c.SignIn(email, pw)
			}
			for _, rt := range env.Server.Routes() {
				decl := accessDecl{kind: rt.Access.Kind(), perm: rt.Access.Permission()}
				path := concrete(rt.Pattern, int64(targetID))
				before := snapshot(t, env.DB)
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
					if resp.Status == http.StatusForbidden || resp.Status == http.StatusSeeOther && strings.HasPrefix(resp.Location, "/signin") && label != "POST /signout" {
						t.Errorf("%s: %s got %d (%s), want allowed", label, s.name, resp.Status, resp.Location)
					}
				default:
					if resp.Status != http.StatusForbidden {
						t.Errorf("%s: %s got %d, want 403", label, s.name, resp.Status)
					}
				}

				denied := resp.Status == http.StatusForbidden || (s.anon && decl.kind != "public")
				if resp.Status == http.StatusForbidden {
					actions, err := postgres.AuditActions(ctx, env.DB.Pool, lastEvent)
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
					actions, err := postgres.AuditActions(ctx, env.DB.Pool, lastEvent)
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
		})
	}
}

// snapshot digests every table that holds business data (sessions and the audit log are checked
// separately), so any changed row shows.
func snapshot(t *testing.T, db *postgres.DB) string {
	t.Helper()
	var out strings.Builder
	for _, table := range []string{"users", "user_permissions", "signin_throttle"} {
		var digest string
		err := db.Pool.QueryRow(context.Background(),
			`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`).Scan(&digest)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s=%s ", table, digest)
	}
	return out.String()
}

func lastEventID(t *testing.T, db *postgres.DB) int64 {
	t.Helper()
	var id int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
