package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/quote"
	"github.com/affar/affar/internal/server"
	"github.com/affar/affar/internal/testutil"
)

// tally counts what one screen costs: service calls by name and transactions begun.
type tally struct {
	mu    sync.Mutex
	calls map[string]int
	txs   int
}

func (t *tally) call(name string) { t.mu.Lock(); t.calls[name]++; t.mu.Unlock() }

// take returns the counts so far and starts afresh.
func (t *tally) take() (map[string]int, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	calls, txs := t.calls, t.txs
	t.calls, t.txs = map[string]int{}, 0
	return calls, txs
}

// TraceQueryStart counts the transactions begun on the traced pool (pgx begins one with "begin").
func (t *tally) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(d.SQL)), "begin") {
		t.mu.Lock()
		t.txs++
		t.mu.Unlock()
	}
	return ctx
}

func (t *tally) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// countedCustomers and countedQuotes count the calls of the two services the customer and quote screens
// use: every read and the writes the test makes fail; the other writes pass through uncounted.
type countedCustomers struct {
	server.Customers
	t *tally
}

func (c countedCustomers) View(ctx context.Context, id domain.CustomerID) (customer.Detail, error) {
	c.t.call("Customers.View")
	return c.Customers.View(ctx, id)
}

func (c countedCustomers) List(ctx context.Context, f domain.CustomerFilter) (domain.CustomerPage, error) {
	c.t.call("Customers.List")
	return c.Customers.List(ctx, f)
}

func (c countedCustomers) Segment(ctx context.Context, sq domain.SegmentQuery) (domain.SegmentPage, error) {
	c.t.call("Customers.Segment")
	return c.Customers.Segment(ctx, sq)
}

func (c countedCustomers) ForEdit(ctx context.Context, id domain.CustomerID) (domain.Customer, error) {
	c.t.call("Customers.ForEdit")
	return c.Customers.ForEdit(ctx, id)
}

func (c countedCustomers) Rectify(ctx context.Context, id domain.CustomerID, in domain.CustomerInput, version int64, onRequest string) (domain.Customer, int64, error) {
	c.t.call("Customers.Update")
	return c.Customers.Rectify(ctx, id, in, version, onRequest)
}

func (c countedCustomers) AddContact(ctx context.Context, id domain.CustomerID, in domain.ContactInput) error {
	c.t.call("Customers.AddContact")
	return c.Customers.AddContact(ctx, id, in)
}

type countedQuotes struct {
	server.Quotes
	t *tally
}

func (q countedQuotes) View(ctx context.Context, id domain.QuoteID) (domain.Quote, domain.Customer, error) {
	q.t.call("Quotes.View")
	return q.Quotes.View(ctx, id)
}

func (q countedQuotes) ForEdit(ctx context.Context, id domain.QuoteID) (domain.Quote, domain.Customer, error) {
	q.t.call("Quotes.ForEdit")
	return q.Quotes.ForEdit(ctx, id)
}

func (q countedQuotes) Update(ctx context.Context, id domain.QuoteID, in domain.QuoteInput, version int) error {
	q.t.call("Quotes.Update")
	return q.Quotes.Update(ctx, id, in, version)
}

func (q countedQuotes) Recent(ctx context.Context, seg domain.Segment, status domain.QuoteStatus) ([]domain.QuoteSummary, error) {
	q.t.call("Quotes.Recent")
	return q.Quotes.Recent(ctx, seg, status)
}

