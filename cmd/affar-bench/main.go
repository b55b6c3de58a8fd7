// Command affar-bench is `make bench`, `make bench-bulk`, `make bench-export`, `make bench-denials`, `make bench-audit`, `make bench-import` and `make bench-durable`: it measures a running affar server over
// loopback at a million customers. See internal/bench.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/affar/affar/internal/bench"
)

func main() {
	opts := bench.Options{Out: os.Stdout, ServerURL: os.Getenv("AFFAR_MIGRATE_URL"), ServeURL: os.Getenv("DATABASE_URL")}
	if opts.ServerURL == "" {
		opts.ServerURL = opts.ServeURL // one role for both
	}
	optionFlags(&opts)
	bulk := flag.Bool("bulk", false, "make bench-bulk: anonymise the whole register through a bulk job, against one UPDATE")
	exports := flag.Bool("export", false, "make bench-export: export the whole register as CSV and XLSX, against one COPY")
	denials := flag.Bool("denials", false, "make bench-denials: one user floods a forbidden page while another changes a customer")
	imports := flag.Bool("import", false, "make bench-import: import a file of 100,000 customers through the import's preview and job, against one INSERT")
	auditLog := flag.Bool("audit", false, "make bench-audit: the audit log's filters at -events events")
	durable := flag.Bool("durable", false, "make bench-durable: audited customer views/s through 1, 2 and 4 servers on a cluster that flushes commits, against the unaudited build")
	du := bench.DurableOptions{Servers: []int{1, 2, 4}}
	flag.StringVar(&du.Unaudited, "unaudited", "bin/affar-noaudit", "-durable: the affar binary built with -tags benchnoaudit")
	flag.BoolVar(&opts.NamesAsNumbers, "names-as-numbers", false, "make bench: every name search becomes a phone-number search, the bound any search structure could reach (not the issue's mix)")
	events := flag.Int("events", 10_000_000, "-audit: events in the audit log")
	d := bench.DenialOptions{}
	flag.IntVar(&d.Clients, "flood-clients", 200, "-denials: flooding clients")
	flag.IntVar(&d.Sessions, "flood-sessions", 1, "-denials: sessions the flooding clients share")
	flag.DurationVar(&d.Flood, "flood", time.Minute, "-denials: length of the flood (300 POSTs of the victim at its pace: the p99 of 100 was their slowest)")
	flag.DurationVar(&d.Idle, "idle", time.Minute, "-denials: how long the victim's POST is timed without the flood")
	flag.DurationVar(&d.Pace, "pace", 200*time.Millisecond, "-denials: time between the victim's POSTs")
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	defaults(&opts, set, *bulk, *denials, *auditLog, *imports)
	if *durable {
		durableDefaults(&opts, set)
	}
	if opts.ServerURL == "" {
		fmt.Fprintln(os.Stderr, "DATABASE_URL is not set: run it as `make bench`")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	run := bench.Run
	if *bulk {
		run = bench.RunBulk
	}
	if *exports {
		run = bench.RunExport
	}
	if *imports {
		run = bench.RunImport
	}
	if *denials {
		run = func(ctx context.Context, o bench.Options) error { return bench.RunDenials(ctx, o, d) }
	}
	if *durable {
		run = func(ctx context.Context, o bench.Options) error { return bench.RunDurable(ctx, o, du) }
	}
	if *auditLog {
		run = func(ctx context.Context, o bench.Options) error { return bench.RunAudit(ctx, o, *events) }
	}
	if err := run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// optionFlags are the flags every benchmark reads.
func optionFlags(opts *bench.Options) {
	flag.StringVar(&opts.Database, "database", "affar_bench", "the benchmark's own database (created and seeded if needed)")
	flag.IntVar(&opts.Customers, "customers", 1_000_000, "customers in the register")
	flag.IntVar(&opts.Clients, "clients", 32, "concurrent signed-in clients")
	flag.DurationVar(&opts.Duration, "duration", 30*time.Second, "length of the mixed load")
	flag.DurationVar(&opts.Ceiling, "ceiling", 10*time.Second, "length of the /healthz load")
	flag.StringVar(&opts.Binary, "binary", "bin/affar", "the affar binary to serve with")
	flag.IntVar(&opts.PoolSize, "pool", 0, "the server's database pool size (0: its default)")
}

// defaults fits the options a run did not set to the benchmark chosen.
func defaults(opts *bench.Options, set map[string]bool, bulk, denials, auditLog, imports bool) {
	if bulk && opts.Database == "affar_bench" {
		opts.Database = "affar_bench_bulk"
	}
	if imports && !set["database"] {
		opts.Database = "affar_bench_import"
	}
	if imports && !set["customers"] {
		opts.Customers = 10_000 // a small company's register: the import, not the register, is measured
	}
	if denials && !set["database"] {
		opts.Database = "affar_bench_denials"
	}
	if denials && !set["customers"] {
		opts.Customers = 10_000 // the victim changes one customer; the register's size hardly matters
	}
	if auditLog && !set["clients"] {
		opts.Clients = 4
	}
}

// durableDefaults fit make bench-durable: the page's audit append, not the register's size, is measured.
func durableDefaults(opts *bench.Options, set map[string]bool) {
	if !set["database"] {
		opts.Database = "affar_bench_durable"
	}
	if !set["customers"] {
		opts.Customers = 10_000
	}
	if !set["clients"] {
		opts.Clients = 16
	}
	if !set["duration"] {
		opts.Duration = 30 * time.Second // rows of 10 s varied by a third from run to run
	}
}
