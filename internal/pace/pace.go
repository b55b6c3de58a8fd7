// Package pace lets background work (a bulk job's batches) give way to people: a Gauge counts the
// requests a server is answering, and a worker that has just done some work waits while people are
// waiting for pages. On a small machine a bulk job at full speed takes the cores the pages need.
package pace

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// Share is the part of the time a worker works while people are being served: after a batch that took
// d it waits d*(1-Share)/Share. Two bulk workers at a fifth each leave the pages most of two cores.
const Share = 0.2

// recent is how long after the last request the server counts as busy: clients that ask again at once
// (a person clicking on, a page's next request) are not let in behind a batch.
const recent = 200 * time.Millisecond

// Gauge counts the requests in flight and remembers when the last one ended. The zero Gauge is ready.
type Gauge struct {
	inFlight atomic.Int64
	lastEnd  atomic.Int64 // unix nanoseconds
	now      func() time.Time
}

// Counting is middleware that counts each request while it is served; probes (skip) are not counted.
func (g *Gauge) Counting(skip func(*http.Request) bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			g.inFlight.Add(1)
			defer func() {
				g.lastEnd.Store(g.clock().UnixNano())
				g.inFlight.Add(-1)
			}()
			next.ServeHTTP(w, r)
		})
	}
}

func (g *Gauge) clock() time.Time {
	if g.now != nil {
		return g.now()
	}
	return time.Now()
}

// Busy is whether people are being served: a request in flight, or one ended within recent.
func (g *Gauge) Busy() bool {
	return g.inFlight.Load() > 0 || g.clock().Sub(time.Unix(0, g.lastEnd.Load())) < recent
}

// Yield waits after work that took worked while the server is busy, so the worker takes about Share of
// its time; it returns at once when the server is idle, and early when ctx ends.
func (g *Gauge) Yield(ctx context.Context, worked time.Duration) {
	if g == nil || !g.Busy() {
		return
	}
	t := time.NewTimer(time.Duration(float64(worked) * (1 - Share) / Share))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
