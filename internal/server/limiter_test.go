package server

import (
	"testing"
	"time"
)

// TestLimiterRefillsAtItsRate: a bucket spends its burst, says how long until the next token, serves
// again once that time has passed, and a full bucket is forgotten.
func TestLimiterRefillsAtItsRate(t *testing.T) {
	l := newLimiter(2, 3)
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if wait, _ := l.take("s:1", t0); wait != 0 {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	wait, first := l.take("s:1", t0)
	if wait != 500*time.Millisecond || !first {
		t.Fatalf("beyond the burst: wait %s, first %v; want 500ms and the first refusal", wait, first)
	}
	if _, first := l.take("s:1", t0); first {
		t.Fatal("the second refusal in a row counted as the first")
	}
	if wait, _ := l.take("s:2", t0); wait != 0 {
		t.Fatal("another key was refused")
	}
	if wait, _ := l.take("s:1", t0.Add(-time.Hour)); wait == 0 {
		t.Fatal("a clock set back refilled the bucket")
	}
	if wait, _ := l.take("s:1", t0.Add(500*time.Millisecond)); wait != 0 {
		t.Fatal("refused after the wait it named")
	}
	l.take("s:3", t0.Add(2*time.Minute))
	if _, ok := l.buckets["s:2"]; ok || len(l.buckets) != 1 {
		t.Fatalf("after a minute, full buckets are kept: %v", l.buckets)
	}
}
