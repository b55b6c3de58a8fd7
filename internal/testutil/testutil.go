// Package testutil starts the whole application against a fresh test database and gives tests a
// browser-like HTTP client and fixtures (MustCreate…).
package testutil

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/affar/affar/internal/app"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/devdb"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/server"
	"github.com/affar/affar/internal/testutil/pgtest"
	"github.com/affar/affar/internal/user"
)

// Clock is a settable clock for services; it starts at the real time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// LogBuffer collects the server's log lines, safe for concurrent writes.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *LogBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// Env is a running application on a fresh database. Like a server, it connects as a role that owns
// nothing (pgtest); Owner is for what only the schema's owner may do.
type Env struct {
	DB       *postgres.DB
	DBURL    string
	OwnerURL string // the owner's URL of the same database
	Services app.Services
	Server   *server.Server
	HTTP     *httptest.Server
	Log      *LogBuffer
	Clock    *Clock
	Config   config.Config
}

// NewEnv starts the application on 127.0.0.1 and a random port. env overrides configuration variables.
func NewEnv(t testing.TB, env map[string]string) *Env {
	t.Helper()
	db, dbURL := pgtest.New(t)
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL, cfg.MigrateURL = dbURL, pgtest.OwnerURL(t, dbURL)
	if env["AFFAR_RATE_LIMIT"] == "" && env["AFFAR_RATE_BURST"] == "" {
		// Tests send requests faster than any person; the rate limit's own tests set it.
		cfg.RateLimit, cfg.RateBurst = 1e6, 1e6
	}
	if cfg.Secret == nil {
		cfg.Secret = []byte("test secret shared by the server and the fixtures")
	}
	if cfg.ErasureSalt == nil {
		cfg.ErasureSalt = []byte("test erasure salt, at least 32 characters long")
	}
	if cfg.ErasureLedger == "" {
		cfg.ErasureLedger = filepath.Join(t.TempDir(), "erasure-ledger.jsonl")
	}
	e := &Env{DB: db, DBURL: dbURL, OwnerURL: cfg.MigrateURL, Log: &LogBuffer{}, Clock: &Clock{now: time.Now()}, Config: cfg}
	logger := slog.New(slog.NewTextHandler(e.Log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.Services = app.NewServices(cfg, db, e.Clock.Now, logger)
	srv, err := app.NewServer(cfg, db, logger, e.Clock.Now, e.Services)
	if err != nil {
		t.Fatal(err)
	}
	e.Server = srv
	e.HTTP = httptest.NewServer(srv)
	t.Cleanup(func() {
		e.HTTP.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", e.Log.String())
		}
	})
	return e
}

// Owner opens a pool of the schema's owner on the environment's database, closed when the test ends.
func (e *Env) Owner(t testing.TB) *postgres.DB { t.Helper(); return pgtest.Owner(t, e.DBURL) }

// MustCreateUser creates an active user with the given permissions and returns its id and password.
func (e *Env) MustCreateUser(t testing.TB, email string, admin bool, perms ...authz.Permission) (domain.UserID, string) {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	pw := "pw-" + strings.Repeat("x", 12) + email
	id, err := e.Services.Users.Create(ctx, user.NewUser{Email: email, Name: "User " + email, Password: pw, IsAdmin: admin})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	if len(perms) > 0 {
		if err := e.Services.Users.SetPermissions(ctx, id, perms, nil); err != nil {
			t.Fatalf("grant %v: %v", perms, err)
		}
	}
	return id, pw
}

// SignedInClient is a client signed in as a new active user (MustCreateUser) with the given permissions.
func (e *Env) SignedInClient(t testing.TB, email string, admin bool, perms ...authz.Permission) *Client {
	t.Helper()
	_, pw := e.MustCreateUser(t, email, admin, perms...)
	c := e.NewClient(t)
	c.SignIn(email, pw)
	return c
}

// CustomerPath is the customer's page.
func CustomerPath(c domain.Customer) string {
	return "/customers/" + strconv.FormatInt(int64(c.ID), 10)
}

// SupplierPath is the supplier's page.
func SupplierPath(s domain.Supplier) string {
	return "/suppliers/" + strconv.FormatInt(int64(s.ID), 10)
}

// MustCreateCustomer creates a customer as the system actor; the input must be valid.
func (e *Env) MustCreateCustomer(t testing.TB, in domain.CustomerInput) domain.Customer {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	c, err := e.Services.Customers.Create(ctx, in, customer.NewConsent{}, true)
	if err != nil {
		t.Fatalf("create customer %+v: %v", in, err)
	}
	return c
}

// MustAddContact adds a contact person to a company customer and returns its id.
func (e *Env) MustAddContact(t testing.TB, id domain.CustomerID, name string) int64 {
	t.Helper()
	return addContact(t, e, "customer", id, name, e.Services.Customers.AddContact, postgres.Contacts)
}

// MustCreateSupplier creates a supplier as the system actor; the input must be valid.
func (e *Env) MustCreateSupplier(t testing.TB, in domain.SupplierInput) domain.Supplier {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	s, err := e.Services.Suppliers.Create(ctx, in)
	if err != nil {
		t.Fatalf("create supplier %+v: %v", in, err)
	}
	return s
}

// MustAddSupplierContact adds a contact person to a supplier and returns its id.
func (e *Env) MustAddSupplierContact(t testing.TB, id domain.SupplierID, name string) int64 {
	t.Helper()
	return addContact(t, e, "supplier", id, name, e.Services.Suppliers.AddContact, postgres.SupplierContacts)
}

// addContact adds a contact person through add, as the system actor, and returns the id that list reads
// back for it: customers and suppliers keep contacts alike, in tables of their own.
func addContact[ID ~int64](t testing.TB, e *Env, owner string, id ID, name string,
	add func(context.Context, ID, domain.ContactInput) error,
	list func(context.Context, postgres.Querier, ID) ([]domain.Contact, error),
) int64 {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := add(ctx, id, domain.ContactInput{Name: name}); err != nil {
		t.Fatalf("add %s contact: %v", owner, err)
	}
	contacts, err := list(ctx, e.DB.Pool, id)
	if err != nil || len(contacts) == 0 {
		t.Fatalf("contacts of %s %d: %v", owner, id, err)
	}
	return contacts[len(contacts)-1].ID
}

// MustCreateQuote creates a draft quote with one line (2 × 100 kr at 25 %) for a customer.
func (e *Env) MustCreateQuote(t testing.TB, id domain.CustomerID) domain.Quote {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	q, err := e.Services.Quotes.Create(ctx, id, domain.QuoteInput{QuoteDate: "2026-11-01", ValidUntil: "2026-12-01",
		Lines: []domain.QuoteLineInput{{Description: "Arbete", Quantity: "2", UnitPrice: "100", VATRate: "25"}}})
	if err != nil {
		t.Fatalf("create quote: %v", err)
	}
	return q
}

// Client is a cookie-keeping HTTP client that does not follow redirects, so tests see them.
type Client struct {
	*http.Client
	base string
	t    testing.TB
}

// NewClient returns a client with an empty cookie jar.
func (e *Env) NewClient(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}, base: e.HTTP.URL, t: t}
}

