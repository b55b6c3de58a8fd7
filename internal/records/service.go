package records

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/postgres"
)

// Saved is the audit action of a new version of the record.
const Saved = "records.saved"

// MaxText bounds each text of the record.
const MaxText = 2000

// Service reads and saves the record of processing activities.
type Service struct {
	DB  *postgres.DB
	Now func() time.Time
}

// Record is what the record is made of when read: a version (the newest when none is asked for), the
// controller's details and the retention the company keeps, and the list of versions.
type Record struct {
	Version   domain.RecordVersion
	Found     bool // false when the asked version does not exist (or nothing is saved yet)
	Company   domain.CompanyDetails
	DPO       string
	Retention domain.Retention
	Versions  []domain.RecordVersion
}

// View reads version n of the record, or the newest when n is 0.
func (s *Service) View(ctx context.Context, n int) (Record, error) {
	if _, err := authz.RequireAny(ctx, authz.PrivacyReaders...); err != nil {
		return Record{}, err
	}
	var rec Record
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if rec.Version, rec.Found, err = postgres.RecordVersion(ctx, tx, n); err != nil {
			return err
		}
		if rec.Company, err = postgres.Company(ctx, tx, false); err != nil {
			return err
		}
		if rec.Retention, err = postgres.Retention(ctx, tx); err != nil {
			return err
		}
		texts, err := postgres.PrivacyTexts(ctx, tx)
		if err != nil {
			return err
		}
		rec.DPO = texts[gdpr.TopicController]
		rec.Versions, err = postgres.RecordVersions(ctx, tx)
		return err
	})
	return rec, err
}

// Fields are the form's field names of one category's texts.
func Fields(s Subject) []string {
	k := string(s)
	return []string{"purpose." + k, "basis." + k, "recipients." + k, "transfers." + k}
}

// validate checks the typed entries, keyed by category, and returns them trimmed.
func validate(in map[string]domain.RecordEntry) (map[string]domain.RecordEntry, domain.FieldErrors) {
	out := map[string]domain.RecordEntry{}
	fe := domain.FieldErrors{}
	for _, sub := range Subjects {
		e := in[string(sub)]
		e = domain.RecordEntry{Purpose: strings.TrimSpace(e.Purpose), Basis: strings.TrimSpace(e.Basis),
			Recipients: strings.TrimSpace(e.Recipients), Transfers: strings.TrimSpace(e.Transfers)}
		names := Fields(sub)
		for i, v := range []string{e.Purpose, e.Recipients, e.Transfers} {
			name := names[[]int{0, 2, 3}[i]]
			switch {
			case !domain.ValidText(v, true):
				fe[name] = "error.text"
			case len([]rune(v)) > MaxText:
				fe[name] = "error.too_long"
			}
		}
		if e.Basis != "" && !slices.Contains(Bases, e.Basis) {
			fe[names[1]] = "records.error.basis"
		}
		out[string(sub)] = e
	}
	return out, fe
}

// Save stores entries as a new version of the record and returns its number; the audit event names the
// version and the fields that changed from the previous one.
func (s *Service) Save(ctx context.Context, entries map[string]domain.RecordEntry) (int, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return 0, err
	}
	clean, fe := validate(entries)
	if len(fe) > 0 {
		return 0, fe
	}
	now := s.Now()
	var n int
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		prev, _, err := postgres.RecordVersion(ctx, tx, 0)
		if err != nil {
			return err
		}
		if n, err = postgres.AddRecordVersion(ctx, tx, clean, actor.AuditID(), now); err != nil {
			return err
		}
		id := int64(n)
		return audit.Record(ctx, tx, audit.Event(now, actor, Saved, "processing_record", &id,
			map[string]any{"version": n, "fields": changed(prev.Entries, clean)}))
	})
	return n, err
}

// changed are the field names whose text differs between old and new.
func changed(old, next map[string]domain.RecordEntry) []string {
	out := []string{}
	for _, sub := range Subjects {
		a, b := old[string(sub)], next[string(sub)]
		names := Fields(sub)
		for i, diff := range []bool{a.Purpose != b.Purpose, a.Basis != b.Basis, a.Recipients != b.Recipients, a.Transfers != b.Transfers} {
			if diff {
				out = append(out, names[i])
			}
		}
	}
	return out
}
