package bench

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DurableOptions say how make bench-durable compares the audited customer page with the unaudited one.
type DurableOptions struct {
	Unaudited string // the reference binary built with -tags benchnoaudit
	Servers   []int  // how many server processes share the clients, one measurement each
}

// RunDurable is make bench-durable: on a cluster that flushes every commit (affar dev exec --durable), it
// drives the customer page, which audits each view, through 1, 2 and 4 server processes on one database,
// then the same with the unaudited build, sampling how many backends wait on the audit chain's lock. An
// installation whose audit appends serialise stops at one commit's time per view, however many servers.
func RunDurable(ctx context.Context, opts Options, d DurableOptions) error {
	dbURL, email, pw, err := prepare(ctx, opts)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	var fsync, syncCommit string
	var maxID int64
	if err := pool.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit'),
		(SELECT max(id) FROM customers)`).Scan(&fsync, &syncCommit, &maxID); err != nil {
		return err
	}
	if fsync != "on" || syncCommit != "on" {
		return fmt.Errorf("the cluster runs with fsync=%s, synchronous_commit=%s: run it as make bench-durable", fsync, syncCommit)
	}
	fmt.Fprintf(opts.Out, "fsync=%s, synchronous_commit=%s; %d clients on the customer page for %s per row\n\n",
		fsync, syncCommit, opts.Clients, opts.Duration)
	fmt.Fprintf(opts.Out, "| servers | build | views/s | p50 | p99 | errors | backends waiting on an advisory lock (mean) | of active backends | CPU stolen by the host |\n")
	fmt.Fprintf(opts.Out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	opts.ServerEnv = append(slices.Clip(opts.ServerEnv), noRateLimit...)
	page := []request{customerPage(maxID)}
	// The two builds side by side for each count, so that a change in the machine's load hits both.
	for _, n := range d.Servers {
		for _, build := range []struct{ name, binary string }{{"audited", opts.Binary}, {"unaudited", d.Unaudited}} {
			o := opts
			o.Binary = build.binary
			steal := cpuSteal()
			s, w, err := durableRow(ctx, o, dbURL, pool, email, pw, n, page)
			if err != nil {
				return fmt.Errorf("%s, %d servers: %w", build.name, n, err)
			}
			fmt.Fprintf(opts.Out, "| %d | %s | %.0f | %s | %s | %d | %.2f | %.0f %% | %.0f %% |\n", n, build.name, s.RPS(),
				ms(s.P50), ms(s.P99), s.Errors, w.waiting, 100*w.share(), 100*steal.since())
		}
	}
	return verifyChain(ctx, dbURL, opts.Out)
}

// durableRow starts n servers, spreads the signed-in clients over them and drives page while sampling
// pg_stat_activity.
func durableRow(ctx context.Context, opts Options, dbURL string, pool *pgxpool.Pool, email, pw string, n int, page []request) (Stats, lockWaits, error) {
	if err := freshLedger(); err != nil {
		return Stats{}, lockWaits{}, err
	}
	var cmds []*exec.Cmd
	defer func() {
		for _, c := range cmds {
			stopServer(c)
		}
	}()
	var bases []string
	for i := range n {
		cmd, base, err := serveInstance(ctx, opts, dbURL, "durable-"+strconv.Itoa(i+1))
		if err != nil {
			return Stats{}, lockWaits{}, err
		}
		cmds, bases = append(cmds, cmd), append(bases, base)
	}
	hc, err := signedInAcross(bases, email, pw, opts.Clients)
	if err != nil {
		return Stats{}, lockWaits{}, err
	}
	driveAcross(ctx, bases, hc, page, 2*time.Second) // warm-up, not measured
	sampleCtx, stop := context.WithCancel(ctx)
	waits := make(chan lockWaits, 1)
	go func() { waits <- sampleLockWaits(sampleCtx, pool) }()
	s := driveAcross(ctx, bases, hc, page, opts.Duration)
	stop()
	return s[0], <-waits, nil
}

// lockWaits are the samples of pg_stat_activity taken during a run.
type lockWaits struct {
	waiting float64 // mean number of backends waiting on an advisory lock
	active  float64 // mean number of active backends (the sampler's own left out)
}

func (w lockWaits) share() float64 {
	if w.active == 0 {
		return 0
	}
	return w.waiting / w.active
}

// sampleLockWaits samples pg_stat_activity every 10 ms until ctx ends. The audit chain's lock is the
// installation's only advisory lock that every request can take.
func sampleLockWaits(ctx context.Context, pool *pgxpool.Pool) lockWaits {
	var sumWait, sumActive, samples float64
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if samples == 0 {
				return lockWaits{}
			}
			return lockWaits{waiting: sumWait / samples, active: sumActive / samples}
		case <-t.C:
		}
		var waiting, active int
		err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),
			count(*) FILTER (WHERE state = 'active')
			FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&waiting, &active)
		if err != nil {
			continue
		}
		sumWait, sumActive, samples = sumWait+float64(waiting), sumActive+float64(active), samples+1
	}
}
