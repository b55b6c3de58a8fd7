// Package bench measures the running server over loopback: it seeds a large register into its own
// database, starts `affar serve` as a separate process, signs in concurrent clients and drives list,
// search, filter and customer-page requests, then the trivial /healthz as the ceiling, and reports
// requests/s, latency percentiles and the server's peak RSS.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/seed"
	"github.com/affar/affar/internal/user"
)

// Options say what to measure.
type Options struct {
	ServerURL string // the schema owner's maintenance URL (AFFAR_MIGRATE_URL, else DATABASE_URL, from affar dev exec)
	ServeURL  string // the maintenance URL of the role the server runs as (DATABASE_URL)
	Database  string // the benchmark's own database
	Customers int
	Clients   int
	Duration  time.Duration // of the mixed load
	Ceiling   time.Duration // of the /healthz load
	Binary    string        // the affar binary to serve with
	PoolSize  int           // the server's connection pool size (pool_max_conns); 0 for its default
	ServerEnv []string      // more environment for affar serve (NAME=value)
	Out       io.Writer
	// NamesAsNumbers makes each name search of make bench's mix a phone-number search: the bound any
	// search structure could at best make of them (docs/benchmarks.md, "The bound, measured").
	NamesAsNumbers bool
}

// Stats are the figures of one kind of request.
type Stats struct {
	Name     string
	Count    int
	Errors   int
	Duration time.Duration
	P50      time.Duration
	P95      time.Duration
	P99      time.Duration
	Max      time.Duration
}

// RPS is requests per second.
func (s Stats) RPS() float64 { return float64(s.Count) / s.Duration.Seconds() }

func stats(name string, lat []time.Duration, errs int, d time.Duration) Stats {
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	s := Stats{Name: name, Count: len(lat), Errors: errs, Duration: d, P50: q(.50), P95: q(.95), P99: q(.99)}
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
	return s
}

// prepare makes sure the benchmark database exists, is migrated and holds opts.Customers customers, and
// that a benchmark user exists. It returns the database URL and the user's credentials.
func prepare(ctx context.Context, opts Options) (dbURL, email, pw string, err error) {
	conn, err := pgx.Connect(ctx, opts.ServerURL)
	if err != nil {
		return "", "", "", err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, opts.Database).Scan(&exists); err != nil {
		return "", "", "", err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{opts.Database}.Sanitize()); err != nil {
			return "", "", "", err
		}
	}
	conn.Close(ctx)
	dbURL = postgres.WithDatabase(opts.ServerURL, opts.Database)
	role, err := postgres.RoleOf(opts.ServeURL)
	if err != nil {
		return "", "", "", err
	}
	if err := postgres.Migrate(dbURL, role); err != nil {
		return "", "", "", err
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return "", "", "", err
	}
	defer db.Close()
	have, err := postgres.CountCustomers(ctx, db.Pool)
	if err != nil {
		return "", "", "", err
	}
	sys := authz.WithActor(ctx, authz.System())
	if have < opts.Customers {
		fmt.Fprintf(opts.Out, "seeding %d customers into %s …\n", opts.Customers-have, opts.Database)
		start := time.Now()
		if err := seed.Run(sys, db, seed.Generator{Seed: 1, Now: time.Now()}, opts.Customers-have); err != nil {
			return "", "", "", err
		}
		fmt.Fprintf(opts.Out, "seeded %d customers in %s\n", opts.Customers-have, time.Since(start).Round(time.Second))
	} else {
		fmt.Fprintf(opts.Out, "%s already holds %d customers\n", opts.Database, have)
	}
	start := time.Now()
	visible, err := postgres.VacuumRegister(ctx, db.Pool)
	if err != nil {
		return "", "", "", err
	}
	fmt.Fprintf(opts.Out, "vacuumed in %s: %.0f%% of customer pages all-visible\n", time.Since(start).Round(time.Second), 100*visible)
	email, pw = "bench@affar.example", "benchmark-password-not-secret"
	err = ensureUser(sys, user.New(db, time.Now, nil), email, "Benchmark", pw, authz.CustomerView, authz.CreditReportAccess)
	return dbURL, email, pw, err
}

// ensureUser makes the user with email (and name and password) unless it exists, and gives it exactly perms.
func ensureUser(sys context.Context, users *user.Service, email, name, pw string, perms ...authz.Permission) error {
	id, err := users.IDByEmail(sys, email)
	if errors.Is(err, domain.ErrNotFound) {
		id, err = users.Create(sys, user.NewUser{Email: email, Name: name, Password: pw})
	}
	if err != nil {
		return err
	}
	return users.SetPermissions(sys, id, perms, nil)
}

