package postgres

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// While a job runs, its progress is the sum of its batches (the workers never update the job's row);
// FinishBulkJob stores the totals.
const bulkJobColumns = `j.id, j.ref, j.kind, j.retained, j.filter, j.requested_by, j.requested_name, j.reason,
	CASE WHEN j.status = 'queued' AND EXISTS (SELECT 1 FROM erasure_batches b WHERE b.job_id = j.id) THEN 'running'
		ELSE j.status END,
	j.cancel_requested, j.total,
	CASE WHEN j.status IN ('queued', 'running')
		THEN coalesce((SELECT sum(b.processed) FROM erasure_batches b WHERE b.job_id = j.id), 0) ELSE j.processed END,
	CASE WHEN j.status IN ('queued', 'running') THEN bulk_job_sum(j.id, 'outcomes') ELSE j.outcomes END,
	j.verified_at, j.violations, j.created_at, j.confirmed_at,
	coalesce(j.started_at, (SELECT min(b.at) FROM erasure_batches b WHERE b.job_id = j.id)), j.finished_at,
	coalesce((SELECT e.id FROM erasures e WHERE e.job_id = j.id), 0),
	CASE WHEN j.retry_at > coalesce((SELECT max(b.at) FROM erasure_batches b WHERE b.job_id = j.id), '-infinity')
		THEN j.retry_error END, j.retry_at, coalesce(j.retry_attempt, 0)`

func scanBulkJob(row pgx.Row) (domain.BulkJob, error) {
	var (
		j                domain.BulkJob
		filter, outcomes []byte
	)
	err := row.Scan(&j.ID, &j.Ref, &j.Kind, &j.OnRetention, &filter, &j.RequestedBy, &j.RequestedName, &j.Reason, &j.Status,
		&j.CancelRequested, &j.Total, &j.Processed, &outcomes, &j.VerifiedAt, &j.Violations, &j.CreatedAt, &j.ConfirmedAt,
		&j.StartedAt, &j.FinishedAt, &j.ErasureID, &j.RetryError, &j.RetryAt, &j.RetryAttempt)
	if err != nil {
		return j, err
	}
	if err := json.Unmarshal(filter, &j.Filter); err != nil {
		return j, err
	}
	return j, json.Unmarshal(outcomes, &j.Outcomes)
}

