package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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
// while another user changes a customer's marketing consent at a steady pace, once with the rate limit
// raised out of the way (the cost of recording the refusals alone) and once with the configured default
// limit. It prints the audit rows the flood wrote, whether the chain accounts for every refusal, the
// 403 and 429 counts, and the victim's POST latency idle and under the flood.
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
		{"recording alone (rate limit raised)", []string{"AFFAR_RATE_LIMIT=1000000", "AFFAR_RATE_BURST=1000000"}},
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
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	// Many sign-ins from one address meet the rate limit of anonymous requests: wait as told.
	signIn := func(email string, clients int) (*http.Client, error) {
		c := newClient(clients)
		for {
			resp, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {pw}})
			if err != nil {
				return nil, err
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
				time.Sleep(time.Duration(max(secs, 1)) * time.Second)
				continue
			}
			if resp.StatusCode != http.StatusSeeOther {
				return nil, fmt.Errorf("sign in as %s: %d", email, resp.StatusCode)
			}
			return c, nil
		}
	}
	victim, err := signIn("bench-victim@affar.example", 1)
	if err != nil {
		return run, err
	}
	flooders := make([]*http.Client, d.Sessions)
	for i := range flooders {
		if flooders[i], err = signIn("bench-flood@affar.example", d.Clients); err != nil {
			return run, err
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return run, err
	}
	defer conn.Close(ctx)

	consent := base + "/customers/" + strconv.FormatInt(customerID, 10) + "/consent"
	given := false
	post := func() (time.Duration, bool) {
		given = !given
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, consent,
			strings.NewReader(url.Values{"given": {strconv.FormatBool(given)}, "consent_source": {"form"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		t0 := time.Now()
		resp, err := victim.Do(req)
		if err != nil {
			return 0, false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0), resp.StatusCode == http.StatusSeeOther
	}
	// The victim's pace: a person at work, not a load; a POST that takes longer than the pace delays the next.
	victimFor := func(dur time.Duration, name string) (Stats, []timed) {
		var (
			lat    []time.Duration
			series []timed
		)
		errs := 0
		start := time.Now()
		t := time.NewTicker(d.Pace)
		defer t.Stop()
		for time.Since(start) < dur && ctx.Err() == nil {
			at := time.Since(start)
			if l, ok := post(); ok {
				lat, series = append(lat, l), append(series, timed{at, l})
			} else {
				errs++
			}
			<-t.C
		}
		slices.SortFunc(series, func(a, b timed) int { return cmp.Compare(b.lat, a.lat) })
		return stats(name, lat, errs, time.Since(start)), series[:min(3, len(series))]
	}
	for i := 0; i < 5; i++ { // warm-up
		post()
	}
	run.idle, _ = victimFor(d.Idle, "idle")

	var lastID int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM audit_events`).Scan(&lastID); err != nil {
		return run, err
	}
	floodCtx, stop := context.WithTimeout(ctx, d.Flood)
	defer stop()
	var wg sync.WaitGroup
	for i := 0; i < d.Clients; i++ {
		c := flooders[i%len(flooders)]
		wg.Go(func() {
			for floodCtx.Err() == nil {
				req, _ := http.NewRequestWithContext(floodCtx, http.MethodGet, base+"/audit", nil)
				resp, err := c.Do(req)
				if err != nil {
					if floodCtx.Err() == nil { // the flood's end cancels requests under way: not counted
						atomic.AddInt64(&run.other, 1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
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
	run.flooded, run.slowest = victimFor(d.Flood, "under flood")
	stop()
	wg.Wait()

	// The server flushes the counts of minutes gone by every minute; wait for the last of them.
	floodEnd := time.Now()
	var counting bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('denial_counts') IS NOT NULL`).Scan(&counting); err != nil {
		return run, err
	}
	for counting {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM denial_counts`).Scan(&n); err != nil {
			return run, err
		}
		if n == 0 {
			break
		}
		if time.Since(floodEnd) > 3*time.Minute {
			return run, errors.New("the server did not flush the counts of refusals within 3 minutes")
		}
		time.Sleep(time.Second)
	}
	run.flushWait = time.Since(floodEnd)
	err = conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'authz.denied'),
			count(*) FILTER (WHERE action = 'authz.denied_repeated'),
			count(*) FILTER (WHERE action = 'authz.denied') + coalesce(sum((details->>'count')::bigint) FILTER (WHERE action = 'authz.denied_repeated'), 0),
			count(*) FILTER (WHERE action NOT LIKE 'authz.%')
		FROM audit_events WHERE id > $1`, lastID).Scan(&run.denied, &run.counted, &run.refusalsSeen, &run.victimEvents)
	return run, err
}
