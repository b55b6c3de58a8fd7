package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// CreateImport stores an import's preview with the fields its file has (its rows are counted as they are
// read: SetImportTotal); stale previews go first, with their rows.
func CreateImport(ctx context.Context, tx pgx.Tx, by *domain.UserID, fields []string, now time.Time) (int64, error) {
	if _, err := DeleteStaleImports(ctx, tx, now); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO customer_imports (created_by, created_at, total, fields) VALUES ($1, $2, 0, $3)
		RETURNING id`, by, now, fields).Scan(&id)
	return id, mapErr(err, "create import")
}

// SetImportTotal stores how many rows an import's file has.
func SetImportTotal(ctx context.Context, q Querier, id int64, total int) error {
	_, err := q.Exec(ctx, `UPDATE customer_imports SET total = $2 WHERE id = $1`, id, total)
	return mapErr(err, "import total")
}

// StaleImport is how long a preview nobody confirms keeps the file's rows.
const StaleImport = 24 * time.Hour

// DeleteStaleImports removes the previews made more than StaleImport before now, with their rows, and
// returns how many.
func DeleteStaleImports(ctx context.Context, q Querier, now time.Time) (int, error) {
	tag, err := q.Exec(ctx, `DELETE FROM customer_imports WHERE status = 'preview' AND created_at < $1`, now.Add(-StaleImport))
	return int(tag.RowsAffected()), mapErr(err, "delete stale imports")
}

// InsertImportRows copies checked rows into an import.
func InsertImportRows(ctx context.Context, tx pgx.Tx, id int64, rows []domain.ImportRow) error {
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"customer_import_rows"},
		[]string{"import_id", "row_no", "input", "state", "problems", "match_id", "match_on", "erased_at", "objected"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			input, err := json.Marshal(r.Input)
			if err != nil {
				return nil, err
			}
			problems, err := json.Marshal(r.Problems)
			if err != nil {
				return nil, err
			}
			var erased *time.Time
			if !r.ErasedAt.IsZero() {
				erased = &r.ErasedAt
			}
			return []any{id, r.Row, input, string(r.State), problems, nullID(r.MatchID), nullText(r.MatchOn), erased, r.Objected}, nil
		}))
	return mapErr(err, "insert import rows")
}

func nullID(id domain.CustomerID) *domain.CustomerID {
	if id == 0 {
		return nil
	}
	return &id
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ImportMatches finds existing customers by number, identity number or e-mail: each value to the id of
// the customer that has it.
func ImportMatches(ctx context.Context, q Querier, numbers []int64, idNumbers, emails []string) (map[string]domain.CustomerID, error) {
	rows, err := q.Query(ctx, `SELECT 'number:' || c.number, c.id FROM customers c WHERE c.number = ANY($1)
		UNION ALL SELECT 'id_number:' || c.id_number, c.id FROM customers c WHERE c.id_number = ANY($2) AND c.id_number <> ''
		UNION ALL SELECT 'email:' || (c.email COLLATE "sv-x-icu"), c.id FROM customers c
			WHERE (c.email COLLATE "sv-x-icu") = ANY($3) AND c.email <> ''`, numbers, idNumbers, emails)
	if err != nil {
		return nil, mapErr(err, "import matches")
	}
	out := map[string]domain.CustomerID{}
	var (
		key string
		id  domain.CustomerID
	)
	_, err = pgx.ForEachRow(rows, []any{&key, &id}, func() error {
		if _, seen := out[key]; !seen {
			out[key] = id
		}
		return nil
	})
	return out, mapErr(err, "import matches")
}

// SuppressedHashes are those of hashes on the suppression list, each with the last erasure's time.
func SuppressedHashes(ctx context.Context, q Querier, hashes [][]byte) (map[string]time.Time, error) {
	rows, err := q.Query(ctx, `SELECT hash, max(erased_at) FROM erasure_suppressions WHERE hash = ANY($1) GROUP BY hash`, hashes)
	if err != nil {
		return nil, mapErr(err, "suppressed hashes")
	}
	out := map[string]time.Time{}
	var (
		h  []byte
		at time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&h, &at}, func() error { out[string(h)] = at; return nil })
	return out, mapErr(err, "suppressed hashes")
}

// ObjectedHashes are those of hashes whose latest objection kept from an erased customer stands (not lifted).
func ObjectedHashes(ctx context.Context, q Querier, hashes [][]byte) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (hash) hash, NOT lifted FROM objection_hashes WHERE hash = ANY($1)
		ORDER BY hash, erased_at DESC, id DESC`, hashes)
	if err != nil {
		return nil, mapErr(err, "objected hashes")
	}
	out := map[string]bool{}
	var (
		h     []byte
		stand bool
	)
	_, err = pgx.ForEachRow(rows, []any{&h, &stand}, func() error {
		if stand {
			out[string(h)] = true
		}
		return nil
	})
	return out, mapErr(err, "objected hashes")
}

