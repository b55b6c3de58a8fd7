package postgres

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

const ruleColumns = `id, category, months, action, approval, enabled, updated_at`

func scanRule(row pgx.Row) (domain.RetentionRule, error) {
	var r domain.RetentionRule
	err := row.Scan(&r.ID, &r.Category, &r.Months, &r.Action, &r.Approval, &r.Enabled, &r.Updated)
	return r, err
}

// RetentionRules lists the rules in the order of their ids.
func RetentionRules(ctx context.Context, q Querier) ([]domain.RetentionRule, error) {
	rows, err := q.Query(ctx, `SELECT `+ruleColumns+` FROM retention_rules ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "retention rules")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.RetentionRule, error) { return scanRule(r) })
	return out, mapErr(err, "retention rules")
}

// RetentionRule loads rule id; lock takes its row lock, so two runs of one rule happen one after the other.
func RetentionRule(ctx context.Context, q Querier, id int64, lock bool) (domain.RetentionRule, error) {
	sql := `SELECT ` + ruleColumns + ` FROM retention_rules WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	r, err := scanRule(q.QueryRow(ctx, sql, id))
	return r, mapErr(err, "retention rule")
}

// SaveRetentionRule stores a rule's period, action and switches.
func SaveRetentionRule(ctx context.Context, q Querier, r domain.RetentionRule, by *domain.UserID, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE retention_rules SET months = $2, action = $3, approval = $4, enabled = $5, updated_at = $6,
		updated_by = $7 WHERE id = $1`, r.ID, r.Months, r.Action, r.Approval, r.Enabled, now, by)
	return mapErr(err, "save retention rule")
}

// InsertRuleRun records a run and returns its id.
func InsertRuleRun(ctx context.Context, q Querier, run domain.RuleRun) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO retention_runs (rule_id, at, by_hand, cutoff, found, outcome, job_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, run.RuleID, run.At, run.ByHand, run.Cutoff, run.Found,
		run.Outcome, run.JobID).Scan(&id)
	return id, mapErr(err, "record rule run")
}

const ruleRunColumns = `id, rule_id, at, by_hand, cutoff, found, outcome, job_id, approved_at`

func scanRuleRun(row pgx.Row) (domain.RuleRun, error) {
	var r domain.RuleRun
	err := row.Scan(&r.ID, &r.RuleID, &r.At, &r.ByHand, &r.Cutoff, &r.Found, &r.Outcome, &r.JobID, &r.ApprovedAt)
	return r, err
}

// RuleRuns lists a rule's newest runs.
func RuleRuns(ctx context.Context, q Querier, ruleID int64, limit int) ([]domain.RuleRun, error) {
	rows, err := q.Query(ctx, `SELECT `+ruleRunColumns+` FROM retention_runs WHERE rule_id = $1 ORDER BY id DESC LIMIT $2`,
		ruleID, limit)
	if err != nil {
		return nil, mapErr(err, "rule runs")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.RuleRun, error) { return scanRuleRun(r) })
	return out, mapErr(err, "rule runs")
}

// RuleRunForUpdate loads and locks a run.
func RuleRunForUpdate(ctx context.Context, tx pgx.Tx, id int64) (domain.RuleRun, error) {
	r, err := scanRuleRun(tx.QueryRow(ctx, `SELECT `+ruleRunColumns+` FROM retention_runs WHERE id = $1 FOR UPDATE`, id))
	return r, mapErr(err, "rule run")
}

// ApproveRuleRun marks a run awaiting approval as approved.
func ApproveRuleRun(ctx context.Context, q Querier, id int64, by *domain.UserID, now time.Time) error {
	_, err := q.Exec(ctx, `UPDATE retention_runs SET approved_at = $2, approved_by = $3, outcome = 'started' WHERE id = $1`,
		id, now, by)
	return mapErr(err, "approve rule run")
}

// RuleJobOpen reports whether the newest run of a rule left a bulk job that is not over (a draft waiting
// for approval, or queued or running): the next run must not select its customers again.
func RuleJobOpen(ctx context.Context, q Querier, ruleID int64) (bool, error) {
	var open bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM retention_runs r JOIN bulk_jobs j ON j.id = r.job_id
		WHERE r.rule_id = $1 AND j.status IN ('draft', 'queued', 'running'))`, ruleID).Scan(&open)
	return open, mapErr(err, "rule job open")
}

