package server_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/testutil"
)

// TestRequestsBeyondTheRateGet429: a session that sends more than its burst at once is answered 429 with
// Retry-After and a page in the user's language, without touching other users; the user's other sessions
// share the allowance. Anonymous requests are counted by client address. (A token per 100 s: none comes
// back while the test runs.)
func TestRequestsBeyondTheRateGet429(t *testing.T) {
	env := testutil.NewEnv(t, map[string]string{"AFFAR_RATE_LIMIT": "0.01", "AFFAR_RATE_BURST": "6"})
	_, pwA := env.MustCreateUser(t, "anna@example.se", false, "customer.view")
	_, pwB := env.MustCreateUser(t, "bo@example.se", false, "customer.view")
	anna, anna2, bo := env.NewClient(t), env.NewClient(t), env.NewClient(t)
	anna.SignIn("anna@example.se", pwA)
	anna2.SignIn("anna@example.se", pwA)
	anna2.Get("/") // its user is known from now on
	bo.SignIn("bo@example.se", pwB)
	if r := bo.PostForm("/language", url.Values{"language": {"en"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("language: %d", r.Status)
	}

	served := 0 // by the last limited
	limited := func(c *testutil.Client, path string) testutil.Response {
		t.Helper()
		for served = 0; served < 20; served++ {
			if r := c.Get(path); r.Status == http.StatusTooManyRequests {
				return r
			} else if r.Status != http.StatusOK {
				t.Fatalf("%s: %d before the limit", path, r.Status)
			}
		}
		t.Fatalf("%s: 20 requests at once were all served", path)
		return testutil.Response{}
	}
	// Retry-After: the time until a token is back (100 s less what has come back since the burst).
	retryAfter := func(r testutil.Response) string {
		t.Helper()
		if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 90 || n > 100 {
			t.Fatalf("Retry-After %q, want about 100 seconds", r.Header.Get("Retry-After"))
		}
		return r.Header.Get("Retry-After")
	}
	r := limited(anna, "/customers")
	if secs := retryAfter(r); !strings.Contains(r.Body, "För många förfrågningar") ||
		!strings.Contains(r.Body, "Försök igen om "+secs+" sekunder") {
		t.Fatalf("429: Retry-After %q, body %s", r.Header.Get("Retry-After"), r.Body)
	}
	if limited(anna2, "/customers"); served > 1 {
		t.Fatalf("the same user's other session was served %d more requests, its own burst", served)
	}
	if r := bo.Get("/customers"); r.Status != http.StatusOK {
		t.Fatalf("another user was limited too: %d", r.Status)
	}
	r = limited(bo, "/customers")
	if secs := retryAfter(r); !strings.Contains(r.Body, "Too many requests") || !strings.Contains(r.Body, "Try again in "+secs+" seconds") {
		t.Fatalf("429 in English: %s", r.Body)
	}

	anon := env.NewClient(t)
	retryAfter(limited(anon, "/signin"))
	if r := env.NewClient(t).Get("/signin"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("anonymous requests from the same address: %d, want them counted together", r.Status)
	}
	// A made-up session cookie is no way around it.
	forged := env.NewClient(t)
	req, _ := http.NewRequest(http.MethodGet, env.HTTP.URL+"/signin", nil)
	req.AddCookie(&http.Cookie{Name: "affar_session", Value: "made-up-token"})
	if r := forged.Do(req); r.Status != http.StatusTooManyRequests {
		t.Fatalf("a made-up session cookie from the same address: %d, want 429", r.Status)
	}
	if r := bo.Get("/healthz"); r.Status != http.StatusOK {
		t.Fatalf("a probe from a limited session: %d", r.Status)
	}
}