// countingServer serves env's application with the customer and quote services on a traced pool and
// their calls counted, and returns a client of it.
func countingServer(t *testing.T, env *testutil.Env) (*testutil.Client, *tally) {
	t.Helper()
	counts := &tally{calls: map[string]int{}}
	cfg, err := pgxpool.ParseConfig(env.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = counts
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	traced := &postgres.DB{Pool: pool}
	deps := env.Server.Deps
	deps.Customers = countedCustomers{&customer.Service{DB: traced, Now: env.Clock.Now, ErasureSalt: env.Config.ErasureSalt}, counts}
	deps.Quotes = countedQuotes{&quote.Service{DB: traced, Now: env.Clock.Now}, counts}
	srv, err := server.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	counted := *env
	counted.HTTP = hs
	return counted.NewClient(t), counts
}

// viewEvents counts the view events in the audit log: the customer page's and the quote page's.
func viewEvents(t *testing.T, env *testutil.Env) int {
	t.Helper()
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM audit_events WHERE action IN ($1, $2)`, customer.Viewed, audit.QuoteViewed).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOneServiceCallPerScreen: the customer page (customer, contacts, consent, credit reports, access log,
// quotes and how long the data is kept) is one service call, one transaction and one view event; a
// failed sub-form shows it again the same way, and an edit form, opened or shown again after a failed
// save, reads the record once, in one transaction with its view event (customers and quotes alike).
func TestOneServiceCallPerScreen(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	cust := env.MustCreateRichCustomer(t, "Ek AB", 0)
	env.MustAddContact(t, cust.ID, "Kim Lind")
	draft := env.MustCreateQuote(t, cust.ID)
	quotePath := "/quotes/" + strconv.FormatInt(int64(draft.ID), 10)
	_, pw := env.MustCreateUser(t, "clerk@example.se", false, authz.CustomerView, authz.CustomerEdit,
		authz.CreditReportAccess, authz.AuditView)
	c, counts := countingServer(t, env)
	c.SignIn("clerk@example.se", pw)
	check := func(what string, want map[string]int, wantTxs, wantViews int, do func() testutil.Response, status int) {
		t.Helper()
		counts.take()
		before := viewEvents(t, env)
		if r := do(); r.Status != status {
			t.Fatalf("%s: %d, want %d", what, r.Status, status)
		}
		calls, txs := counts.take()
		if len(calls) != len(want) || txs != wantTxs {
			t.Errorf("%s: calls %v in %d transactions, want %v in %d", what, calls, txs, want, wantTxs)
		}
		for name, n := range want {
			if calls[name] != n {
				t.Errorf("%s: %d calls of %s, want %d", what, calls[name], name, n)
			}
		}
		if views := viewEvents(t, env) - before; views != wantViews {
			t.Errorf("%s: %d view events, want %d", what, views, wantViews)
		}
	}

	page := func() testutil.Response {
		r := c.Get(customerPath(cust))
		for _, shown := range []string{"Kim Lind", "Inga anmärkningar", "Kund skapad", "Personuppgifterna får raderas från"} {
			if !strings.Contains(r.Body, shown) {
				t.Errorf("the customer page does not show %q", shown)
			}
		}
		return r
	}
	check("the customer page", map[string]int{"Customers.View": 1}, 1, 1, page, http.StatusOK)
	check("a failed sub-form", map[string]int{"Customers.AddContact": 1, "Customers.View": 1}, 1, 1, func() testutil.Response {
		return c.PostForm(customerPath(cust)+"/contacts", url.Values{"contact_name": {"Kim"}, "contact_email": {"kim@"}})
	}, http.StatusUnprocessableEntity)
	// The edit form shows the record, so opening it is a view, and so is showing it again after a failed or
	// stale save (the record as it is now beside what was typed).
	check("the edit form", map[string]int{"Customers.ForEdit": 1}, 1, 1, func() testutil.Response {
		return c.Get(customerPath(cust) + "/edit")
	}, http.StatusOK)
	check("a failed edit", map[string]int{"Customers.Update": 1, "Customers.ForEdit": 1}, 1, 1, func() testutil.Response {
		return c.PostForm(customerPath(cust), url.Values{"kind": {"company"}, "name": {""}, "version": {"1"}})
	}, http.StatusUnprocessableEntity)
	check("a stale edit", map[string]int{"Customers.Update": 1, "Customers.ForEdit": 1}, 2, 1, func() testutil.Response {
		return c.PostForm(customerPath(cust), url.Values{"kind": {"company"}, "name": {"Ek AB"}, "country": {"SE"}, "version": {"0"}})
	}, http.StatusConflict)

	check("the quote page", map[string]int{"Quotes.View": 1}, 1, 1, func() testutil.Response {
		return c.Get(quotePath)
	}, http.StatusOK)
	// The quote's edit form names the customer as its page does, so it too is a view.
	check("the quote edit form", map[string]int{"Quotes.ForEdit": 1}, 1, 1, func() testutil.Response {
		return c.Get(quotePath + "/edit")
	}, http.StatusOK)
	check("a stale quote edit", map[string]int{"Quotes.Update": 1, "Quotes.ForEdit": 1}, 2, 1, func() testutil.Response {
		r := c.PostForm(quotePath, url.Values{"quote_date": {"2026-11-01"}, "valid_until": {"2026-12-01"},
			"version": {strconv.Itoa(draft.Version + 1)}})
		if !strings.Contains(r.Body, "Ek AB") {
			t.Error("the stale quote form does not name the customer")
		}
		return r
	}, http.StatusConflict)
}
