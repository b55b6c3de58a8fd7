package audit

import "time"

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
var folds = map[string]bool{CustomerViewed: true, CreditReportViewed: true}

// Fold folds each run of consecutive views (same user, same action, each within FoldWindow of the one
// before) into one line. entries may be newest or oldest first; the lines keep their order.
func Fold(entries []Entry) []Line {
	var out []Line
	for _, e := range entries {
		if n := len(out); n > 0 && follows(out[n-1], e) {
			l := &out[n-1]
			l.Count++
			l.First, l.Last, l.edge = minTime(l.First, e.At), maxTime(l.Last, e.At), e.At
			continue
		}
		out = append(out, Line{Entry: e, Count: 1, First: e.At, Last: e.At, edge: e.At})
	}
	return out
}

func follows(l Line, e Entry) bool {
	gap := e.At.Sub(l.edge)
	return folds[e.Action] && e.Action == l.Action && sameActor(l.ActorID, e.ActorID) && gap <= FoldWindow && gap >= -FoldWindow
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
