package audit

import (
	"slices"
	"time"
)

// FoldWindow is how far apart two views by one user may be and still be shown as one line.
const FoldWindow = 5 * time.Minute

// Line is one line of a log as shown: an event, or a run of consecutive views by one user folded into one
// with its count and its first and last time. Every event stays stored; only the display folds them.
type Line struct {
	Entry       // the run's first event in the order given
	Count       int
	First, Last time.Time
	edge        time.Time // the time of the run's latest-added event, which the next must be near
}

// folds are the actions whose repeats are folded: looking again is not news, changing again is.
var folds = map[string]bool{CustomerViewed: true, CreditReportViewed: true, QuoteViewed: true}

// Fold folds each run of consecutive views by one user (each within FoldWindow of the one before) into one
// line per kind of view: a customer page seen by someone who may see credit reports records a customer
// view and a credit report view each time, and nine such visits are two lines, not eighteen. entries may be
// newest or oldest first; the lines keep their order.
func Fold(entries []Entry) []Line {
	var out []Line
	run := -1 // where the trailing run of one user's views starts in out, -1 when out does not end in one
	for _, e := range entries {
		if run >= 0 && extends(out[run:], e) {
			if i := slices.IndexFunc(out[run:], func(l Line) bool { return l.Action == e.Action }); i >= 0 {
				l := &out[run+i]
				l.Count++
				l.First, l.Last = minTime(l.First, e.At), maxTime(l.Last, e.At)
			} else {
				out = append(out, Line{Entry: e, Count: 1, First: e.At, Last: e.At})
			}
			for i := run; i < len(out); i++ {
				out[i].edge = e.At
			}
			continue
		}
		out = append(out, Line{Entry: e, Count: 1, First: e.At, Last: e.At, edge: e.At})
		run = -1
		if folds[e.Action] {
			run = len(out) - 1
		}
	}
	return out
}

// extends reports whether e continues the run of views lines: a view by the same user, near the last.
func extends(lines []Line, e Entry) bool {
	l := lines[0]
	gap := e.At.Sub(l.edge)
	return folds[e.Action] && sameActor(l.ActorID, e.ActorID) && gap <= FoldWindow && gap >= -FoldWindow
}

func sameActor[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
