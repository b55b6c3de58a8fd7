package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/user"
)

// DenialOptions say how make bench-denials floods the server.
type DenialOptions struct {
	Clients  int           // flooding clients, all signed in as one user without audit.view
	Sessions int           // sessions the flooding clients share
	Flood    time.Duration // how long they flood
	Idle     time.Duration // how long the victim's POST is timed with no flood
	Pace     time.Duration // between the victim's POSTs
}

// denialScenario is one server configuration the flood is run against.
type denialScenario struct {
	name string
	env  []string
}

// timed is a latency and when, after its phase began, the request was sent.
type timed struct{ at, lat time.Duration }

// denialRun is what one scenario measured.
type denialRun struct {
	name                          string
	forbidden, limited, other     int64
	denied, counted, refusalsSeen int64 // audit events of refusals, count events, refusals the chain shows
	victimEvents                  int64
	idle, flooded                 Stats
	slowest                       []timed // the victim's slowest POSTs under the flood
	flushWait                     time.Duration
}

// RunDenials is make bench-denials: one user floods a page they may not see (/audit) from many clients
// while another user changes a customer's marketing consent at a steady pace, once with the rate and the
// burst raised out of the way (the cost of recording the refusals alone, the user's requests still served
// two at a time) and once with the configured default limit. It prints the audit rows the flood wrote,
// whether the chain accounts for every refusal, the 403 and 429 counts, and the victim's POST latency
// idle and under the flood.
func RunDenials(ctx context.Context, opts Options, d DenialOptions) error {
	dbURL, _, pw, err := prepare(ctx, opts)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	sys := authz.WithActor(ctx, authz.System())
	users := user.New(db, time.Now, nil)
	err = ensureUser(sys, users, "bench-flood@affar.example", "Benchmark flood", pw, authz.CustomerView)
	if err == nil {
		err = ensureUser(sys, users, "bench-victim@affar.example", "Benchmark victim", pw, authz.CustomerView, authz.CustomerEdit)
	}
	var customerID int64
	if err == nil {
		err = db.Pool.QueryRow(ctx, `SELECT min(id) FROM customers WHERE anonymised_at IS NULL`).Scan(&customerID)
	}
	db.Close()
	if err != nil {
		return err
	}

	var runs []denialRun
	for _, sc := range []denialScenario{
		{"recording alone (rate and burst raised, two at a time)", rateRaised},
		{"with the default rate limit", nil},
	} {
		fmt.Fprintf(opts.Out, "%s: %d clients in %d session(s) on GET /audit for %s …\n", sc.name, d.Clients, d.Sessions, d.Flood)
		o := opts
		o.ServerEnv = append(append([]string{}, opts.ServerEnv...), sc.env...)
		run, err := denialsOnce(ctx, o, d, dbURL, pw, customerID)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		run.name = sc.name
		runs = append(runs, run)
	}

	fmt.Fprintf(opts.Out, "\n%d flooding clients in %d session(s) for %s; the victim POSTs a consent change every %s\n\n",
		d.Clients, d.Sessions, d.Flood, d.Pace)
	fmt.Fprintf(opts.Out, "| scenario | 403 | 429 | other | audit rows of the flood (first refusals + counts) | refusals in the chain | POST idle p50 / p99 | POST under flood p50 / p99 | ratio p50 / p99 |\n")
	fmt.Fprintf(opts.Out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range runs {
		fmt.Fprintf(opts.Out, "| %s | %d | %d | %d | %d (%d + %d) | %d | %s / %s | %s / %s | %.1f / %.1f |\n", r.name,
			r.forbidden, r.limited, r.other, r.denied+r.counted, r.denied, r.counted, r.refusalsSeen,
			ms(r.idle.P50), ms(r.idle.P99), ms(r.flooded.P50), ms(r.flooded.P99),
			ratio(r.flooded.P50, r.idle.P50), ratio(r.flooded.P99, r.idle.P99))
	}
	for _, r := range runs {
		fmt.Fprintf(opts.Out, "\n%s: victim POSTs %d idle, %d under the flood (%d failed), %d audit rows of its own; "+
			"the last counts reached the chain %s after the flood\n", r.name, r.idle.Count, r.flooded.Count,
			r.idle.Errors+r.flooded.Errors, r.victimEvents, r.flushWait.Round(time.Second))
		for _, s := range r.slowest {
			fmt.Fprintf(opts.Out, "  slow POST under the flood: %s, sent %.1f s into it\n", ms(s.lat), s.at.Seconds())
		}
	}
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// denialsOnce starts a server, times the victim idle, then under the flood, and counts what was written.
func denialsOnce(ctx context.Context, opts Options, d DenialOptions, dbURL, pw string, customerID int64) (denialRun, error) {
	var run denialRun
	cmd, base, err := serve(ctx, opts, dbURL)
	if err != nil {
		return run, err
	}
	defer stopServer(cmd)
	v := &victim{ctx: ctx, client: newClient(1), pace: d.Pace,
		consent: base + "/customers/" + strconv.FormatInt(customerID, 10) + "/consent"}
	if err := signIn(v.client, base, "bench-victim@affar.example", pw); err != nil {
		return run, err
	}
	flooders := make([]*http.Client, d.Sessions)
	for i := range flooders {
		flooders[i] = newClient(d.Clients)
		if err := signIn(flooders[i], base, "bench-flood@affar.example", pw); err != nil {
			return run, err
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return run, err
	}
	defer conn.Close(ctx)

	for i := 0; i < 5; i++ { // warm-up
		v.post()
	}
	run.idle, _ = v.timeFor(d.Idle, "idle")

	var lastID int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&lastID); err != nil {
		return run, err
	}
	openConnections(ctx, base+"/healthz", flooders, d.Clients)
	floodCtx, stop := context.WithTimeout(ctx, d.Flood)
	defer stop()
	flooding := flood(floodCtx, base+"/audit", flooders, d.Clients, &run)
	run.flooded, run.slowest = v.timeFor(d.Flood, "under flood")
	stop()
	flooding.Wait()

	floodEnd := time.Now()
	if err := waitForDenialFlush(ctx, conn); err != nil {
		return run, err
	}
	run.flushWait = time.Since(floodEnd)
	err = conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'authz.denied'),
			count(*) FILTER (WHERE action = 'authz.denied_repeated'),
			count(*) FILTER (WHERE action = 'authz.denied') + coalesce(sum((details->>'count')::bigint) FILTER (WHERE action = 'authz.denied_repeated'), 0),
			count(*) FILTER (WHERE action NOT LIKE 'authz.%')
		FROM audit_events WHERE id > $1`, lastID).Scan(&run.denied, &run.counted, &run.refusalsSeen, &run.victimEvents)
	return run, err
}

// victim is the user who changes a customer's marketing consent, back and forth, at a person's pace.
type victim struct {
	ctx     context.Context
	client  *http.Client
	consent string // the consent form's URL
	pace    time.Duration
	given   bool
}

// post changes the consent once: how long it took and whether it succeeded.
func (v *victim) post() (time.Duration, bool) {
	v.given = !v.given
	req, _ := http.NewRequestWithContext(v.ctx, http.MethodPost, v.consent,
		strings.NewReader(url.Values{"given": {strconv.FormatBool(v.given)}, "consent_source": {"form"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	t0 := time.Now()
	resp, err := v.client.Do(req)
	if err != nil {
		return 0, false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return time.Since(t0), resp.StatusCode == http.StatusSeeOther
}

// timeFor posts at the victim's pace for dur: the stats and the three slowest posts. The pace is a person
// at work, not a load; a POST that takes longer than the pace delays the next.
func (v *victim) timeFor(dur time.Duration, name string) (Stats, []timed) {
	var (
		lat    []time.Duration
		series []timed
	)
	errs := 0
	start := time.Now()
	t := time.NewTicker(v.pace)
	defer t.Stop()
	for time.Since(start) < dur && v.ctx.Err() == nil {
		at := time.Since(start)
		if l, ok := v.post(); ok {
			lat, series = append(lat, l), append(series, timed{at, l})
		} else {
			errs++
		}
		<-t.C
	}
	slices.SortFunc(series, func(a, b timed) int { return cmp.Compare(b.lat, a.lat) })
	return stats(name, lat, errs, time.Since(start)), series[:min(3, len(series))]
}

// openConnections has clients goroutines ask probe (never limited) once, together, so that each flooding
// client has its connection open when the flood begins. The flood measures the server's answers to a
// flood, not the load generator opening hundreds of connections on the cores the server shares with it:
// that took about 20 ms of the first POST under the flood, while the server took 8 ms to answer it (its
// access log).
func openConnections(ctx context.Context, probe string, flooders []*http.Client, clients int) {
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		c := flooders[i%len(flooders)]
		wg.Go(func() { get(ctx, c, probe) })
	}
	wg.Wait()
}

// get asks c for url and reads the answer to its end: its status.
func get(ctx context.Context, c *http.Client, url string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// flood GETs page from clients goroutines, spread over the sessions of flooders, until ctx ends, counting
// the answers in run.
func flood(ctx context.Context, page string, flooders []*http.Client, clients int, run *denialRun) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		c := flooders[i%len(flooders)]
		wg.Go(func() {
			for ctx.Err() == nil {
				status, err := get(ctx, c, page)
				if err != nil {
					if ctx.Err() == nil { // the flood's end cancels requests under way: not counted
						atomic.AddInt64(&run.other, 1)
					}
					continue
				}
				switch status {
				case http.StatusForbidden:
					atomic.AddInt64(&run.forbidden, 1)
				case http.StatusTooManyRequests:
					atomic.AddInt64(&run.limited, 1)
				default:
					atomic.AddInt64(&run.other, 1)
				}
			}
		})
	}
	return &wg
}

// waitForDenialFlush waits until the server has flushed the counts of refusals: it does so for the minutes
// gone by every minute.
func waitForDenialFlush(ctx context.Context, conn *pgx.Conn) error {
	start := time.Now()
	var counting bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('denial_counts') IS NOT NULL`).Scan(&counting); err != nil {
		return err
	}
	for counting {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM denial_counts`).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if time.Since(start) > 3*time.Minute {
			return errors.New("the server did not flush the counts of refusals within 3 minutes")
		}
		time.Sleep(time.Second)
	}
	return nil
}
