package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// heldUntil reads each quote's stored end of hold.
func heldUntil(t *testing.T, db *postgres.DB, ids ...int64) []string {
	t.Helper()
	out := make([]string, len(ids))
	for i, id := range ids {
		var d *time.Time
		if err := db.Pool.QueryRow(context.Background(), `SELECT held_until FROM quotes WHERE id = $1`, id).Scan(&d); err != nil {
			t.Fatal(err)
		}
		if d != nil {
			out[i] = d.Format("2006-01-02")
		}
	}
	return out
}

// TestMigrationMovesExistingHolds: holds stored by the older rule (seven years from the decision day, which
// also disagreed between Go and SQL on 29 February) are recomputed by migration 000010 to Bokföringslagen
// 7 kap. 2 §, once; a quote without a hold keeps none.
func TestMigrationMovesExistingHolds(t *testing.T) {
	db, url := pgtest.New(t)
	ctx := context.Background()
	owner := pgtest.OwnerURL(t, url) // migrations are the owner's
	role, err := postgres.RoleOf(url)
	if err != nil {
		t.Fatal(err)
	}
	mg, err := postgres.NewMigrator(owner)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()
	if err := mg.To(9); err != nil { // back to the schema before 000010
		t.Fatal(err)
	}
	var customer int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO customers (kind, name, created_at, updated_at, last_activity_at, anonymised_at)
		VALUES ('person', 'Anonymiserad', now(), now(), now(), now()) RETURNING id`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	quote := func(decided, held string) int64 {
		var id int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO quotes (customer_id, status, quote_date, valid_until, created_at, updated_at,
				decided_at, held_until) VALUES ($1, 'accepted', $2::timestamptz::date, $2::timestamptz::date, now(), now(), $2, $3::date)
			RETURNING id`, customer, decided, held).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// As the older build stored them: the decision day plus seven years.
	march := quote("2026-03-24 10:00 Europe/Stockholm", "2033-03-24")
	leap := quote("2028-02-29 12:00 Europe/Stockholm", "2035-02-28")
	newYearsEve := quote("2026-12-31 23:30 Europe/Stockholm", "2033-12-31")
	var none int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO quotes (customer_id, status, quote_date, valid_until, created_at, updated_at, decided_at)
		VALUES ($1, 'accepted', '2026-03-24', '2026-03-24', now(), now(), '2026-03-24 10:00 Europe/Stockholm') RETURNING id`, customer).Scan(&none); err != nil {
		t.Fatal(err)
	}

	if err := postgres.Migrate(owner, role); err != nil {
		t.Fatal(err)
	}
	got := heldUntil(t, db, march, leap, newYearsEve, none)
	want := []string{"2034-01-01", "2036-01-01", "2034-01-01", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("quote %d: held until %q after the migration, want %q", i, got[i], want[i])
		}
	}
	// Once: a later start leaves holds alone (a hold changed by hand stays as it is).
	if _, err := db.Pool.Exec(ctx, `UPDATE quotes SET held_until = '2040-01-01' WHERE id = $1`, march); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(owner, role); err != nil {
		t.Fatal(err)
	}
	if got := heldUntil(t, db, march); got[0] != "2040-01-01" {
		t.Errorf("a second migrate run moved a hold again: %s", got[0])
	}
}

// TestAlignHoldsFollowsTheSetting: a broken fiscal year ending in June moves a quote accepted on
// 2026-08-15 (fiscal year 2026-07-01–2027-06-30) from 2034-01-01 to 2035-01-01.
func TestAlignHoldsFollowsTheSetting(t *testing.T) {
	db, _ := pgtest.New(t)
	ctx := context.Background()
	var customer, q int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO customers (kind, name, created_at, updated_at, last_activity_at, anonymised_at)
		VALUES ('person', 'Anonymiserad', now(), now(), now(), now()) RETURNING id`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	if err := db.Pool.QueryRow(ctx, `INSERT INTO quotes (customer_id, status, quote_date, valid_until, created_at, updated_at,
			decided_at, held_until) VALUES ($1, 'accepted', '2026-08-15', '2026-08-15', now(), now(), '2026-08-15 09:00 Europe/Stockholm', '2034-01-01')
		RETURNING id`, customer).Scan(&q); err != nil {
		t.Fatal(err)
	}
	n, err := postgres.AlignHolds(ctx, db.Pool, domain.Retention{Years: 7, FiscalYearEnd: time.June})
	if err != nil || n != 1 {
		t.Fatalf("align: %d moved, %v", n, err)
	}
	if got := heldUntil(t, db, q); got[0] != "2035-01-01" {
		t.Errorf("held until %s, want 2035-01-01", got[0])
	}
	if n, err := postgres.AlignHolds(ctx, db.Pool, domain.Retention{Years: 7, FiscalYearEnd: time.June}); err != nil || n != 0 {
		t.Errorf("aligning again moved %d (%v), want 0", n, err)
	}
}