// CreateBulkJob stores a draft job and freezes its selection: the customers of the segment, only those
// in ids if ids is not nil, never restricted ones (art. 18: they are erased one at a time, if at all). It returns the job's id and the number of customers selected.
func CreateBulkJob(ctx context.Context, tx pgx.Tx, j domain.BulkJob, s domain.Segment, ids []domain.CustomerID, now time.Time) (int64, int, error) {
	filter, err := json.Marshal(j.Filter)
	if err != nil {
		return 0, 0, err
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO bulk_jobs (ref, kind, filter, requested_by, requested_name, total, created_at)
		VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id`, j.Ref, j.Kind, filter, j.RequestedBy, j.RequestedName, now).Scan(&id); err != nil {
		return 0, 0, mapErr(err, "create bulk job")
	}
	args := []any{id}
	s.ShowRestricted = false
	where := segmentWhere(s, &args)
	if ids != nil {
		args = append(args, ids)
		where = append(where, "c.id = ANY($"+strconv.Itoa(len(args))+")")
	}
	tag, err := tx.Exec(ctx, `INSERT INTO bulk_job_items (job_id, customer_id, customer_number)
		SELECT $1, c.id, c.number FROM customers c WHERE `+and(where...), args...)
	if err != nil {
		return 0, 0, mapErr(err, "freeze bulk selection")
	}
	n := int(tag.RowsAffected())
	if _, err = tx.Exec(ctx, `UPDATE bulk_jobs SET total = $2 WHERE id = $1`, id, n); err != nil {
		return 0, 0, mapErr(err, "create bulk job")
	}
	if n > 10000 {
		// Fresh statistics, or the workers' updates by (job, customer) plan a scan of the whole job. Through the
		// owner's function: the server's role may not ANALYZE (migration 000015).
		_, err = tx.Exec(ctx, `SELECT analyze_bulk_job_items()`)
	}
	return id, n, mapErr(err, "create bulk job")
}

// DeleteStaleDrafts removes draft jobs (previews nobody confirmed) made before before; a retention rule's
// draft waits for its approval.
func DeleteStaleDrafts(ctx context.Context, q Querier, before time.Time) error {
	_, err := q.Exec(ctx, `DELETE FROM bulk_jobs j WHERE j.status = 'draft' AND j.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM retention_runs r WHERE r.job_id = j.id)`, before)
	return mapErr(err, "delete stale drafts")
}

// BulkJob loads a job.
func BulkJob(ctx context.Context, q Querier, id int64) (domain.BulkJob, error) {
	return bulkJob(ctx, q, id, "")
}

// BulkJobForUpdate loads and locks a job.
func BulkJobForUpdate(ctx context.Context, tx pgx.Tx, id int64) (domain.BulkJob, error) {
	return bulkJob(ctx, tx, id, " FOR UPDATE")
}

func bulkJob(ctx context.Context, q Querier, id int64, lock string) (domain.BulkJob, error) {
	j, err := scanBulkJob(q.QueryRow(ctx, `SELECT `+bulkJobColumns+` FROM bulk_jobs j WHERE j.id = $1`+lock, id))
	return j, mapErr(err, "bulk job")
}

// BulkJobs lists the newest jobs that are not drafts, of one requester unless by is nil.
func BulkJobs(ctx context.Context, q Querier, by *domain.UserID, limit int) ([]domain.BulkJob, error) {
	rows, err := q.Query(ctx, `SELECT `+bulkJobColumns+` FROM bulk_jobs j
		WHERE j.status <> 'draft' AND ($1::bigint IS NULL OR j.requested_by = $1) ORDER BY j.id DESC LIMIT $2`, by, limit)
	if err != nil {
		return nil, mapErr(err, "bulk jobs")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.BulkJob, error) { return scanBulkJob(r) })
	return out, mapErr(err, "bulk jobs")
}

// OpenBulkJobs are the jobs confirmed and not finished (to resume at start).
func OpenBulkJobs(ctx context.Context, q Querier) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM bulk_jobs WHERE status IN ('queued', 'running') ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "open bulk jobs")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err, "open bulk jobs")
}

// BulkPreview counts what a job will meet in its frozen selection, on the day of today under rule r:
// customers already anonymised, customers with accepted quotes under retention, and the quote snapshots an
// anonymisation would keep, per release date. The rule's cutoff and periods come from Go; the periods
// start at the cutoff, so joining them selects the held quotes.
func BulkPreview(ctx context.Context, q Querier, jobID int64, r domain.Retention, today time.Time) (domain.BulkPreview, error) {
	var p domain.BulkPreview
	cutoff := r.Cutoff(today)
	from, before, erasable := periodArrays(r.Periods(cutoff, today))
	b := &pgx.Batch{}
	b.Queue(`SELECT count(*), count(*) FILTER (WHERE c.anonymised_at IS NOT NULL),
		count(*) FILTER (WHERE EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id AND q.status = 'accepted'
			AND q.decided_at >= $2))
		FROM bulk_job_items i JOIN customers c ON c.id = i.customer_id WHERE i.job_id = $1 AND `+unrestricted, jobID, cutoff)
	b.Queue(`SELECT p.erasable, count(*) FROM bulk_job_items i JOIN customers c ON c.id = i.customer_id
		JOIN quotes q ON q.customer_id = c.id
		JOIN unnest($2::timestamptz[], $3::timestamptz[], $4::date[]) AS p (decided_from, decided_before, erasable)
			ON q.decided_at >= p.decided_from AND q.decided_at < p.decided_before
		WHERE i.job_id = $1 AND c.anonymised_at IS NULL AND q.status = 'accepted' AND `+unrestricted+`
		GROUP BY 1 ORDER BY 1`, jobID, from, before, erasable)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	if err := br.QueryRow().Scan(&p.Total, &p.Anonymised, &p.UnderRetention); err != nil {
		return p, mapErr(err, "bulk preview")
	}
	rows, err := br.Query()
	if err != nil {
		return p, mapErr(err, "bulk preview holds")
	}
	var h domain.HoldsByDate
	_, err = pgx.ForEachRow(rows, []any{&h.Until, &h.Quotes}, func() error {
		p.Holds = append(p.Holds, h)
		p.HeldQuotes += h.Quotes
		return nil
	})
	return p, mapErr(err, "bulk preview holds")
}

// BulkSelection is a page of up to limit customers frozen in job id's selection after the customer after
// (in id order, as the CRM screen pages), and whether more follow. Customers deleted or restricted since
// are not listed (confirming prunes the restricted, and a running job skips them).
func BulkSelection(ctx context.Context, q Querier, id int64, after domain.CustomerID, limit int) ([]domain.Customer, bool, error) {
	rows, err := q.Query(ctx, `SELECT `+customerColumns+` FROM bulk_job_items i JOIN customers c ON c.id = i.customer_id
		WHERE i.job_id = $1 AND i.customer_id > $2 AND `+unrestricted+` ORDER BY i.customer_id LIMIT $3`, id, after, limit+1)
	if err != nil {
		return nil, false, mapErr(err, "bulk selection")
	}
	page, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Customer, error) { return scanCustomer(r) })
	if err != nil {
		return nil, false, mapErr(err, "bulk selection")
	}
	if len(page) > limit {
		return page[:limit], true, nil
	}
	return page, false, nil
}

// ConfirmBulkJob moves a draft job to the queue with the user's choices, and registers it in the erasure
// register (counts grow with every batch).
func ConfirmBulkJob(ctx context.Context, tx pgx.Tx, j domain.BulkJob, now time.Time) error {
	tag, err := tx.Exec(ctx, `UPDATE bulk_jobs SET status = 'queued', kind = $2, retained = $3, reason = $4, confirmed_at = $5
		WHERE id = $1 AND status = 'draft'`, j.ID, j.Kind, j.OnRetention, j.Reason, now)
	if err != nil {
		return mapErr(err, "confirm bulk job")
	}
	if tag.RowsAffected() != 1 {
		return &domain.ConflictError{Key: "bulk.not_draft"}
	}
	_, err = InsertErasure(ctx, tx, domain.Erasure{Ref: j.Ref, At: now, ActorID: j.RequestedBy, ActorName: j.RequestedName,
		Kind: j.Kind, JobID: j.ID, Counts: map[string]int{}, Reason: j.Reason})
	return err
}

// RequestCancel asks a queued or running job to stop after its current batch.
func RequestCancel(ctx context.Context, q Querier, id int64) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE bulk_jobs SET cancel_requested = true WHERE id = $1 AND status IN ('queued', 'running')`, id)
	return tag.RowsAffected() == 1, mapErr(err, "cancel bulk job")
}

