package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/testutil"
)

// unwritableLedgers are ledger paths no write can reach, as root too (tests may run as root, whom a
// read-only mode does not stop): under a regular file, and a directory. fix makes the first writable.
func unwritableLedgers(t *testing.T) map[string]struct {
	path string
	fix  func()
} {
	blocker := filepath.Join(t.TempDir(), "ledger")
	if err := os.WriteFile(blocker, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]struct {
		path string
		fix  func()
	}{
		"under a file": {filepath.Join(blocker, "erasures.jsonl"), func() {
			if err := os.Remove(blocker); err != nil || os.Mkdir(blocker, 0o700) != nil {
				t.Fatal("cannot make the ledger writable", err)
			}
		}},
		"a directory": {t.TempDir(), nil},
	}
}

// An erasure whose ledger cannot be written fails closed; the user is told that nothing was erased and
// why, with what they typed kept, and /readyz reports the ledger until it can be written again.
func TestUnwritableLedgerSaysNothingWasErased(t *testing.T) {
	for name, ledger := range unwritableLedgers(t) {
		t.Run(name, func(t *testing.T) {
			env := testutil.NewEnv(t, map[string]string{"AFFAR_ERASURE_LEDGER": ledger.path})
			cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Eva Ek"})
			_, pw := env.MustCreateUser(t, "admin@example.se", true)
			c := env.NewClient(t)
			c.SignIn("admin@example.se", pw)
			if r := c.Get("/readyz"); r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "erasure ledger") {
				t.Errorf("/readyz with an unwritable ledger: %d %q, want 503 naming the ledger", r.Status, r.Body)
			}
			form := url.Values{"confirm": {strconv.FormatInt(cust.Number, 10)}, "reason": {"Begäran per brev"}}
			r := c.PostForm(customerPath(cust)+"/anonymise", form)
			want := html.EscapeString(i18n.T(i18n.WithLang(context.Background(), "sv"), "gdpr.ledger_unwritable"))
			if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, want) || !strings.Contains(r.Body, ">Begäran per brev</textarea>") {
				t.Errorf("anonymise with an unwritable ledger: %d, want 503 saying nothing was erased, the reason kept", r.Status)
			}
			var n int
			if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM customers WHERE anonymised_at IS NOT NULL`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d customers anonymised (%v) without a ledger", n, err)
			}
			if ledger.fix == nil {
				return
			}
			ledger.fix()
			if r := c.Get("/readyz"); r.Status != http.StatusOK {
				t.Errorf("/readyz once the ledger is writable: %d", r.Status)
			}
			if r := c.PostForm(customerPath(cust)+"/anonymise", form); r.Status != http.StatusSeeOther {
				t.Errorf("anonymise once the ledger is writable: %d", r.Status)
			}
		})
	}
}

// A bulk job whose batches fail (here: the ledger) retries by itself; meanwhile its page says which
// attempt failed, when and why, and that nothing of that batch was erased.
func TestBulkJobPageShowsRetryErrors(t *testing.T) {
	ledger := unwritableLedgers(t)["under a file"]
	env := testutil.NewEnv(t, map[string]string{"AFFAR_ERASURE_LEDGER": ledger.path})
	ctx := authz.WithActor(context.Background(), authz.System())
	for i := range 3 {
		env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Kund " + strconv.Itoa(i)})
	}
	b := env.Services.Bulk
	j, err := b.Draft(ctx, domain.Segment{}, map[string]string{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Confirm(ctx, j.ID, gdpr.ConfirmInput{Kind: domain.EraseAnonymise, Reason: "Rensning"}); err != nil {
		t.Fatal(err)
	}
	work := func(attempt int) error {
		w := &gdpr.BulkEraseWorker{Bulk: b}
		return w.Work(context.Background(), &river.Job[gdpr.BulkEraseArgs]{JobRow: &rivertype.JobRow{Attempt: attempt},
			Args: gdpr.BulkEraseArgs{JobID: j.ID}})
	}
	if err := work(2); err == nil {
		t.Fatal("the job's work succeeded without a ledger")
	}
	c := env.SignedInClient(t, "admin@example.se", true)
	sv := i18n.WithLang(context.Background(), "sv")
	want := html.EscapeString(i18n.N(sv, "bulk.retry.notice", 2, env.Clock.Now().In(domain.Stockholm).Format("2006-01-02 15:04"),
		i18n.T(sv, "bulk.retry.ledger")))
	for _, path := range []string{"/bulk-jobs/" + strconv.FormatInt(j.ID, 10), "/bulk-jobs/" + strconv.FormatInt(j.ID, 10) + "/progress"} {
		if r := c.Get(path); r.Status != http.StatusOK || !strings.Contains(r.Body, want) {
			t.Errorf("%s: %d, want the failed attempt %q", path, r.Status, want)
		}
	}
	ledger.fix()
	if err := work(3); err != nil {
		t.Fatal(err)
	}
	if r := c.Get("/bulk-jobs/" + strconv.FormatInt(j.ID, 10)); strings.Contains(r.Body, `id="job-retry"`) {
		t.Error("the job page still shows a failure after the job finished")
	}
}
