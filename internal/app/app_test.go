package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/agreement"
	"github.com/affar/affar/internal/app"
	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/testutil/pgtest"
	"github.com/affar/affar/internal/user"
	"github.com/affar/affar/migrations"
)

func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := app.Main(context.Background(), args, app.IO{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String()
}

func TestHelpListsTheCommands(t *testing.T) {
	code, out := run(t, nil, "", "help")
	for _, cmd := range []string{"serve", "migrate up", "migrate down N", "migrate version", "user create", "audit verify", "agreement publish"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("help does not list %q", cmd)
		}
	}
	if code != 0 {
		t.Fatalf("help exited %d", code)
	}
	if code, _ := run(t, nil, "", "frobnicate"); code != 2 {
		t.Fatalf("unknown command exited %d, want 2", code)
	}
}

func TestUserCreateMigrateAndAuditVerify(t *testing.T) {
	db, url := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": url, "AFFAR_PASSWORD": "a long enough password"}

	if code, out := run(t, env, "", "user", "create", "--email", "Eva@Example.se", "--admin"); code != 0 || !strings.Contains(out, "created user") {
		t.Fatalf("user create: %d %s", code, out)
	}
	if code, out := run(t, env, "", "user", "create", "--email", "eva@example.se"); code != 1 || !strings.Contains(out, "already exists") {
		t.Fatalf("duplicate user create: %d %s", code, out)
	}
	delete(env, "AFFAR_PASSWORD")
	if code, out := run(t, env, "short\n", "user", "create", "--email", "bo@example.se"); code != 1 || !strings.Contains(out, "password") {
		t.Fatalf("short password from the prompt: %d %s", code, out)
	}
	if code, out := run(t, env, "", "user", "grant", "--email", "eva@example.se", "audit.view", "customer.view"); code != 0 {
		t.Fatalf("grant: %d %s", code, out)
	}
	if code, out := run(t, env, "", "user", "grant", "--email", "eva@example.se", "no.such"); code == 0 || !strings.Contains(out, "unknown permission") {
		t.Fatalf("grant of an unknown permission: %d %s", code, out)
	}
	code, out := run(t, env, "", "migrate", "version")
	var version int
	if _, err := fmt.Sscanf(out, "migration version %d", &version); code != 0 || err != nil || version < 2 {
		t.Fatalf("migrate version: %d %s", code, out)
	}

	code, out = run(t, env, "", "audit", "verify")
	if code != 0 || !strings.Contains(out, "ok: 2 events") {
		t.Fatalf("audit verify on an intact log: %d %s", code, out)
	}
	var first int64
	ctx := context.Background()
	if err := db.Pool.QueryRow(ctx, `SELECT min(id) FROM audit_events`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	_, err := pgtest.Owner(t, url).Pool.Exec(ctx, `ALTER TABLE audit_events DISABLE TRIGGER USER;
		UPDATE audit_events SET entity_id = entity_id + 1 WHERE id = `+fmt.Sprint(first)+`;
		ALTER TABLE audit_events ENABLE TRIGGER USER`)
	if err != nil {
		t.Fatal(err)
	}
	code, out = run(t, env, "", "audit", "verify")
	if code != 1 || !strings.Contains(out, fmt.Sprintf("BROKEN: event %d:", first)) {
		t.Fatalf("audit verify after tampering with event %d: %d %s", first, code, out)
	}

	// Migrations are the owner's: the serve role (DATABASE_URL) may not change the schema.
	if code, out := run(t, env, "", "migrate", "down", "1"); code == 0 {
		t.Fatalf("migrate down 1 as the serve role: %d %s", code, out)
	}
	env["AFFAR_MIGRATE_URL"] = pgtest.OwnerURL(t, url)
	if code, out := run(t, env, "", "migrate", "down", "1"); code != 0 || !strings.Contains(out, fmt.Sprintf("migration version %d", previousMigration(t, version))) {
		t.Fatalf("migrate down 1: %d %s", code, out)
	}
	if code, out := run(t, env, "", "migrate", "up"); code != 0 || !strings.Contains(out, fmt.Sprintf("migration version %d", version)) {
		t.Fatalf("migrate up: %d %s", code, out)
	}
}

func TestUserPasswordReset(t *testing.T) {
	db, url := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": url, "AFFAR_PASSWORD": "the first password"}
	if code, out := run(t, env, "", "user", "create", "--email", "eva@example.se"); code != 0 {
		t.Fatalf("user create: %d %s", code, out)
	}
	env["AFFAR_PASSWORD"] = "the second password"
	if code, out := run(t, env, "", "user", "password", "--email", "eva@example.se"); code != 0 || !strings.Contains(out, "sessions have ended") {
		t.Fatalf("user password: %d %s", code, out)
	}
	svc := app.NewServices(config.Config{}, db, time.Now, slog.New(slog.DiscardHandler))
	if _, err := svc.Users.SignIn(context.Background(), user.Credentials{Email: "eva@example.se", Password: "the first password", Client: "127.0.0.1"}); err == nil {
		t.Fatal("the old password still signs in")
	}
	if _, err := svc.Users.SignIn(context.Background(), user.Credentials{Email: "eva@example.se", Password: "the second password", Client: "127.0.0.1"}); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
	if code, out := run(t, env, "", "user", "password", "--email", "nobody@example.se"); code != 1 || !strings.Contains(out, "no user") {
		t.Fatalf("password for an unknown user: %d %s", code, out)
	}
}

// previousMigration is the version of the migration before version (numbers may have gaps: each engineer
// takes the next free one).
func previousMigration(t *testing.T, version int) int {
	t.Helper()
	files, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	prev := 0
	for _, f := range files {
		var n int
		if _, err := fmt.Sscanf(f, "%d_", &n); err == nil && n < version && n > prev {
			prev = n
		}
	}
	return prev
}

// TestAgreementPublishCommand: the operator publishes from the command line after a preview; "no" sends
// nothing, an empty text or a version id used before is refused, and a published version is queued for
// every admin in the outbox.
func TestAgreementPublishCommand(t *testing.T) {
	db, url := pgtest.New(t)
	env := map[string]string{"DATABASE_URL": url, "AFFAR_PASSWORD": "a long enough password"}
	if code, out := run(t, env, "", "user", "create", "--email", "eva@example.se", "--admin"); code != 0 {
		t.Fatalf("user create: %d %s", code, out)
	}
	file := filepath.Join(t.TempDir(), "avtal.txt")
	text := "Personuppgiftsbiträdesavtal\n\n1. Parter.\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	versions := func() (n int) {
		if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM agreement_versions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	code, out := run(t, env, "n\n", "agreement", "publish", "--version", "2027-1", "--file", file)
	if code != 1 || !strings.Contains(out, "nothing published") || !strings.Contains(out, "eva@example.se") ||
		!strings.Contains(out, agreement.Digest(strings.TrimSpace(text))) || versions() != 0 {
		t.Fatalf("answering no: %d %s (%d versions)", code, out, versions())
	}
	if code, out := run(t, env, "y\n", "agreement", "publish", "--version", "2027-1", "--file", file); code != 0 || !strings.Contains(out, "1 e-mail(s) queued") {
		t.Fatalf("publish: %d %s", code, out)
	}
	var queued int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE recipient = 'eva@example.se'`).Scan(&queued); err != nil || queued != 1 {
		t.Fatalf("%d messages to the admin in the outbox (%v), want 1", queued, err)
	}
	if code, out := run(t, env, "", "agreement", "publish", "--version", "2027-1", "--file", file, "--yes"); code != 1 || !strings.Contains(out, "already exists") {
		t.Fatalf("a version id used before: %d %s", code, out)
	}
	empty := filepath.Join(t.TempDir(), "tom.txt")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, env, "", "agreement", "publish", "--version", "2027-2", "--file", empty, "--yes"); code != 1 || !strings.Contains(out, "body: ") {
		t.Fatalf("an empty text: %d %s", code, out)
	}
	if versions() != 1 {
		t.Fatalf("%d versions, want 1", versions())
	}
}
