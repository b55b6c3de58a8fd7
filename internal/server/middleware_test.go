package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/affar/affar/internal/testutil"
)

func TestCrossSitePostIsRefused(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "anna@example.se", false)

	for name, header := range map[string][2]string{
		"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site", "cross-site"},
		"foreign Origin":            {"Origin", "https://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, env.HTTP.URL+"/language", strings.NewReader("language=en"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header[0], header[1])
		if r := c.Do(req); r.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, r.Status)
		}
	}
	var lang *string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT language FROM users WHERE email = 'anna@example.se'`).Scan(&lang); err != nil {
		t.Fatal(err)
	}
	if lang != nil {
		t.Fatalf("a refused cross-site POST changed the language to %q", *lang)
	}
	// The same POST from the site itself works.
	if r := c.PostForm("/language", url.Values{"language": {"en"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d", r.Status)
	}
	if r := c.Get("/"); !strings.Contains(r.Body, "Language saved.") || !strings.Contains(r.Body, `lang="en"`) {
		t.Fatal("language change not shown in English on the dashboard")
	}
}

func TestLargeBodyIs413AndLogHoldsNoFormValues(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "anna@example.se", false)
	c := env.NewClient(t)

	big := url.Values{"email": {"anna@example.se"}, "password": {pw}, "notes": {strings.Repeat("x", 10<<20)}}
	if r := c.PostForm("/signin", big); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("10 MB form: status %d, want 413", r.Status)
	}
	// Without a Content-Length the limit still holds while reading.
	req, _ := http.NewRequest(http.MethodPost, env.HTTP.URL+"/signin", strings.NewReader(big.Encode()))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := c.Do(req); r.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("10 MB chunked form: status %d, want 413", r.Status)
	}

	c.PostForm("/signin", url.Values{"email": {"anna@example.se"}, "password": {"wrong-" + pw}})
	c.SignIn("anna@example.se", pw)
	c.Get("/audit?before=123&q=anna@example.se")
	log := env.Log.String()
	if !strings.Contains(log, "path=/signin") {
		t.Fatalf("access log has no request lines:\n%s", log)
	}
	for _, secret := range []string{pw, "anna@example.se", "anna%40example.se", "before=123"} {
		if strings.Contains(log, secret) {
			t.Errorf("server log contains %q", secret)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.NewClient(t)
	page := c.Get("/signin")
	want := map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
		"X-Request-Id":            "",
	}
	for h, part := range want {
		if v := page.Header.Get(h); v == "" || !strings.Contains(v, part) {
			t.Errorf("%s: %q, want it to contain %q", h, v, part)
		}
	}
	csp := page.Header.Get("Content-Security-Policy")
	if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q allows inline script", csp)
	}
	if strings.Contains(page.Body, "<script>") || strings.Contains(page.Body, "style=") {
		t.Error("page has inline script or style, which the CSP blocks")
	}
	static := c.Get("/static/js/htmx.min.js")
	if static.Status != http.StatusOK || static.Header.Get("Cache-Control") == "no-store" {
		t.Errorf("htmx: %d %q, want 200 and cacheable", static.Status, static.Header.Get("Cache-Control"))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.NewClient(t)
	if r := c.Get("/healthz"); r.Status != http.StatusOK {
		t.Errorf("/healthz: %d", r.Status)
	}
	if r := c.Get("/readyz"); r.Status != http.StatusOK {
		t.Errorf("/readyz: %d", r.Status)
	}
	env.DB.Close()
	if r := c.Get("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz without a database: %d, want 503", r.Status)
	}
}

func TestNotFoundPage(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "anna@example.se", false, "user.view")
	for _, path := range []string{"/no-such-page", "/users/999999", "/users/abc"} {
		if r := c.Get(path); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "<h1>") {
			t.Errorf("%s: %d, want the 404 page", path, r.Status)
		}
	}
}