// ClaimBulkBatch locks up to limit pending items of a job that no other worker holds, in customer order
// after the customer after (a worker goes on from its last batch, rather than stepping again over the
// index entries of the items done); only those of the customers in only, if only is not nil.
func ClaimBulkBatch(ctx context.Context, tx pgx.Tx, jobID int64, limit int, after domain.CustomerID, only []domain.CustomerID) ([]domain.CustomerID, error) {
	rows, err := tx.Query(ctx, `SELECT customer_id FROM bulk_job_items WHERE job_id = $1 AND outcome IS NULL
		AND customer_id > $4 AND ($3::bigint[] IS NULL OR customer_id = ANY($3))
		ORDER BY customer_id LIMIT $2 FOR UPDATE SKIP LOCKED`, jobID, limit, only, after)
	if err != nil {
		return nil, mapErr(err, "claim bulk batch")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.CustomerID])
	return ids, mapErr(err, "claim bulk batch")
}

// BulkBatch is what a worker records for one committed batch.
type BulkBatch struct {
	JobID    int64
	Ref      string // the batch's ledger reference
	Outcomes map[domain.CustomerID]string
	Errors   map[domain.CustomerID]string
	Worker   string
	Counts   map[string]int // per kind of data, for the register
	Held     map[string]int // held quotes per release date, for the register
	At       time.Time
}

// RecordBulkBatch stores a batch's outcomes per customer and the batch itself, with its progress and its
// counts for the job's register entry.
func RecordBulkBatch(ctx context.Context, tx pgx.Tx, b BulkBatch) error {
	tally := map[string]int{}
	for _, o := range b.Outcomes {
		tally[o]++
	}
	if err := SetItemOutcomes(ctx, tx, b.JobID, b.Outcomes, b.Errors, b.Worker, false); err != nil {
		return err
	}
	return InsertBulkBatch(ctx, tx, b.Ref, b.JobID, b.At, len(b.Outcomes), tally, b.Counts, b.Held)
}

// SetItemOutcomes stores the outcome of each customer of a job (and why, for failures); onlyPending
// leaves items that have one alone (a replay).
func SetItemOutcomes(ctx context.Context, q Querier, jobID int64, outcomes, errs map[domain.CustomerID]string, worker string, onlyPending bool) error {
	var (
		ids        []int64
		os, errors []string
	)
	for id, o := range outcomes {
		ids, os, errors = append(ids, int64(id)), append(os, o), append(errors, errs[id])
	}
	_, err := q.Exec(ctx, `UPDATE bulk_job_items i SET outcome = u.outcome, error = nullif(u.error, ''), worker = $5
		FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u (id, outcome, error)
		WHERE i.job_id = $1 AND i.customer_id = ANY($2) AND i.customer_id = u.id AND (NOT $6 OR i.outcome IS NULL)`,
		jobID, ids, os, errors, worker, onlyPending)
	return mapErr(err, "set bulk outcomes")
}

