package server

import (
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

// TestErasureCSVCountsHeldQuotes: a bulk job's entry counts its kept quotes per date in words that agree
// with the count, in the reader's language (the database test has no bulk job).
func TestErasureCSVCountsHeldQuotes(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2033, 1, d, 0, 0, 0, 0, time.UTC) }
	job := domain.Erasure{Kind: domain.EraseAnonymise, JobID: 7, Holds: []domain.Hold{{Until: day(1), Quotes: 1}, {Until: day(2), Quotes: 3}}}
	for lang, want := range map[string]string{
		"sv": "1 offert sparas till och med 2032-12-31, får rensas från 2033-01-01; 3 offerter sparas till och med 2033-01-01, får rensas från 2033-01-02",
		"en": "1 quote kept through 2032-12-31, may be cleared from 2033-01-01; 3 quotes kept through 2033-01-01, may be cleared from 2033-01-02",
	} {
		ctx := i18n.WithLang(context.Background(), lang)
		var got any
		for _, c := range erasureColumns(ctx) {
			if c.heading == "erasures.col.holds" {
				got = c.value(&job)
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