// serve starts `affar serve` on a free loopback port and waits until it is ready. ownerURL is the owner's
// URL of its database; it serves as the role of opts.ServeURL, as in production.
func serve(ctx context.Context, opts Options, ownerURL string) (*exec.Cmd, string, error) {
	if err := freshLedger(); err != nil {
		return nil, "", err
	}
	return serveInstance(ctx, opts, ownerURL, "server")
}

// benchLedger is the erasure ledger of the benchmark's servers, which share it as servers on one machine do.
var benchLedger = filepath.Join(os.TempDir(), "affar-bench-erasure-ledger.jsonl")

// freshLedger removes the ledger before a run's servers start: every server reads its ledger at start (to
// settle open intents).
func freshLedger() error {
	if err := os.Remove(benchLedger); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// noRateLimit is the server environment that lifts the rate limit and the requests served at a time,
// which one user's many clients (standing for many people) would meet and which would then set every
// figure.
var noRateLimit = append(rateRaised, "AFFAR_RATE_PARALLEL=1000000")

// rateRaised lifts the rate and the burst but not how many requests of a user are served at a time.
var rateRaised = []string{"AFFAR_RATE_LIMIT=1000000", "AFFAR_RATE_BURST=1000000"}

// serverLog is where the server called name writes its warnings and errors.
func serverLog(name string) string {
	return filepath.Join(os.TempDir(), "affar-bench-"+name+".log")
}

// serveInstance is serve for one of several servers on the same database, with a log named for it.
func serveInstance(ctx context.Context, opts Options, ownerURL, name string) (*exec.Cmd, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	owner, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return nil, "", err
	}
	dbURL := postgres.WithDatabase(opts.ServeURL, owner.Database)
	if opts.PoolSize > 0 {
		dbURL += "&pool_max_conns=" + strconv.Itoa(opts.PoolSize)
	}
	cmd := exec.CommandContext(ctx, opts.Binary, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "AFFAR_MIGRATE_URL="+ownerURL, "ADDR="+addr,
		"AFFAR_ERASURE_SALT=benchmark salt, not a secret, 32+ characters",
		"AFFAR_ERASURE_LEDGER="+benchLedger)
	cmd.Env = append(cmd.Env, opts.ServerEnv...)
	// The access log is written, as in production, but only warnings and errors are kept, in a file.
	logFile, err := os.Create(serverLog(name))
	if err != nil {
		return nil, "", err
	}
	cmd.Stdout, cmd.Stderr = io.Discard, &levelFilter{w: logFile}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, base, nil
			}
		}
	}
	cmd.Process.Kill()
	return nil, "", errors.New("affar serve did not become ready in 30 s")
}

// stopServer stops a server that serve started, gracefully, and waits for it.
func stopServer(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

// signedInClients are n clients, each with a connection of its own, signed in as email.
func signedInClients(base, email, pw string, n int) ([]*http.Client, error) {
	return signedInAcross([]string{base}, email, pw, n)
}

// signedInAcross signs in n clients, client i at bases[i%len(bases)], where driveAcross sends it.
func signedInAcross(bases []string, email, pw string, n int) ([]*http.Client, error) {
	clients := make([]*http.Client, n)
	for i := range clients {
		clients[i] = newClient(1)
		if err := signIn(clients[i], bases[i%len(bases)], email, pw); err != nil {
			return nil, fmt.Errorf("bench client %d: %w", i, err)
		}
	}
	return clients, nil
}

// signIn signs c in to the server at base. Many sign-ins from one address meet the rate limit of
// anonymous requests: it waits as told.
func signIn(c *http.Client, base, email, pw string) error {
	for {
		resp, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {pw}})
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(secs, 1)) * time.Second)
			continue
		}
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("sign in as %s: %d", email, resp.StatusCode)
		}
		return nil
	}
}

// levelFilter keeps the server's warning and error lines.
type levelFilter struct{ w io.Writer }

func (f *levelFilter) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			if _, err := io.WriteString(f.w, line); err != nil {
				return 0, err
			}
		}
	}
	return len(p), nil
}