// bulkLockClass keys the advisory locks of bulk jobs (with the job's id): every batch holds its job's
// lock shared, and ending a job takes it exclusively, so a job ends only after its running batches.
const bulkLockClass = 0x62756c6b // "bulk"

// LockBulkJob takes job id's advisory lock for the rest of tx, shared (a batch) or not (ending the job).
func LockBulkJob(ctx context.Context, tx pgx.Tx, id int64, shared bool) error {
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	_, err := tx.Exec(ctx, `SELECT `+fn+`($1::int, $2::int)`, bulkLockClass, id)
	return mapErr(err, "lock bulk job")
}

// PruneBulkSelection takes out of a draft job the customers that no longer match its segment (they
// changed since the preview, or were restricted) and returns how many.
func PruneBulkSelection(ctx context.Context, tx pgx.Tx, jobID int64, s domain.Segment) (int, error) {
	args := []any{jobID}
	s.ShowRestricted = false
	where := segmentWhere(s, &args)
	tag, err := tx.Exec(ctx, `DELETE FROM bulk_job_items i WHERE i.job_id = $1 AND NOT EXISTS (
		SELECT 1 FROM customers c WHERE c.id = i.customer_id AND `+and(where...)+`)`, args...)
	if err != nil {
		return 0, mapErr(err, "prune bulk selection")
	}
	n := int(tag.RowsAffected())
	if n > 0 {
		_, err = tx.Exec(ctx, `UPDATE bulk_jobs SET total = total - $2 WHERE id = $1`, jobID, n)
	}
	return n, mapErr(err, "prune bulk selection")
}

// InsertBulkBatch records a committed batch of a job, once per ref (a replay may bring one back).
func InsertBulkBatch(ctx context.Context, q Querier, ref string, jobID int64, at time.Time, processed int, outcomes, counts, held map[string]int) error {
	o, _ := json.Marshal(outcomes)
	c, _ := json.Marshal(counts)
	h, _ := json.Marshal(held)
	_, err := q.Exec(ctx, `INSERT INTO erasure_batches (ref, job_id, at, processed, outcomes, counts, held)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ref) DO NOTHING`, ref, jobID, at, processed, o, c, h)
	return mapErr(err, "record bulk batch")
}

