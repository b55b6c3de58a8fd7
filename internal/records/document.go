package records

import (
	"context"
	"strings"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

// Document is rec as it is read and printed, in the language of ctx.
func Document(ctx context.Context, rec Record) domain.RecordDocument {
	d := domain.RecordDocument{Controller: controller(ctx, rec.Company), DPO: rec.DPO}
	if rec.Found {
		d.Version, d.SavedBy = rec.Version.Number, rec.Version.SavedByName
		d.SavedAt = rec.Version.SavedAt.In(domain.Stockholm).Format("2006-01-02 15:04")
	}
	for _, m := range Measures {
		d.Measures = append(d.Measures, i18n.T(ctx, m))
	}
	cols := Columns(Tables())
	for _, sub := range Subjects {
		e := rec.Version.Entries[string(sub)]
		sec := domain.RecordSection{Key: string(sub), Title: i18n.T(ctx, "records.subject."+string(sub)),
			Purpose: e.Purpose, Recipients: e.Recipients, Transfers: e.Transfers,
			Retention: retention(ctx, sub, rec.Retention)}
		if e.Basis != "" {
			sec.Basis = i18n.T(ctx, "records.basis."+e.Basis)
		}
		sec.Data = dataGroups(ctx, sub, cols)
		d.Sections = append(d.Sections, sec)
	}
	return d
}

// dataGroups are sub's columns by category of data, in the order the categories are first met.
func dataGroups(ctx context.Context, sub Subject, cols []Column) []domain.RecordDataGroup {
	var out []domain.RecordDataGroup
	at := map[Data]int{}
	for _, c := range cols {
		if c.Subject != sub {
			continue
		}
		i, ok := at[c.Data]
		if !ok {
			i = len(out)
			at[c.Data] = i
			out = append(out, domain.RecordDataGroup{Title: i18n.T(ctx, "records.data."+string(c.Data))})
		}
		label := i18n.T(ctx, c.TableLabel) + ": " + i18n.T(ctx, c.Label)
		out[i].Columns = append(out[i].Columns, label)
	}
	return out
}

// retention is how long sub's data is kept, with the company's bookkeeping retention where it applies.
func retention(ctx context.Context, sub Subject, r domain.Retention) string {
	if sub == SubjectCustomers {
		return i18n.N(ctx, "records.retention.customers", r.Years)
	}
	return i18n.T(ctx, "records.retention."+string(sub))
}

// controller is the company's identity, one line each; a line not filled in is left out.
func controller(ctx context.Context, c domain.CompanyDetails) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	add(c.Name)
	if c.OrgNumber != "" {
		add(i18n.Tf(ctx, "records.org_number", c.OrgNumber))
	}
	add(c.Street)
	add(strings.TrimSpace(c.PostalCode + " " + c.City))
	add(c.Email)
	add(c.Phone)
	if len(out) == 0 {
		out = append(out, i18n.T(ctx, "records.controller_unset"))
	}
	return out
}
