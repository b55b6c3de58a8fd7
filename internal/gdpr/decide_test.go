package gdpr

import (
	"slices"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
)

// TestDecideWhatABatchDoes: decide is what a bulk job does to each customer it claimed, from the facts
// alone: deleted, anonymised (a delete job's customers under retention too, if the job says so) or
// skipped (gone, under retention, anonymised already, restricted since the selection was frozen).
func TestDecideWhatABatchDoes(t *testing.T) {
	today := time.Date(2026, time.June, 15, 0, 0, 0, 0, domain.Stockholm)
	recent, old := today.AddDate(-1, 0, 0), today.AddDate(-10, 0, 0)
	anonymisedAt := today.AddDate(0, -1, 0)
	customer := func(anonymised bool, decided ...time.Time) *domain.ErasureFacts {
		f := &domain.ErasureFacts{Customer: domain.Customer{ID: 7, Number: 1007, Name: "Kund AB"}, Rows: map[string]int{}}
		if anonymised {
			f.Customer.AnonymisedAt, f.Customer.Name = &anonymisedAt, domain.AnonymisedPrefix+"1007"
		}
		for i, d := range decided {
			f.Quotes = append(f.Quotes, domain.QuoteFact{ID: domain.QuoteID(i + 1), Number: int64(i + 1),
				Status: domain.QuoteAccepted, DecidedAt: &d, Snapshot: true})
		}
		return f
	}
	restricted := func(f *domain.ErasureFacts) *domain.ErasureFacts {
		f.Customer.RestrictedAt = &anonymisedAt
		return f
	}
	del := func(on domain.RetentionChoice) domain.BulkJob {
		return domain.BulkJob{ID: 1, Kind: domain.EraseDelete, OnRetention: on}
	}
	anon := domain.BulkJob{ID: 1, Kind: domain.EraseAnonymise, OnRetention: domain.RetentionSkip}
	for _, tc := range []struct {
		name    string
		job     domain.BulkJob
		facts   *domain.ErasureFacts // nil: deleted meanwhile
		outcome string
		kind    domain.ErasureKind // how it is erased; "" if it is not
		held    int                // quote snapshots kept
	}{
		{"gone", del(domain.RetentionSkip), nil, domain.OutcomeGone, "", 0},
		{"gone, anonymise job", anon, nil, domain.OutcomeGone, "", 0},
		{"delete", del(domain.RetentionSkip), customer(false), domain.OutcomeDeleted, domain.EraseDelete, 0},
		{"delete, quote past retention", del(domain.RetentionSkip), customer(false, old), domain.OutcomeDeleted, domain.EraseDelete, 0},
		{"delete, under retention, skip", del(domain.RetentionSkip), customer(false, recent, old), domain.OutcomeSkippedRetention, "", 0},
		{"delete, under retention, anonymise instead", del(domain.RetentionAnonymise), customer(false, recent, old),
			domain.OutcomeAnonymised, domain.EraseAnonymise, 1},
		{"delete, under retention, anonymised already", del(domain.RetentionAnonymise), customer(true, recent),
			domain.OutcomeSkippedAnonymised, "", 0},
		{"delete, under retention, anonymised already, skip", del(domain.RetentionSkip), customer(true, recent),
			domain.OutcomeSkippedRetention, "", 0},
		{"delete, anonymised already", del(domain.RetentionSkip), customer(true), domain.OutcomeDeleted, domain.EraseDelete, 0},
		{"anonymise", anon, customer(false), domain.OutcomeAnonymised, domain.EraseAnonymise, 0},
		{"anonymise, under retention", anon, customer(false, recent), domain.OutcomeAnonymised, domain.EraseAnonymise, 1},
		{"anonymise, anonymised already", anon, customer(true), domain.OutcomeSkippedAnonymised, "", 0},
		{"delete, restricted since the selection", del(domain.RetentionAnonymise), restricted(customer(false)),
			domain.OutcomeSkippedRestricted, "", 0},
		{"anonymise, restricted since the selection", anon, restricted(customer(false, recent)), domain.OutcomeSkippedRestricted, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			facts := map[domain.CustomerID]*domain.ErasureFacts{}
			if tc.facts != nil {
				facts[7] = tc.facts
			}
			d := decide(tc.job, []domain.CustomerID{7}, facts, domain.DefaultRetention, today)
			if got := d.Outcomes[7]; got != tc.outcome || len(d.Outcomes) != 1 {
				t.Errorf("outcomes %v, want 7: %s", d.Outcomes, tc.outcome)
			}
			var kinds []domain.ErasureKind
			for _, p := range d.Erased {
				kinds = append(kinds, p.Kind)
			}
			if want := []domain.ErasureKind{tc.kind}; (tc.kind == "" && len(kinds) != 0) || (tc.kind != "" && !slices.Equal(kinds, want)) {
				t.Errorf("erased as %v, want %q", kinds, tc.kind)
			}
			held := 0
			for _, n := range d.Held {
				held += n
			}
			if held != tc.held {
				t.Errorf("held %v, want %d snapshots", d.Held, tc.held)
			}
			if tc.kind == "" && len(d.Counts) != 0 {
				t.Errorf("counts %v for a customer not erased", d.Counts)
			}
		})
	}
}

// TestDecideSumsTheBatch: the batch's counts and holds are the sums over the customers it erases, which
// it keeps in customer order (the order of their audit events and ledger lines).
func TestDecideSumsTheBatch(t *testing.T) {
	today := time.Date(2026, time.June, 15, 0, 0, 0, 0, domain.Stockholm)
	decided := today.AddDate(-1, 0, 0)
	facts := map[domain.CustomerID]*domain.ErasureFacts{}
	for _, id := range []domain.CustomerID{3, 5, 9} {
		facts[id] = &domain.ErasureFacts{Customer: domain.Customer{ID: id, Number: int64(id), Name: "Kund", Email: "k@example.se"},
			Rows: map[string]int{}, Quotes: []domain.QuoteFact{{ID: domain.QuoteID(id), Number: int64(id),
				Status: domain.QuoteAccepted, DecidedAt: &decided, Snapshot: true}}}
	}
	j := domain.BulkJob{ID: 1, Kind: domain.EraseAnonymise, OnRetention: domain.RetentionSkip}
	d := decide(j, []domain.CustomerID{3, 4, 5, 9}, facts, domain.DefaultRetention, today)
	var ids []domain.CustomerID
	for _, p := range d.Erased {
		ids = append(ids, p.Customer.ID)
	}
	if !slices.Equal(ids, []domain.CustomerID{3, 5, 9}) || d.Outcomes[4] != domain.OutcomeGone || len(d.Outcomes) != 4 {
		t.Errorf("erased %v, outcomes %v", ids, d.Outcomes)
	}
	until := domain.DefaultRetention.ErasableFrom(decided).Format(domain.DateLayout)
	fields := 3 * len(filledFields(facts[3].Customer))
	if len(d.Held) != 1 || d.Held[until] != 3 || d.Counts["customer_fields"] != fields || fields == 0 {
		t.Errorf("held %v (want 3 until %s), counts %v (want %d customer fields)", d.Held, until, d.Counts, fields)
	}
}