// FinishBulkJob ends a job that has nothing pending (done) or was asked to stop (cancelled). It returns
// the status this call gave it, or "" if it did not end it.
func FinishBulkJob(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (domain.BulkStatus, error) {
	var status domain.BulkStatus
	err := tx.QueryRow(ctx, `UPDATE bulk_jobs j SET status = CASE WHEN NOT EXISTS (SELECT 1 FROM bulk_job_items i
			WHERE i.job_id = j.id AND i.outcome IS NULL) THEN 'done' ELSE 'cancelled' END, finished_at = $2,
			started_at = coalesce(started_at, (SELECT min(b.at) FROM erasure_batches b WHERE b.job_id = j.id), $2),
			processed = coalesce((SELECT sum(b.processed) FROM erasure_batches b WHERE b.job_id = j.id), 0),
			outcomes = bulk_job_sum(j.id, 'outcomes'),
			filter = j.filter - 'city' -- free text: not kept once the job is over
		WHERE id = $1 AND status IN ('queued', 'running') AND (cancel_requested OR NOT EXISTS (
			SELECT 1 FROM bulk_job_items i WHERE i.job_id = j.id AND i.outcome IS NULL))
		RETURNING status`, id, now).Scan(&status)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return status, mapErr(err, "finish bulk job")
}

// PendingBulkItems lists up to limit items of a job not done yet, without locking them.
func PendingBulkItems(ctx context.Context, q Querier, jobID int64, limit int) ([]domain.CustomerID, error) {
	rows, err := q.Query(ctx, `SELECT customer_id FROM bulk_job_items WHERE job_id = $1 AND outcome IS NULL
		ORDER BY customer_id LIMIT $2`, jobID, limit)
	if err != nil {
		return nil, mapErr(err, "pending bulk items")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[domain.CustomerID])
	return ids, mapErr(err, "pending bulk items")
}

// PreferIndexes tells the planner, for the rest of tx, that reading a page through an index costs about
// what reading it in order does. An erasure touches a few rows per customer in each table, in pages that
// are cached; with the default costs (made for spinning disks) the planner reads whole smaller tables
// (credit reports, say) for a batch of 500 customers instead of 500 index look-ups.
func PreferIndexes(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL random_page_cost = 1.1`)
	return mapErr(err, "prefer indexes")
}

// BulkJobForBatch reads what a worker needs of its job for a batch (not the progress sums of BulkJob).
func BulkJobForBatch(ctx context.Context, q Querier, id int64) (domain.BulkJob, error) {
	var j domain.BulkJob
	err := q.QueryRow(ctx, `SELECT id, ref, kind, retained, requested_by, requested_name, reason, status,
		cancel_requested, created_at, confirmed_at FROM bulk_jobs WHERE id = $1`, id).Scan(&j.ID, &j.Ref, &j.Kind,
		&j.OnRetention, &j.RequestedBy, &j.RequestedName, &j.Reason, &j.Status, &j.CancelRequested, &j.CreatedAt, &j.ConfirmedAt)
	return j, mapErr(err, "bulk job")
}

// VerifyBulkJob re-scans a finished job's customers and stores how many still hold personal data outside
// declared holds: anonymised ones (by the job or before it) with a personal field not cleared, a row in a
// table whose rows an erasure removes, or an unheld quote snapshot; deleted ones still present. One
// deleted meanwhile by someone else is clean.
func VerifyBulkJob(ctx context.Context, q Querier, inv []domain.PIITable, id int64, now time.Time) (int, error) {
	cust, err := inventoryTable(inv, "customers")
	if err != nil {
		return 0, err
	}
	_, custFilled := clearSet(cust, "c.number", "c.")
	conds := append([]string{"c.anonymised_at IS NULL"}, custFilled...)
	for _, t := range inv {
		switch {
		case t.Erase == domain.EraseRows:
			conds = append(conds, `EXISTS (SELECT 1 FROM `+pgx.Identifier{t.Name}.Sanitize()+` x WHERE x.`+
				pgx.Identifier{t.Link}.Sanitize()+` = c.id)`)
		case t.Erase == domain.EraseSnapshot && t.Parent == "":
			_, filled := clearSet(t, "c.number", "x.")
			conds = append(conds, `EXISTS (SELECT 1 FROM quotes x WHERE x.customer_id = c.id AND x.held_until IS NULL
				AND (`+strings.Join(filled, " OR ")+`))`)
		case t.Erase == domain.EraseSnapshot:
			_, filled := clearSet(t, "c.number", "x.")
			conds = append(conds, `EXISTS (SELECT 1 FROM quotes p JOIN `+pgx.Identifier{t.Name}.Sanitize()+` x ON x.`+
				pgx.Identifier{t.Link}.Sanitize()+` = p.id WHERE p.customer_id = c.id AND p.held_until IS NULL
				AND (`+strings.Join(filled, " OR ")+`))`)
		}
	}
	var n int
	err = q.QueryRow(ctx, `UPDATE bulk_jobs SET verified_at = $2, violations = (
			SELECT count(*) FROM bulk_job_items i LEFT JOIN customers c ON c.id = i.customer_id
			WHERE i.job_id = $1 AND (
				(i.outcome IN ('anonymised', 'skipped_anonymised') AND c.id IS NOT NULL AND (`+strings.Join(conds, " OR ")+`))
				OR (i.outcome = 'deleted' AND c.id IS NOT NULL)))
		WHERE id = $1 RETURNING violations`, id, now).Scan(&n)
	return n, mapErr(err, "verify bulk job")
}

// BulkFailures lists up to limit customers a job could not process, with why.
func BulkFailures(ctx context.Context, q Querier, id int64, limit int) ([]domain.BulkFailure, error) {
	rows, err := q.Query(ctx, `SELECT customer_number, coalesce(error, '') FROM bulk_job_items
		WHERE job_id = $1 AND outcome = 'failed' ORDER BY customer_number LIMIT $2`, id, limit)
	if err != nil {
		return nil, mapErr(err, "bulk failures")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.BulkFailure, error) {
		var f domain.BulkFailure
		return f, r.Scan(&f.CustomerNumber, &f.Error)
	})
	return out, mapErr(err, "bulk failures")
}

// RecordBulkRetry notes why the work of job id failed on attempt (a message id) and when; the job's
// page shows it until a batch commits after it.
func RecordBulkRetry(ctx context.Context, q Querier, id int64, key string, attempt int, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE bulk_jobs SET retry_error = $2, retry_attempt = $3, retry_at = $4 WHERE id = $1`,
		id, key, attempt, at)
	return mapErr(err, "record bulk retry")
}

// DeleteBulkJob removes a draft job that selected nobody.
func DeleteBulkJob(ctx context.Context, q Querier, id int64) error {
	_, err := q.Exec(ctx, `DELETE FROM bulk_jobs WHERE id = $1 AND status = 'draft'`, id)
	return mapErr(err, "delete bulk job")
}
