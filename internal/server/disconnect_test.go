package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/testutil"
)

// waitFor polls cond until it holds; the test fails after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// TestClientThatWentAwayIsLoggedOnce: a client that disconnects while its request waits for the database
// is no server error: the request is logged once, as the access line, with status 499, and no line at
// error level.
func TestClientThatWentAwayIsLoggedOnce(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	c := env.SignedInClient(t, "anna@example.se", false, "customer.view")
	ctx := context.Background()

	// The list waits for this lock, so the client is surely gone while the request is under way.
	lock, err := env.DB.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `LOCK TABLE customers IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	logged := len(env.Log.String())

	reqCtx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodGet, env.HTTP.URL+"/customers", nil)
	done := make(chan error, 1)
	go func() {
		resp, err := c.Client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, "the list to wait for the lock", func() bool {
		var n int
		err := env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%customers%'`).Scan(&n)
		return err == nil && n > 0
	})
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the cancelled request got a response")
	}
	waitFor(t, "the request's access line", func() bool {
		return strings.Contains(env.Log.String()[logged:], "path=/customers")
	})
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	out := env.Log.String()[logged:]
	var access string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("a client that went away was logged as an error: %s", line)
		}
		if strings.Contains(line, "path=/customers") {
			access = line
		}
	}
	id := between(access, "request_id=", " ")
	if id == "" || strings.Count(out, id) != 1 || !strings.Contains(access, "status=499") || !strings.Contains(access, "level=INFO") {
		t.Fatalf("want one info line with status 499 for the request, got:\n%s", out)
	}
}

// between returns the text in s after start up to end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}
