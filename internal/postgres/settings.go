package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

const retentionSQL = `SELECT retention_years, fiscal_year_end_month FROM settings`

func scanRetention(row pgx.Row) (domain.Retention, error) {
	var r domain.Retention
	var month int
	err := row.Scan(&r.Years, &month)
	r.FiscalYearEnd = time.Month(month)
	return r, mapErr(err, "retention setting")
}

// Retention is the bookkeeping retention setting: the years and the fiscal year's last month.
func Retention(ctx context.Context, q Querier) (domain.Retention, error) {
	return scanRetention(q.QueryRow(ctx, retentionSQL))
}

// SetRetention stores the bookkeeping retention setting.
func SetRetention(ctx context.Context, q Querier, r domain.Retention) error {
	_, err := q.Exec(ctx, `UPDATE settings SET retention_years = $1, fiscal_year_end_month = $2`, r.Years, int(r.FiscalYearEnd))
	return mapErr(err, "set retention")
}

// periodArrays are the rule's hold periods as the columns SQL joins quotes against (decided_at in
// [from, before) is erasable from erasable).
func periodArrays(ps []domain.HoldPeriod) (from, before, erasable []time.Time) {
	for _, p := range ps {
		from, before, erasable = append(from, p.DecidedFrom), append(before, p.DecidedBefore), append(erasable, p.ErasableFrom)
	}
	return from, before, erasable
}

// AlignHolds gives every held quote snapshot the end of hold that rule r gives it, and returns how many
// changed: after a migration that changed the rule, and in the transaction that changes the setting.
func AlignHolds(ctx context.Context, q Querier, r domain.Retention) (int, error) {
	var first, last *time.Time
	if err := q.QueryRow(ctx, `SELECT min(decided_at), max(decided_at) FROM quotes WHERE held_until IS NOT NULL`).Scan(&first, &last); err != nil {
		return 0, mapErr(err, "held quotes")
	}
	if first == nil {
		return 0, nil
	}
	from, before, erasable := periodArrays(r.Periods(*first, *last))
	tag, err := q.Exec(ctx, `UPDATE quotes q SET held_until = p.erasable
		FROM unnest($1::timestamptz[], $2::timestamptz[], $3::date[]) AS p (decided_from, decided_before, erasable)
		WHERE q.held_until IS NOT NULL AND q.decided_at >= p.decided_from AND q.decided_at < p.decided_before
			AND q.held_until <> p.erasable`, from, before, erasable)
	return int(tag.RowsAffected()), mapErr(err, "align holds")
}
