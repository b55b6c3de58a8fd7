package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

func sessionCookie(t *testing.T, resp testutil.Response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: resp.Header}).Cookies() {
		if strings.Contains(c.Name, "affar_session") {
			return c
		}
	}
	return nil
}

func TestSignInAndOut(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false, authz.AuditView)
	c := env.NewClient(t)

	if r := c.Get("/audit"); r.Status != http.StatusSeeOther || r.Location != "/signin?next=%2Faudit" {
		t.Fatalf("anonymous GET /audit: %d %q, want redirect to sign-in remembering the page", r.Status, r.Location)
	}
	page := c.Get("/signin?next=%2Faudit")
	preSignIn := sessionCookie(t, page)

	r := c.PostForm("/signin", url.Values{"email": {"Anna@Example.se "}, "password": {pw}, "next": {"/audit"}})
	if r.Status != http.StatusSeeOther || r.Location != "/audit" {
		t.Fatalf("sign-in: %d %q, want 303 to /audit", r.Status, r.Location)
	}
	cookie := sessionCookie(t, r)
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", cookie)
	}
	if preSignIn != nil && preSignIn.Value == cookie.Value {
		t.Fatal("session token was not renewed at sign-in")
	}
	if r := c.Get("/audit"); r.Status != http.StatusOK || !strings.Contains(r.Body, "auth.sign_in") && !strings.Contains(r.Body, "Inloggning") {
		t.Fatalf("signed-in GET /audit: %d, want the log with the sign-in event", r.Status)
	}

	// Sign-out destroys the session server-side: replaying the old cookie does not work.
	stolen := &http.Cookie{Name: cookie.Name, Value: cookie.Value}
	if r := c.PostForm("/signout", nil); r.Status != http.StatusSeeOther || r.Location != "/signin?signed_out=1" {
		t.Fatalf("sign-out: %d %q", r.Status, r.Location)
	}
	replay := env.NewClient(t)
	u, _ := url.Parse(env.HTTP.URL)
	replay.Jar.SetCookies(u, []*http.Cookie{stolen})
	if r := replay.Get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/signin") {
		t.Fatalf("old session cookie after sign-out: %d %q, want the sign-in page", r.Status, r.Location)
	}
	actions, err := postgres.AuditActions(context.Background(), env.DB.Pool, 0)
	if err != nil {
		t.Fatal(err)
	}
	if actions["auth.sign_in"] != 1 || actions["auth.sign_out"] != 1 {
		t.Fatalf("audit events %v, want one sign-in and one sign-out", actions)
	}
}

func TestSignInFailureIsGeneric(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)

	wrong := c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw + "x"}})
	unknown := c.PostForm("/signin", url.Values{"email": {"nobody@example.se"}, "password": {pw}})
	for name, r := range map[string]testutil.Response{"wrong password": wrong, "unknown account": unknown} {
		if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, `id="signin-error"`) {
			t.Errorf("%s: status %d, want 401 with the sign-in error", name, r.Status)
		}
	}
	errorText := func(body string) string {
		i := strings.Index(body, `id="signin-error">`)
		return body[i : i+strings.Index(body[i:], "<")]
	}
	if errorText(wrong.Body) != errorText(unknown.Body) {
		t.Fatalf("messages differ: %q vs %q", errorText(wrong.Body), errorText(unknown.Body))
	}
	if !strings.Contains(unknown.Body, `value="nobody@example.se"`) {
		t.Error("the e-mail address typed was not kept in the form")
	}
	if strings.Contains(wrong.Body, pw) {
		t.Error("the password was echoed back")
	}

	// Neither the password nor the unknown address is stored anywhere in clear.
	var hits int
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events e
		WHERE e::text LIKE '%nobody@example%' OR e::text LIKE '%' || $1 || '%'`, pw).Scan(&hits)
	if err != nil || hits != 0 {
		t.Fatalf("audit events holding the address or password: %d (%v)", hits, err)
	}
	var failures int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'auth.sign_in_failed'`).Scan(&failures); err != nil || failures != 2 {
		t.Fatalf("sign-in failure events: %d (%v), want 2", failures, err)
	}
	for _, secret := range []string{pw, "nobody@example.se", "anna@example.se"} {
		if strings.Contains(env.Log.String(), secret) {
			t.Errorf("server log contains %q", secret)
		}
	}
}

func TestSignInIsThrottledPerAccount(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)
	for i := 0; i < 5; i++ {
		if r := c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {"guess"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, r.Status)
		}
	}
	// Locked: even the right password is refused, with a message saying how long.
	r := c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}})
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "15") {
		t.Fatalf("after 5 failures: status %d, want 429 naming 15 minutes", r.Status)
	}
	// Another account from the same address is not locked by this.
	_, pw2 := env.MustCreateUser(t, "bo@example.se", false)
	env.NewClient(t).SignIn("bo@example.se", pw2)

	env.Clock.Advance(16 * time.Minute)
	c.SignIn("anna@example.se", pw)
}

func TestSignInIsThrottledPerClient(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)
	for i := 0; i < 20; i++ {
		email := "guess" + string(rune('a'+i)) + "@example.se"
		if r := c.PostForm("/signin", url.Values{"email": {email}, "password": {"guess"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i+1, r.Status)
		}
	}
	if r := c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("after 20 failures from one address: status %d, want 429", r.Status)
	}
}

func TestDeactivatedUserLosesSessionAtOnce(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	id, pw := env.MustCreateUser(t, "anna@example.se", false, authz.AuditView)
	c := env.NewClient(t)
	c.SignIn("anna@example.se", pw)
	if r := c.Get("/audit"); r.Status != http.StatusOK {
		t.Fatalf("GET /audit: %d", r.Status)
	}
	// Revoking a permission takes effect on the next request.
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Users.SetPermissions(ctx, id, nil, []authz.Permission{authz.AuditView}); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/audit"); r.Status != http.StatusForbidden {
		t.Fatalf("GET /audit after revocation: %d, want 403", r.Status)
	}
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE users SET active = false WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/signin") {
		t.Fatalf("deactivated user's next request: %d %q, want the sign-in page", r.Status, r.Location)
	}
	if r := c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("deactivated user signing in: %d, want 401", r.Status)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	env := testutil.NewEnv(t, map[string]string{"AFFAR_SESSION_IDLE": "1s", "AFFAR_SESSION_LIFETIME": "1h"})
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)
	c.SignIn("anna@example.se", pw)
	// The session store keeps the expiry; move it into the past as time passing would.
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE sessions SET expiry = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("expired session: %d, want redirect to sign-in", r.Status)
	}
}

func TestSecureCookieWhenServedOverHTTPS(t *testing.T) {
	env := testutil.NewEnv(t, map[string]string{"AFFAR_BASE_URL": "https://affar.example.se"})
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}})
	cookie := sessionCookie(t, r)
	if cookie == nil || cookie.Name != "__Host-affar_session" || !cookie.Secure || !cookie.HttpOnly || cookie.Path != "/" {
		t.Fatalf("cookie %+v: want __Host-affar_session, Secure, HttpOnly, Path=/", cookie)
	}
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header when served over HTTPS")
	}
}

func TestNextCannotLeaveTheSite(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example"} {
		r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}, "next": {next}})
		if r.Status != http.StatusSeeOther || r.Location != "/" {
			t.Errorf("next=%q: redirected to %q, want /", next, r.Location)
		}
	}
}