const importColumns = `i.id, i.created_by, i.created_at, i.total, i.status, coalesce(i.duplicates, ''), i.fields, i.confirmed_at,
	i.finished_at, (SELECT jsonb_object_agg(k, n) FROM (SELECT r.state AS k, count(*) AS n FROM customer_import_rows r
		WHERE r.import_id = i.id GROUP BY 1) s), (SELECT jsonb_object_agg(k, n) FROM (SELECT r.outcome AS k, count(*) AS n
		FROM customer_import_rows r WHERE r.import_id = i.id AND r.outcome IS NOT NULL GROUP BY 1) s)`

// Import loads an import with its rows counted by state and by outcome; lock takes its row lock.
func Import(ctx context.Context, q Querier, id int64, lock bool) (domain.Import, error) {
	var (
		im              domain.Import
		states, results []byte
	)
	sql := `SELECT ` + importColumns + ` FROM customer_imports i WHERE i.id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	err := q.QueryRow(ctx, sql, id).Scan(&im.ID, &im.CreatedBy, &im.CreatedAt, &im.Total, &im.Status, &im.Duplicates,
		&im.Fields, &im.ConfirmedAt, &im.FinishedAt, &states, &results)
	if err != nil {
		return im, mapErr(err, "import")
	}
	im.States, im.Outcomes = map[domain.ImportState]int{}, map[domain.ImportOutcome]int{}
	if states != nil {
		if err := json.Unmarshal(states, &im.States); err != nil {
			return im, err
		}
	}
	if results != nil {
		err = json.Unmarshal(results, &im.Outcomes)
	}
	return im, err
}

// ImportProblems is a page of an import's rows in one of states, after row after, in row order; a
// duplicate of a restricted customer shows no number (art. 18: nobody meets it on a list).
func ImportProblems(ctx context.Context, q Querier, id int64, states []domain.ImportState, after, limit int) ([]domain.ImportRow, bool, error) {
	rows, err := q.Query(ctx, `SELECT `+importRowColumns+`,
		coalesce((SELECT c.number FROM customers c WHERE c.id = r.match_id AND `+unrestricted+`), 0)
		FROM customer_import_rows r WHERE r.import_id = $1 AND r.state = ANY($4) AND r.row_no > $2 ORDER BY r.row_no LIMIT $3`,
		id, after, limit+1, states)
	if err != nil {
		return nil, false, mapErr(err, "import problems")
	}
	out, err := pgx.CollectRows(rows, scanImportRow)
	if err != nil {
		return nil, false, mapErr(err, "import problems")
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// importRowColumns are the columns scanImportRow reads of a row r, before the matched customer's number.
const importRowColumns = `r.row_no, coalesce(r.input, '{}'), r.state, r.problems, coalesce(r.match_id, 0),
	coalesce(r.match_on, ''), coalesce(r.erased_at, '0001-01-01'), r.objected, r.include`

func scanImportRow(r pgx.CollectableRow) (domain.ImportRow, error) {
	var (
		row             domain.ImportRow
		input, problems []byte
	)
	err := r.Scan(&row.Row, &input, &row.State, &problems, &row.MatchID, &row.MatchOn, &row.ErasedAt, &row.Objected,
		&row.Include, &row.MatchNumber)
	if err == nil {
		err = json.Unmarshal(input, &row.Input)
	}
	if err == nil {
		err = json.Unmarshal(problems, &row.Problems)
	}
	return row, err
}

// ConfirmImport queues a previewed import with the user's choices: what to do with duplicates, and the
// held rows to import all the same.
func ConfirmImport(ctx context.Context, tx pgx.Tx, id int64, duplicates string, include []int, now time.Time) error {
	tag, err := tx.Exec(ctx, `UPDATE customer_imports SET status = 'queued', duplicates = $2, confirmed_at = $3
		WHERE id = $1 AND status = 'preview'`, id, duplicates, now)
	if err != nil {
		return mapErr(err, "confirm import")
	}
	if tag.RowsAffected() != 1 {
		return &domain.ConflictError{Key: "import.not_preview"}
	}
	_, err = tx.Exec(ctx, `UPDATE customer_import_rows SET include = true WHERE import_id = $1 AND state = 'held'
		AND row_no = ANY($2)`, id, include)
	return mapErr(err, "confirm import")
}

// ClaimImportRows locks the next limit rows of an import that have no outcome yet.
func ClaimImportRows(ctx context.Context, tx pgx.Tx, id int64, limit int) ([]domain.ImportRow, error) {
	rows, err := tx.Query(ctx, `SELECT `+importRowColumns+`, 0
		FROM customer_import_rows r WHERE r.import_id = $1 AND r.outcome IS NULL ORDER BY r.row_no LIMIT $2
		FOR UPDATE SKIP LOCKED`, id, limit)
	if err != nil {
		return nil, mapErr(err, "claim import rows")
	}
	out, err := pgx.CollectRows(rows, scanImportRow)
	return out, mapErr(err, "claim import rows")
}

// SetImportOutcomes records the rows' outcomes and clears their values: the row numbers and outcomes are
// all an ended import keeps.
func SetImportOutcomes(ctx context.Context, tx pgx.Tx, id int64, rowNos []int, outcomes []string) error {
	_, err := tx.Exec(ctx, `UPDATE customer_import_rows r SET outcome = o.outcome, input = NULL
		FROM unnest($2::int[], $3::text[]) AS o (row_no, outcome) WHERE r.import_id = $1 AND r.row_no = o.row_no`,
		id, rowNos, outcomes)
	return mapErr(err, "import outcomes")
}

// FinishImport ends a queued import when no row is left without an outcome; it reports whether it did.
func FinishImport(ctx context.Context, tx pgx.Tx, id int64, now time.Time) (bool, error) {
	tag, err := tx.Exec(ctx, `UPDATE customer_imports SET status = 'done', finished_at = $2 WHERE id = $1 AND status = 'queued'
		AND NOT EXISTS (SELECT 1 FROM customer_import_rows r WHERE r.import_id = $1 AND r.outcome IS NULL)`, id, now)
	return tag.RowsAffected() == 1, mapErr(err, "finish import")
}

// OpenImports are the queued imports (to resume at start).
func OpenImports(ctx context.Context, q Querier) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM customer_imports WHERE status = 'queued' ORDER BY id`)
	if err != nil {
		return nil, mapErr(err, "open imports")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err, "open imports")
}

// ImportForBatch loads what a batch of an import needs: its status, the choice for duplicates and its
// fields (not the counts, which cost a scan of its rows).
func ImportForBatch(ctx context.Context, q Querier, id int64) (domain.Import, error) {
	im := domain.Import{ID: id}
	err := q.QueryRow(ctx, `SELECT created_by, status, coalesce(duplicates, ''), fields FROM customer_imports WHERE id = $1`, id).
		Scan(&im.CreatedBy, &im.Status, &im.Duplicates, &im.Fields)
	return im, mapErr(err, "import")
}