// peakRSS reads the process's high-water resident set size from /proc.
func peakRSS(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// request is one kind of request in the mix.
type request struct {
	name string
	path func(r *rand.Rand) string
}

// mix is make bench's requests; namesAsNumbers replaces the name searches (Options.NamesAsNumbers).
func mix(maxID int64, namesAsNumbers bool) []request {
	names := []string{"andersson", "lind", "berg", "öberg", "karin", "mats", "ström", "bygg", "konsult", "johan", "åsa"}
	cities := []string{"Göteborg", "Malmö", "Umeå", "Stockholm", "Lund", "Kiruna", "Åre"}
	sorts := []string{"name", "number", "activity"}
	return []request{
		{"list", func(r *rand.Rand) string {
			switch r.IntN(4) {
			case 0:
				return "/customers?page=last"
			case 1:
				return "/customers?after=" + strconv.FormatInt(1+r.Int64N(maxID), 10) + "&sort=" + sorts[r.IntN(3)]
			}
			return "/customers?sort=" + sorts[r.IntN(3)] + "&dir=" + []string{"", "desc"}[r.IntN(2)]
		}},
		{"search", func(r *rand.Rand) string {
			phone := func() string {
				return "/customers?q=" + url.QueryEscape(fmt.Sprintf("07%d-%03d", r.IntN(10), r.IntN(1000)))
			}
			switch r.IntN(3) {
			case 0:
				return phone()
			case 1:
				return "/customers?q=" + strconv.FormatInt(10000+r.Int64N(maxID), 10)
			}
			if namesAsNumbers {
				return phone()
			}
			return "/customers?q=" + url.QueryEscape(names[r.IntN(len(names))])
		}},
		{"filter", func(r *rand.Rand) string {
			v := url.Values{"city": {cities[r.IntN(len(cities))]}}
			if r.IntN(2) == 0 {
				v.Set("kind", "company")
			}
			if r.IntN(2) == 0 {
				v.Set("consent", "yes")
			}
			if r.IntN(2) == 0 {
				v.Set("active_from", time.Now().AddDate(-1-r.IntN(5), 0, 0).Format(domain.DateLayout))
			}
			return "/customers?" + v.Encode()
		}},
		customerPage(maxID),
	}
}

// customerPage is a random customer's page, of ids 1 to maxID.
func customerPage(maxID int64) request {
	return request{"customer page", func(r *rand.Rand) string { return "/customers/" + strconv.FormatInt(1+r.Int64N(maxID), 10) }}
}

// answered is whether resp is the page asked for, or the redirect a search for an exact customer number
// answers with.
func answered(resp *http.Response) bool {
	return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusSeeOther
}

func newClient(clients int) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// drive runs clients goroutines for d, each picking from reqs; it returns per-kind stats.
func drive(ctx context.Context, base string, clientsHTTP []*http.Client, reqs []request, d time.Duration) []Stats {
	return driveAcross(ctx, []string{base}, clientsHTTP, reqs, d)
}

// driveAcross is drive against several servers: client i asks bases[i%len(bases)].
func driveAcross(ctx context.Context, bases []string, clientsHTTP []*http.Client, reqs []request, d time.Duration) []Stats {
	type sample struct {
		kind int
		lat  time.Duration
		ok   bool
	}
	results := make([][]sample, len(clientsHTTP))
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i, c := range clientsHTTP {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				k := r.IntN(len(reqs))
				t0 := time.Now()
				resp, err := c.Get(bases[i%len(bases)] + reqs[k].path(r))
				ok := err == nil && answered(resp)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				results[i] = append(results[i], sample{k, time.Since(t0), ok})
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var out []Stats
	var all []time.Duration
	allErrs := 0
	for k, req := range reqs {
		var lat []time.Duration
		errs := 0
		for _, rs := range results {
			for _, s := range rs {
				if s.kind != k {
					continue
				}
				if s.ok {
					lat = append(lat, s.lat)
				} else {
					errs++
				}
			}
		}
		all = append(all, lat...)
		allErrs += errs
		out = append(out, stats(req.name, lat, errs, elapsed))
	}
	if len(reqs) > 1 {
		out = append(out, stats("all", all, allErrs, elapsed))
	}
	return out
}

// Run performs the benchmark and prints its report.
func Run(ctx context.Context, opts Options) error {
	dbURL, email, pw, err := prepare(ctx, opts)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	var maxID int64
	err = db.Pool.QueryRow(ctx, `SELECT max(id) FROM customers`).Scan(&maxID)
	db.Close()
	if err != nil {
		return err
	}
	// One user's 32 clients stand for 32 users: the per-user rate limit would otherwise set every figure.
	opts.ServerEnv = append(slices.Clip(opts.ServerEnv), noRateLimit...)
	cmd, base, err := serve(ctx, opts, dbURL)
	if err != nil {
		return err
	}
	defer stopServer(cmd)

	clients, err := signedInClients(base, email, pw, opts.Clients)
	if err != nil {
		return err
	}
	statsURL := postgres.WithDatabase(opts.ServerURL, "postgres")
	reqs := mix(maxID, opts.NamesAsNumbers)
	if err := driveMix(ctx, opts, statsURL, cmd.Process.Pid, base, clients, reqs); err != nil {
		return err
	}
	if err := countStatements(ctx, statsURL, opts.Database, clients[0], base, reqs, 50, opts.Out); err != nil {
		return err
	}
	return verifyChain(ctx, dbURL, opts.Out)
}

// driveMix drives the mix (reqs), then /healthz signed in and without a session, and prints their figures
// with the CPU each took of PostgreSQL, the server (pid) and this load generator, and where PostgreSQL's
// time went during the mix (from pg_stat_statements, through statsURL).
func driveMix(ctx context.Context, opts Options, statsURL string, pid int, base string, clients []*http.Client, reqs []request) error {
	conn, err := pgx.Connect(ctx, statsURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	// A short warm-up, not measured, so caches are as in steady use.
	drive(ctx, base, clients, reqs, 3*time.Second)
	fmt.Fprintf(opts.Out, "driving %d signed-in clients for %s (list, search, filter, customer page) …\n", opts.Clients, opts.Duration)
	if opts.NamesAsNumbers {
		fmt.Fprintln(opts.Out, "-names-as-numbers: every name search is a phone-number search (the bound, not the issue's mix)")
	}
	used0, err := statementUses(ctx, conn, opts.Database, wholeChars)
	if err != nil {
		return noStatements(err)
	}
	cpu0 := cpuNow(pid)
	mixed := drive(ctx, base, clients, reqs, opts.Duration)
	cpu1 := cpuNow(pid)
	used1, err := statementUses(ctx, conn, opts.Database, wholeChars)
	if err != nil {
		return err
	}
	healthz := func(*rand.Rand) string { return "/healthz" }
	fmt.Fprintf(opts.Out, "driving %d clients for %s on /healthz, signed in (the ceiling) …\n", opts.Clients, opts.Ceiling)
	// Signed in, /healthz still passes the session and actor middleware: the floor of every page.
	ceiling := drive(ctx, base, clients, []request{{"healthz signed in (ceiling)", healthz}}, opts.Ceiling)
	cpu2 := cpuNow(pid)
	// Without the session cookie, as a load balancer's probe asks: the server alone, no database.
	probes := make([]*http.Client, opts.Clients)
	for i := range probes {
		probes[i] = newClient(1)
	}
	bare := drive(ctx, base, probes, []request{{"healthz without a session", healthz}}, opts.Ceiling)
	rss := peakRSS(pid)

	fmt.Fprintf(opts.Out, "\n%d customers, %d clients, server peak RSS %s\n\n", opts.Customers, opts.Clients, rss)
	fmt.Fprintf(opts.Out, "| request | requests | errors | req/s | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range slices.Concat(mixed, ceiling, bare) {
		fmt.Fprintf(opts.Out, "| %s | %d | %d | %.0f | %s | %s | %s | %s |\n", s.Name, s.Count, s.Errors, s.RPS(),
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
	}
	all := mixed[len(mixed)-1].RPS()
	fmt.Fprintf(opts.Out, "\nthe mix's rate is %.2f of signed-in /healthz's (target ≥ 0.35), %.3f of /healthz's without a session\n",
		all/ceiling[0].RPS(), all/bare[0].RPS())
	fmt.Fprintf(opts.Out, "CPU during the mix: %s\nCPU during signed-in /healthz: %s\n", cpu1.since(cpu0), cpu2.since(cpu1))
	printTimeShares(opts.Out, timeShares(used0, used1), 8)
	return nil
}

// verifyChain runs audit verify on the database at dbURL after a run: every event the run appended must be
// in the chain, sealed once, in an order that verifies.
func verifyChain(ctx context.Context, dbURL string, out io.Writer) error {
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := audit.Verify(ctx, db.Pool)
	if err != nil {
		return fmt.Errorf("audit verify after the run: %w", err)
	}
	fmt.Fprintf(out, "\naudit verify: ok, %d events in the chain, %d unsealed after it (%s)\n", res.Events, res.Unsealed,
		time.Since(start).Round(time.Millisecond))
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
