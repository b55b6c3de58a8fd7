package pace

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestBusyWhileServingAndJustAfter: the gauge is busy while a request is served and for a moment after,
// not for probes, and idle once the moment has passed.
func TestBusyWhileServingAndJustAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	g := &Gauge{now: func() time.Time { return now }}
	if g.Busy() {
		t.Fatal("a new gauge is busy")
	}
	var busyInside bool
	h := g.Counting(func(r *http.Request) bool { return r.URL.Path == "/healthz" })(http.HandlerFunc(
		func(http.ResponseWriter, *http.Request) { busyInside = g.Busy() }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	if busyInside || g.Busy() {
		t.Fatal("a probe made the server busy")
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/customers", nil))
	if !busyInside {
		t.Error("not busy while a page is served")
	}
	if !g.Busy() {
		t.Error("not busy just after a page was served")
	}
	now = now.Add(recent)
	if g.Busy() {
		t.Errorf("still busy %s after the last page", recent)
	}
}

// TestYieldWaitsOnlyWhenBusy: idle, a worker goes on at once; busy, it waits so that it works Share of
// the time; a cancelled context ends the wait.
func TestYieldWaitsOnlyWhenBusy(t *testing.T) {
	g := &Gauge{}
	const worked = 20 * time.Millisecond
	start := time.Now()
	g.Yield(context.Background(), time.Hour)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("an idle server made the worker wait %s", d)
	}
	g.inFlight.Add(1)
	start = time.Now()
	g.Yield(context.Background(), worked)
	if d, want := time.Since(start), time.Duration(float64(worked)*(1-Share)/Share); d < want {
		t.Errorf("busy, waited %s after %s of work, want at least %s", d, worked, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	g.Yield(ctx, time.Hour)
	if d := time.Since(start); d > time.Second {
		t.Errorf("a cancelled worker waited %s", d)
	}
	var none *Gauge
	none.Yield(context.Background(), time.Hour) // a server without a gauge: no wait, no panic
}
