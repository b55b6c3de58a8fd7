package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
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
	actions, err := testutil.AuditActions(context.Background(), env.DB.Pool, 0)
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
	c := env.SignedInClient(t, "anna@example.se", false)
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
	for _, next := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", "/\t/evil.example",
		"/%09/evil.example", "/\n/evil.example", "javascript:alert(1)"} {
		r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}, "next": {next}})
		if r.Status != http.StatusSeeOther || (r.Location != "/" && !strings.HasPrefix(r.Location, "/%09")) || strings.HasPrefix(r.Location, "//") {
			t.Errorf("next=%q: redirected to %q, want a local path", next, r.Location)
		}
	}
}

func TestTokenRenewedAtEverySignIn(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)
	first := sessionCookie(t, c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}}))
	second := sessionCookie(t, c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {pw}}))
	if first == nil || second == nil || first.Value == second.Value {
		t.Fatal("signing in again kept the session token")
	}
	// The old token no longer works.
	old := env.NewClient(t)
	u, _ := url.Parse(env.HTTP.URL)
	old.Jar.SetCookies(u, []*http.Cookie{{Name: first.Name, Value: first.Value}})
	if r := old.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("the token from before the second sign-in: %d, want the sign-in page", r.Status)
	}
}

func TestParallelGuessesAreThrottled(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.MustCreateUser(t, "anna@example.se", false)
	const tries = 30
	statuses := make(chan int, tries)
	var wg sync.WaitGroup
	for i := 0; i < tries; i++ {
		wg.Go(func() {
			r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {"guess"}})
			statuses <- r.Status
		})
	}
	wg.Wait()
	close(statuses)
	evaluated := 0
	for s := range statuses {
		if s == http.StatusUnauthorized {
			evaluated++
		}
	}
	if evaluated > 5 {
		t.Fatalf("%d of %d parallel guesses had their password checked, want at most 5", evaluated, tries)
	}
}

func TestClientAddressBehindProxyIsTheLastHop(t *testing.T) {
	env := testutil.NewEnv(t, map[string]string{"AFFAR_TRUST_PROXY": "true"})
	c := env.NewClient(t)
	post := func(i int, forged string) int {
		req, _ := http.NewRequest(http.MethodPost, env.HTTP.URL+"/signin",
			strings.NewReader(url.Values{"email": {fmt.Sprintf("x%d@example.se", i)}, "password": {"p"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Add("X-Forwarded-For", forged)        // the client's own line, forged
		req.Header.Add("X-Forwarded-For", "203.0.113.7") // the line our proxy added
		return c.Do(req).Status
	}
	for i := 0; i < 20; i++ {
		post(i, fmt.Sprintf("198.51.100.%d", i))
	}
	if s := post(99, "198.51.100.99"); s != http.StatusTooManyRequests {
		t.Fatalf("after 20 failures from one proxied client with changing forged addresses: %d, want 429", s)
	}
}

func TestInFlightRequestCannotRestoreASignedOutSession(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "anna@example.se", false, authz.AuditView)
	u, _ := url.Parse(env.HTTP.URL)
	cookies := c.Jar.Cookies(u)

	// A request that started before the sign-out: its body arrives after it.
	pr, pw2 := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, env.HTTP.URL+"/language", pr)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	slow := env.NewClient(t)
	slow.Jar.SetCookies(u, cookies)
	done := make(chan testutil.Response)
	go func() { done <- slow.Do(req) }()
	if _, err := pw2.Write([]byte("language=")); err != nil {
		t.Fatal(err)
	}

	if r := c.PostForm("/signout", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.Status)
	}
	pw2.Write([]byte("en"))
	pw2.Close()
	<-done

	replay := env.NewClient(t)
	replay.Jar.SetCookies(u, cookies)
	if r := replay.Get("/audit"); r.Status != http.StatusSeeOther {
		t.Fatalf("the signed-out session after an in-flight request finished: %d, want the sign-in page", r.Status)
	}
}

func TestIdleTimeout(t *testing.T) {
	env := testutil.NewEnv(t, map[string]string{"AFFAR_SESSION_IDLE": "10m", "AFFAR_SESSION_LIFETIME": "8h"})
	c := env.SignedInClient(t, "anna@example.se", false)
	ctx := context.Background()

	// Nine idle minutes: still signed in, and the request counts as activity.
	env.Clock.Advance(9 * time.Minute)
	if r := c.Get("/"); r.Status != http.StatusOK {
		t.Fatalf("after 9 idle minutes: %d, want the dashboard", r.Status)
	}
	var lastSeen time.Time
	if err := env.DB.Pool.QueryRow(ctx, `SELECT last_seen_at FROM user_sessions`).Scan(&lastSeen); err != nil || !lastSeen.Equal(env.Clock.Now().Truncate(time.Microsecond)) {
		t.Fatalf("activity was not recorded: last seen %v, now %v (%v)", lastSeen, env.Clock.Now(), err)
	}
	env.Clock.Advance(9 * time.Minute)
	if r := c.Get("/"); r.Status != http.StatusOK {
		t.Fatalf("9 minutes after the last request: %d, want the dashboard", r.Status)
	}
	// Eleven idle minutes: gone.
	env.Clock.Advance(11 * time.Minute)
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("after 11 idle minutes: %d, want the sign-in page", r.Status)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	env := testutil.NewEnv(t, map[string]string{"AFFAR_SESSION_IDLE": "30m", "AFFAR_SESSION_LIFETIME": "1h"})
	c := env.SignedInClient(t, "anna@example.se", false)
	for i := 0; i < 3; i++ { // active all along
		env.Clock.Advance(20 * time.Minute)
		r := c.Get("/")
		if want := http.StatusOK; i == 2 {
			if r.Status != http.StatusSeeOther {
				t.Fatalf("an active session after 60 minutes: %d, want the sign-in page", r.Status)
			}
		} else if r.Status != want {
			t.Fatalf("an active session after %d minutes: %d", 20*(i+1), r.Status)
		}
	}
}

func TestDeactivationByCommandEndsSessions(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	id, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)
	c.SignIn("anna@example.se", pw)
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Users.SetActive(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("deactivated user's next request: %d", r.Status)
	}
	if err := env.Services.Users.SetActive(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	c.SignIn("anna@example.se", pw)
}
