package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// TestLimiterRefillsAtItsRate: a bucket spends its burst, lets the next requests wait their turn up to a
// second, then refuses and says how long until a token is there, serves again once that time has passed,
// and a full bucket is forgotten.
func TestLimiterRefillsAtItsRate(t *testing.T) {
	l := newLimiter(2, 3, 1)
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if delay, retry, _ := l.take("s:1", t0); delay != 0 || retry != 0 {
			t.Fatalf("request %d of the burst: delay %s, refused %s", i+1, delay, retry)
		}
	}
	for _, want := range []time.Duration{500 * time.Millisecond, time.Second} {
		if delay, retry, _ := l.take("s:1", t0); delay != want || retry != 0 {
			t.Fatalf("beyond the burst: delay %s, refused %s; want to wait %s", delay, retry, want)
		}
	}
	_, retry, first := l.take("s:1", t0)
	if retry != 1500*time.Millisecond || !first {
		t.Fatalf("a second's worth beyond the burst: retry %s, first %v; want 1.5s and the first refusal", retry, first)
	}
	if _, _, first := l.take("s:1", t0); first {
		t.Fatal("the second refusal in a row counted as the first")
	}
	if delay, retry, _ := l.take("s:2", t0); delay != 0 || retry != 0 {
		t.Fatal("another key had to wait")
	}
	if _, retry, _ := l.take("s:1", t0.Add(-time.Hour)); retry == 0 {
		t.Fatal("a clock set back refilled the bucket")
	}
	if delay, retry, _ := l.take("s:1", t0.Add(1500*time.Millisecond)); delay != 0 || retry != 0 {
		t.Fatalf("after the retry it named: delay %s, refused %s", delay, retry)
	}
	l.take("s:3", t0.Add(2*time.Minute))
	if _, ok := l.buckets["s:2"]; ok || len(l.buckets) != 1 {
		t.Fatalf("after a minute, full buckets are kept: %v", l.buckets)
	}
}

// TestRequestsOfOneUserTwoAtATime: of one session's requests, two are served at a time and the next waits
// for one of them to end (a request whose client has gone away is not served while it waits), while
// another session's requests are served at once.
func TestRequestsOfOneUserTwoAtATime(t *testing.T) {
	s := &Server{Deps: Deps{Sessions: scs.New()}, limits: newRateLimits(1000, 1000, 2)}
	started, release := make(chan struct{}), make(chan struct{})
	var served atomic.Int32
	h := s.rateLimit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Hold") != "" {
			started <- struct{}{}
			<-release
		}
		served.Add(1)
	}))
	ask := func(session string, hold, gone bool) *http.Request {
		ctx := context.Background()
		if gone {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			cancel()
		}
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/customers", nil)
		r.AddCookie(&http.Cookie{Name: s.Sessions.Cookie.Name, Value: session})
		if hold {
			r.Header.Set("X-Hold", "yes")
		}
		return r
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), ask("anna", true, false)) })
		<-started
	}
	h.ServeHTTP(httptest.NewRecorder(), ask("anna", false, true))
	if served.Load() != 0 {
		t.Fatalf("a third request of a session with two in progress was served at once")
	}
	h.ServeHTTP(httptest.NewRecorder(), ask("bo", false, true))
	if served.Load() != 1 {
		t.Fatalf("another session's request waited for the first session's")
	}
	release <- struct{}{} // one of anna's requests ends: the next waits for it, not for the other
	h.ServeHTTP(httptest.NewRecorder(), ask("anna", false, false))
	if served.Load() != 3 {
		t.Fatalf("anna's next request after one of two ended: served %d, want 3", served.Load())
	}
	release <- struct{}{}
	wg.Wait()
}
