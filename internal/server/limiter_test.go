package server

import (
	"testing"
	"time"
)

// TestLimiterRefillsAtItsRate: a bucket spends its burst, lets the next requests wait their turn up to a
// second, then refuses and says how long until a token is there, serves again once that time has passed,
// and a full bucket is forgotten.
func TestLimiterRefillsAtItsRate(t *testing.T) {
	l := newLimiter(2, 3)
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
