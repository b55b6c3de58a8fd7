package postgres_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// TestAuditFiltersReadIndexes: on 200 000 events, each of the audit log's filters counts and pages
// through the index made for it instead of reading the log (which at 10 M events takes seconds; see
// make bench-audit). The customer filter once read every event: its IN (…) under an OR was a filter; a
// user's week walked the log backwards from its newest event, looking for the week.
func TestAuditFiltersReadIndexes(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO customers (kind, name, created_at, updated_at, last_activity_at)
		SELECT 'company', 'Kund ' || i, now(), now(), now() FROM generate_series(1, 20000) i`)
	if err != nil {
		t.Fatal(err)
	}
	// Two years of events, a view of one of the customers every five minutes or so, by one of 20 users.
	_, err = db.Pool.Exec(ctx, `INSERT INTO audit_events (at, actor_user_id, action, entity_type, entity_id, details)
		SELECT now() - interval '730 days' + i * interval '315 seconds', 1 + i % 20,
			CASE WHEN i % 100 = 0 THEN 'export.register' ELSE 'customer.viewed' END, 'customer',
			(SELECT min(id) FROM customers) + (i * 7919) % 20000, '{}'
		FROM generate_series(1, 200000) i`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgtest.Owner(t, url).Pool.Exec(ctx, `ANALYZE audit_events; ANALYZE customers`); err != nil { // the owner's: others' ANALYZE is skipped
		t.Fatal(err)
	}
	day := time.Now().AddDate(0, -6, 0).Truncate(24 * time.Hour)
	for _, tc := range []struct {
		name  string
		f     domain.AuditFilter
		index string
	}{
		{"customer", domain.AuditFilter{Customer: 10042}, "audit_events_entity_idx"},
		{"customer's views", domain.AuditFilter{Customer: 10042, Actions: []string{"customer.viewed"}}, "audit_events_entity_idx"},
		{"user's week", domain.AuditFilter{Actor: 7, From: day, To: day.AddDate(0, 0, 7)}, "audit_events_actor_at"},
		{"exports of a day", domain.AuditFilter{Actions: []string{"export.register"}, From: day, To: day.AddDate(0, 0, 1)}, "audit_events_action_at"},
		{"word in a day", domain.AuditFilter{Text: "quote_id", From: day, To: day.AddDate(0, 0, 1)}, "audit_events_at"},
	} {
		name, f := tc.name, tc.f
		countSQL, countArgs, pageSQL, pageArgs := postgres.AuditPageSQL(domain.ListRequest{Desc: true, Limit: 50}, f, []string{})
		for _, q := range []struct {
			sql  string
			args []any
		}{{countSQL, countArgs}, {pageSQL, pageArgs}} {
			if plan := explain(t, db, q.sql, q.args...); !strings.Contains(plan, tc.index) ||
				strings.Contains(plan, "Seq Scan on audit_events") {
				t.Errorf("%s: the plan does not read %s:\n%s", name, tc.index, plan)
			}
		}
	}
}

// explain is the plan PostgreSQL chooses for sql.
func explain(t *testing.T, db *postgres.DB, sql string, args ...any) string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), "EXPLAIN "+sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestSealerReadsOnlyPendingEvents: the sealer's read of 500 pending events reads those 500 from the log
// of 200 000, also when audit_pending's statistics were taken while it was long (during a bulk job).
// As a join it was merged with the whole log, read from its first event on each call: 25 ms for 500
// events at 125 000 in the log, and growing with it; through the key, 0.7 ms at 1 000 000.
func TestSealerReadsOnlyPendingEvents(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	_, err := db.Pool.Exec(ctx, `INSERT INTO audit_events (at, actor_user_id, action, entity_type, entity_id, details)
		SELECT now(), NULL, 'customer.anonymised', 'customer', i, '{"bulk_job_id": 1}' FROM generate_series(1, 200000) i;
		INSERT INTO audit_pending (event_id) SELECT id FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgtest.Owner(t, url).Pool.Exec(ctx, `ANALYZE audit_events; ANALYZE audit_pending`); err != nil {
		t.Fatal(err)
	}
	// Sealed since, but for the newest 500: the statistics still say 200 000 are pending.
	if _, err := db.Pool.Exec(ctx, `DELETE FROM audit_pending WHERE event_id <= (SELECT max(id) - 500 FROM audit_events)`); err != nil {
		t.Fatal(err)
	}
	var out []byte
	if err := db.Pool.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+postgres.NextSealsSQL, 500).Scan(&out); err != nil {
		t.Fatal(err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		t.Fatalf("plan %s: %v", out, err)
	}
	if read, got := plans[0].Plan.rowsOf("audit_events"), plans[0].Plan.Rows; got != 500 || read > 500 {
		t.Errorf("the sealer read %.0f events of the log to seal %.0f of the 500 pending:\n%s", read, got, out)
	}
}

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	Relation string     `json:"Relation Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}

// rowsOf is how many rows the plan read from table (all its loops).
func (n planNode) rowsOf(table string) float64 {
	var rows float64
	if n.Relation == table {
		rows = n.Rows * n.Loops
	}
	for _, c := range n.Plans {
		rows += c.rowsOf(table)
	}
	return rows
}