// DueCustomers is a page of the customers of segment s after the customer after, by id, with the latest
// accepted quote's decision (whose snapshot Bokföringslagen may hold), the number of all of them, and
// whether more follow.
func DueCustomers(ctx context.Context, q Querier, s domain.Segment, after domain.CustomerID, limit int) ([]domain.DueCustomer, []*time.Time, int, bool, error) {
	s.ShowRestricted = false
	args := []any{}
	where := and(segmentWhere(s, &args)...)
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM customers c WHERE `+where, args...).Scan(&total); err != nil {
		return nil, nil, 0, false, mapErr(err, "due customers")
	}
	args = append(args, after, limit+1)
	rows, err := q.Query(ctx, `SELECT c.id, c.number, c.name, c.last_activity_at,
		(SELECT max(x.decided_at) FROM quotes x WHERE x.customer_id = c.id AND x.status = 'accepted')
		FROM customers c WHERE `+where+` AND c.id > $`+strconv.Itoa(len(args)-1)+` ORDER BY c.id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, nil, 0, false, mapErr(err, "due customers")
	}
	var (
		out     []domain.DueCustomer
		decided []*time.Time
	)
	for rows.Next() {
		var (
			d domain.DueCustomer
			t *time.Time
		)
		if err := rows.Scan(&d.ID, &d.Number, &d.Name, &d.LastActivity, &t); err != nil {
			return nil, nil, 0, false, mapErr(err, "due customers")
		}
		out, decided = append(out, d), append(decided, t)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, 0, false, mapErr(err, "due customers")
	}
	more := len(out) > limit
	if more {
		out, decided = out[:limit], decided[:limit]
	}
	return out, decided, total, more, nil
}

// dueCreditReports selects the credit reports taken before cutoff of customers that are not restricted
// (art. 18: restricted data is kept, not erased, until the restriction is lifted).
const dueCreditReports = `FROM credit_reports cr JOIN customers c ON c.id = cr.customer_id
	WHERE cr.taken_on < $1 AND ` + unrestricted

// DueCreditReports is the first limit credit reports taken before cutoff, oldest first, and how many there are.
func DueCreditReports(ctx context.Context, q Querier, cutoff time.Time, limit int) ([]domain.DueCreditReport, int, error) {
	var total int
	if err := q.QueryRow(ctx, `SELECT count(*) `+dueCreditReports, cutoff).Scan(&total); err != nil {
		return nil, 0, mapErr(err, "due credit reports")
	}
	rows, err := q.Query(ctx, `SELECT c.id, c.number, cr.taken_on `+dueCreditReports+` ORDER BY cr.taken_on, cr.id LIMIT $2`,
		cutoff, limit)
	if err != nil {
		return nil, 0, mapErr(err, "due credit reports")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.DueCreditReport, error) {
		var d domain.DueCreditReport
		return d, r.Scan(&d.CustomerID, &d.CustomerNumber, &d.TakenOn)
	})
	return out, total, mapErr(err, "due credit reports")
}

// PurgeCreditReports removes the credit reports taken before cutoff (of unrestricted customers) and
// returns how many each customer lost.
func PurgeCreditReports(ctx context.Context, tx pgx.Tx, cutoff time.Time) (map[domain.CustomerID]int, error) {
	rows, err := tx.Query(ctx, `WITH gone AS (DELETE FROM credit_reports d USING customers c WHERE c.id = d.customer_id
		AND d.taken_on < $1 AND `+unrestricted+` RETURNING d.customer_id)
		SELECT customer_id, count(*) FROM gone GROUP BY 1 ORDER BY 1`, cutoff)
	if err != nil {
		return nil, mapErr(err, "purge credit reports")
	}
	out := map[domain.CustomerID]int{}
	for rows.Next() {
		var (
			id domain.CustomerID
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, mapErr(err, "purge credit reports")
		}
		out[id] = n
	}
	return out, mapErr(rows.Err(), "purge credit reports")
}
