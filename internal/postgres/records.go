package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

const recordColumns = `r.version, r.saved_at, r.saved_by, coalesce(u.name, ''), r.entries
	FROM processing_records r LEFT JOIN users u ON u.id = r.saved_by`

func scanRecord(row pgx.Row) (domain.RecordVersion, error) {
	var v domain.RecordVersion
	var raw []byte
	if err := row.Scan(&v.Number, &v.SavedAt, &v.SavedBy, &v.SavedByName, &raw); err != nil {
		return v, err
	}
	return v, json.Unmarshal(raw, &v.Entries)
}

// RecordVersion is version n of the record of processing activities, or the newest when n is 0; ok is
// false when there is no such version.
func RecordVersion(ctx context.Context, q Querier, n int) (domain.RecordVersion, bool, error) {
	v, err := scanRecord(q.QueryRow(ctx, `SELECT `+recordColumns+`
		WHERE $1 = 0 OR r.version = $1 ORDER BY r.version DESC LIMIT 1`, n))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.RecordVersion{}, false, nil
	}
	return v, err == nil, mapErr(err, "processing record")
}

// RecordVersions are every saved version of the record, newest first, without their entries.
func RecordVersions(ctx context.Context, q Querier) ([]domain.RecordVersion, error) {
	rows, err := q.Query(ctx, `SELECT `+recordColumns+` ORDER BY r.version DESC`)
	if err != nil {
		return nil, mapErr(err, "processing records")
	}
	defer rows.Close()
	var out []domain.RecordVersion
	for rows.Next() {
		v, err := scanRecord(rows)
		if err != nil {
			return nil, mapErr(err, "processing records")
		}
		v.Entries = nil
		out = append(out, v)
	}
	return out, mapErr(rows.Err(), "processing records")
}

// AddRecordVersion stores entries as the next version of the record and returns its number. The table is
// locked so two saves at once get consecutive numbers.
func AddRecordVersion(ctx context.Context, tx pgx.Tx, entries map[string]domain.RecordEntry, by *domain.UserID, now time.Time) (int, error) {
	raw, err := json.Marshal(entries)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE processing_records IN EXCLUSIVE MODE`); err != nil {
		return 0, mapErr(err, "lock processing records")
	}
	var n int
	err = tx.QueryRow(ctx, `INSERT INTO processing_records (version, saved_at, saved_by, entries)
		SELECT coalesce(max(version), 0) + 1, $1, $2, $3 FROM processing_records RETURNING version`, now, by, raw).Scan(&n)
	return n, mapErr(err, "add processing record")
}
