package postgres_test

import (
	"context"
	"testing"

	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/pgtest"
)

// TestMigrationKeepsLinkMakersAndNames: migration 000012 gives each open link the maker recorded in the
// audit event written with it, withdraws an open link whose maker is not known (it cannot be checked again
// when used), and starts every existing user's name history with their current name and address.
func TestMigrationKeepsLinkMakersAndNames(t *testing.T) {
	_, url := pgtest.New(t)
	db := pgtest.Owner(t, url) // migrations are the owner's (the serve role may not change the schema)
	ctx := context.Background()
	mg, err := postgres.NewMigrator(pgtest.OwnerURL(t, url))
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()
	if err := mg.To(11); err != nil { // the schema before 000012
		t.Fatal(err)
	}
	var admin, hr, eva, gone int64
	for _, u := range []struct {
		id          *int64
		email, name string
	}{{&admin, "admin@example.se", "Administratören"}, {&hr, "hr@example.se", "Hanna HR"}, {&eva, "eva@example.se", "Eva Ek"},
		{&gone, "gone@example.se", "Gunnar Gick"}} {
		if err := db.Pool.QueryRow(ctx, `INSERT INTO users (email, name, password_hash) VALUES ($1, $2, '') RETURNING id`,
			u.email, u.name).Scan(u.id); err != nil {
			t.Fatal(err)
		}
	}
	link := func(hash string, user int64, at string, issuer *int64, used bool) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, `INSERT INTO user_tokens (hash, user_id, purpose, created_at, expires_at, used_at)
			VALUES ($1, $2, 'reset', $3::timestamptz, $3::timestamptz + interval '1 day', CASE WHEN $4 THEN $3::timestamptz END)`,
			[]byte(hash), user, at, used); err != nil {
			t.Fatal(err)
		}
		if issuer != nil {
			if _, err := db.Pool.Exec(ctx, `INSERT INTO audit_events (at, actor_user_id, action, entity_type, entity_id, prev_hash, hash)
				VALUES ($1::timestamptz + interval '412 microseconds', $2, 'user.password_link_issued', 'user', $3, '', '')`, at, *issuer, user); err != nil {
				t.Fatal(err)
			}
		}
	}
	link("by hr", eva, "2099-01-01 10:00:00.123456+00", &hr, false)
	link("by admin", hr, "2099-01-01 11:00:00+00", &admin, false)
	link("unknown maker", eva, "2098-12-31 09:00:00+00", nil, false)
	link("inactive user", gone, "2099-01-01 12:00:00+00", &admin, false) // the audit event came a moment later
	if _, err := db.Pool.Exec(ctx, `UPDATE users SET active = false WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}

	if err := mg.Up(); err != nil {
		t.Fatal(err)
	}
	for hash, want := range map[string]struct {
		issuer  int64
		revoked bool
	}{"by hr": {hr, false}, "by admin": {admin, false}, "unknown maker": {0, true}, "inactive user": {admin, true}} {
		var issuer *int64
		var revoked bool
		if err := db.Pool.QueryRow(ctx, `SELECT issued_by, revoked_at IS NOT NULL FROM user_tokens WHERE hash = $1`, []byte(hash)).Scan(&issuer, &revoked); err != nil {
			t.Fatal(err)
		}
		if (issuer == nil && want.issuer != 0) || (issuer != nil && *issuer != want.issuer) || revoked != want.revoked {
			t.Errorf("link %q: issued by %v, withdrawn %v; want %d, %v", hash, issuer, revoked, want.issuer, want.revoked)
		}
	}
	var name, email string
	var open int
	if err := db.Pool.QueryRow(ctx, `SELECT name, email::text, (SELECT count(*) FROM user_name_history WHERE valid_to IS NULL)
		FROM user_name_history WHERE user_id = $1 AND valid_from = '-infinity'`, eva).Scan(&name, &email, &open); err != nil {
		t.Fatal(err)
	}
	if name != "Eva Ek" || email != "eva@example.se" || open != 4 {
		t.Errorf("eva's history starts %q %q; %d open periods, want 4", name, email, open)
	}
	// And back: the down migration leaves the older schema, where a withdrawn link must stay spent.
	if err := mg.To(11); err != nil {
		t.Fatal(err)
	}
	var spent int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM user_tokens WHERE used_at IS NOT NULL`).Scan(&spent); err != nil || spent != 2 {
		t.Errorf("after the down migration %d links are spent (%v), want the 2 withdrawn ones", spent, err)
	}
}