// Response is a finished response with its body read.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string
}

// Do sends req and reads the whole response.
func (c *Client) Do(req *http.Request) Response {
	c.t.Helper()
	resp, err := c.Client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Location: resp.Header.Get("Location")}
}

// Get requests path.
func (c *Client) Get(path string) Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req)
}

// PostForm posts form values to path as a same-origin browser would.
func (c *Client) PostForm(path string, form url.Values) Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.Do(req)
}

// SignIn signs in and fails the test unless it succeeded.
func (c *Client) SignIn(email, password string) {
	c.t.Helper()
	r := c.PostForm("/signin", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s: status %d", email, r.Status)
	}
}

// PGTool runs a PostgreSQL client program (pg_dump, pg_restore) of the installed server and returns its
// standard output; the test fails if it fails.
func PGTool(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	path, err := devdb.Tool(name)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	return out
}

// MustCreateRichCustomer creates a company with two contact persons, consent history, a credit report and
// three quotes: a draft, one sent (with a billing snapshot) and one accepted acceptedAgo before now.
func (e *Env) MustCreateRichCustomer(t testing.TB, name string, acceptedAgo time.Duration) domain.Customer {
	t.Helper()
	ctx := authz.WithActor(context.Background(), authz.System())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: name, IDNumber: "556036-0793",
		Email: "info@" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example", Phone: "070-123 45 67",
		Street: "Storgatan 1", PostalCode: "111 22", City: "Stockholm", Country: "SE", Notes: "Ring före tio"})
	e.MustAddContact(t, c.ID, "Kim Kontakt")
	e.MustAddContact(t, c.ID, "Sam Kontakt")
	must(e.Services.Customers.SetConsent(ctx, c.ID, true, "email"))
	must(e.Services.Customers.SetConsent(ctx, c.ID, false, "phone"))
	must(e.Services.Customers.AddCreditReport(ctx, c.ID, customer.CreditReportInput{Bureau: "UC",
		TakenOn: e.Clock.Now().Format(domain.DateLayout), Rating: "A", Limit: "10000", Remarks: "Inga anmärkningar",
		Need: string(domain.NeedCreditApplication), Reference: "UC-4711"}))
	e.MustCreateQuote(t, c.ID)
	sent := e.MustCreateQuote(t, c.ID)
	must(e.Services.Quotes.SetStatus(ctx, sent.ID, domain.QuoteSent))
	accepted := e.MustCreateQuote(t, c.ID)
	e.Clock.Advance(-acceptedAgo)
	must(e.Services.Quotes.SetStatus(ctx, accepted.ID, domain.QuoteSent))
	must(e.Services.Quotes.SetStatus(ctx, accepted.ID, domain.QuoteAccepted))
	e.Clock.Advance(acceptedAgo)
	return c
}

// StartJobs runs the background workers (river) of this environment's services until the test ends, as
// serve does.
func (e *Env) StartJobs(t testing.TB) {
	t.Helper()
	jobs, err := app.NewJobs(e.DB, e.Services, slog.New(slog.NewTextHandler(e.Log, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = jobs.Stop(context.Background())
	})
}

// ReadAlike fails t when a value read two ways prints differently (%+v), or when there was nothing to
// compare (n, the number of its rows, is 0).
func ReadAlike(t testing.TB, name string, got, want any, n int) {
	t.Helper()
	if n == 0 {
		t.Errorf("the fixture has no %s", name)
	}
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("%s read in one statement:\n%s\nread alone:\n%s", name, g, w)
	}
}
