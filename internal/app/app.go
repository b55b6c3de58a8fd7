// Package app is the composition root: configuration → logger → database → migrations → sessions →
// services → HTTP server, and the command-line interface that drives them.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/affar/affar/internal/agreement"
	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/chainwatch"
	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/customerimport"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/mail"
	"github.com/affar/affar/internal/pace"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/quote"
	"github.com/affar/affar/internal/quotedoc"
	"github.com/affar/affar/internal/records"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/internal/server"
	"github.com/affar/affar/internal/settings"
	"github.com/affar/affar/internal/supplier"
	"github.com/affar/affar/internal/user"
)

// Services are the application services built on one database.
type Services struct {
	Users     *user.Service
	Customers *customer.Service
	Suppliers *supplier.Service
	Quotes    *quote.Service
	QuoteDocs *quotedoc.Service
	Settings  *settings.Service
	Audit     audit.Log
	GDPR      *gdpr.Service
	Bulk      *gdpr.Bulk
	Demand    *pace.Gauge // the requests this server answers, which bulk work gives way to
	Rules     *gdpr.Rules
	Imports   *customerimport.Service
	Erasures  gdpr.Register
	Exports   *export.Service
	Outbox    *mail.Outbox
	Agreement *agreement.Service
	Chain     *chainwatch.Service
	Records   *records.Service
	Requests  *request.Service
}

// NewServices wires the services to db with the clock now; background work logs to log.
func NewServices(cfg config.Config, db *postgres.DB, now func() time.Time, log *slog.Logger) Services {
	users := user.New(db, now, cfg.Secret)
	if cfg.SessionIdle > 0 {
		users.SessionIdle, users.SessionLifetime = cfg.SessionIdle, cfg.SessionLifetime
	}
	erasure := &gdpr.Service{DB: db, Now: now, Ledger: gdpr.NewLedger(cfg.ErasureLedger), Salt: cfg.ErasureSalt,
		Requests: request.Actions{}}
	// Requests only enqueue background work, in their transaction; the workers run in NewJobs' client.
	queue, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{SkipUnknownJobCheck: true})
	if err != nil {
		panic(fmt.Sprintf("river insert-only client: %v", err)) // only a bad configuration, fixed above
	}
	outbox := &mail.Outbox{DB: db, Now: now, Queue: queue, Log: log,
		SMTP: mail.SMTP{Addr: cfg.SMTPAddr, Username: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.MailFrom}}
	agreements := &agreement.Service{DB: db, Now: now, Mail: outbox}
	users.Mail, users.NewAdmin = outbox, agreements.SendToNewAdmin
	bulk := gdpr.NewBulk(erasure, queue, cfg.BulkBatch, log)
	demand := &pace.Gauge{}
	bulk.Yield = demand.Yield
	return Services{Users: users, Outbox: outbox, Exports: export.New(db, now, export.DefaultLimit),
		Agreement: agreements, Customers: &customer.Service{DB: db, Now: now, ErasureSalt: cfg.ErasureSalt, Requests: request.Actions{}},
		Suppliers: &supplier.Service{DB: db, Now: now}, Quotes: &quote.Service{DB: db, Now: now},
		Settings: &settings.Service{DB: db, Now: now}, Audit: audit.Log{DB: db},
		QuoteDocs: &quotedoc.Service{DB: db, Now: now, Mail: outbox}, Erasures: gdpr.Register{DB: db},
		Demand: demand, GDPR: erasure, Bulk: bulk, Rules: &gdpr.Rules{Bulk: bulk, Users: users},
		Imports: &customerimport.Service{DB: db, Now: now, ErasureSalt: cfg.ErasureSalt, Queue: queue},
		Chain:   &chainwatch.Service{DB: db, Now: now, Mail: outbox}, Records: &records.Service{DB: db, Now: now},
		Requests: &request.Service{DB: db, Now: now, Mail: outbox}}
}

// NewServer builds the HTTP handler on the services svc, with its sessions stored in db.
func NewServer(cfg config.Config, db *postgres.DB, log *slog.Logger, now func() time.Time, svc Services) (*server.Server, error) {
	// The store's own clean-up goroutine cannot be stopped without a data race (StopCleanup reads a field
	// the goroutine writes), so expired sessions are deleted by cleanSessions instead.
	store := &postgres.SessionStore{Pool: db.Pool, Key: server.SessionKey}
	sessions := server.NewSessions(cfg, store)
	store.Codec = sessions.Codec
	return server.New(server.Deps{
		Config:    cfg,
		Log:       log,
		Sessions:  sessions,
		Users:     svc.Users,
		Customers: svc.Customers,
		Suppliers: svc.Suppliers,
		Quotes:    svc.Quotes,
		QuoteDocs: svc.QuoteDocs,
		Settings:  svc.Settings,
		Audit:     svc.Audit,
		GDPR:      svc.GDPR,
		Erasures:  svc.Erasures,
		Bulk:      svc.Bulk,
		Rules:     svc.Rules,
		Imports:   svc.Imports,
		Exports:   svc.Exports,
		Outbox:    svc.Outbox,
		Agreement: svc.Agreement, ChainChecks: svc.Chain, Records: svc.Records,
		Requests: svc.Requests, RequestExports: svc.Exports,
		Demand: svc.Demand,
		DB:     db,
		Now:    now,
	})
}

// cleanSessions deletes expired sessions and stale sign-in counters every interval until ctx ends.
func cleanSessions(ctx context.Context, cfg config.Config, db *postgres.DB, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := time.Now()
			_, err := postgres.DeleteExpiredSessions(ctx, db.Pool, cfg.SessionLifetime, now)
			if err == nil {
				err = postgres.DeleteStaleThrottles(ctx, db.Pool, user.DefaultThrottle.Window+user.DefaultThrottle.LockFor, now)
			}
			if err != nil && ctx.Err() == nil {
				log.Warn("clean-up", "err", err)
			}
		}
	}
}

// Serve migrates the database and serves HTTP on cfg.Addr until ctx is cancelled, then shuts down
// gracefully. ready, if not nil, receives the listening address.
func Serve(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(addr string)) error {
	if err := cfg.CheckErasure(); err != nil {
		return err
	}
	if err := migrate(cfg); err != nil {
		return err
	}
	return serveMigrated(ctx, cfg, log, ready)
}

// serveMigrated is Serve on a database already migrated.
func serveMigrated(ctx context.Context, cfg config.Config, log *slog.Logger, ready func(addr string)) error {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := warnUnsafe(ctx, cfg, db, log); err != nil {
		return err
	}
	// One set of services for the handlers and the background jobs: one ledger, one river client.
	svc := NewServices(cfg, db, time.Now, log)
	srv, err := NewServer(cfg, db, log, time.Now, svc)
	if err != nil {
		return err
	}
	cleanCtx, stopCleaning := context.WithCancel(ctx)
	defer stopCleaning()
	go cleanSessions(cleanCtx, cfg, db, log, 5*time.Minute)
	go flushDenials(cleanCtx, db, log)
	// Requests append audit events without a lock; the sealer chains them once committed (migration 36).
	go audit.Sealer{Pool: db.Pool, Log: log, Every: 200 * time.Millisecond}.Run(cleanCtx)

	jobs, err := startJobs(ctx, db, svc, log)
	if err != nil {
		return err
	}
	defer func() {
		// Cancelling lets each bulk worker finish its current batch and hand the rest back (snooze).
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := jobs.StopAndCancel(stopCtx); err != nil {
			log.Warn("background jobs: stop", "err", err)
		}
	}()
	return listenAndServe(ctx, cfg.Addr, srv, log, ready)
}

// warnUnsafe warns of a configuration that serves, but less safely than README asks.
func warnUnsafe(ctx context.Context, cfg config.Config, db *postgres.DB, log *slog.Logger) error {
	if n, err := postgres.OwnedByMe(ctx, db.Pool); err != nil {
		return err
	} else if n > 0 {
		log.Warn("DATABASE_URL's role owns the schema, so a compromised server could rewrite the audit log: "+
			"serve as a role that owns nothing and migrate with AFFAR_MIGRATE_URL (README, Configuration)", "owned", n)
	}
	if len(cfg.Secret) == 0 {
		log.Warn("AFFAR_SECRET is unset: a random one is used, so known browsers' device cookies and the sign-in " +
			"counters start afresh at every restart and differ between servers (README, Configuration)")
	}
	return nil
}

// startJobs settles what an earlier crash left of erasures, starts the background jobs and resumes
// unfinished bulk jobs and imports.
func startJobs(ctx context.Context, db *postgres.DB, svc Services, log *slog.Logger) (*river.Client[pgx.Tx], error) {
	if n, err := svc.GDPR.Reconcile(ctx); err != nil {
		return nil, fmt.Errorf("erasure ledger: %w", err)
	} else if n > 0 {
		log.Warn("erasure ledger: settled intents left open by an earlier crash", "count", n)
	}
	jobs, err := NewJobs(db, svc, log)
	if err != nil {
		return nil, err
	}
	if err := jobs.Start(ctx); err != nil {
		return nil, fmt.Errorf("background jobs: %w", err)
	}
	if n, err := svc.Bulk.Resume(ctx); err != nil {
		return nil, fmt.Errorf("resume bulk jobs: %w", err)
	} else if n > 0 {
		log.Info("resumed unfinished bulk jobs", "count", n)
	}
	if n, err := svc.Imports.Resume(ctx); err != nil {
		return nil, fmt.Errorf("resume imports: %w", err)
	} else if n > 0 {
		log.Info("resumed unfinished customer imports", "count", n)
	}
	return jobs, nil
}

// listenAndServe serves h on addr until ctx is cancelled, then shuts down gracefully.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(addr string)) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // exports stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	log.Info("serving", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// migrate brings the schema up to date as its owner (AFFAR_MIGRATE_URL, else DATABASE_URL) and gives
// DATABASE_URL's role the rights it serves with.
func migrate(cfg config.Config) error {
	role, err := postgres.ServeRole(cfg.OwnerURL(), cfg.DatabaseURL)
	if err != nil {
		return err
	}
	return postgres.Migrate(cfg.OwnerURL(), role)
}

// systemContext is the context of command-line administration.
func systemContext(ctx context.Context) context.Context { return authz.WithActor(ctx, authz.System()) }

// NewJobs builds the river client that runs background work: bulk erasure jobs and the daily
// retention-hold release.
func NewJobs(db *postgres.DB, svc Services, log *slog.Logger) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	gdpr.AddWorkers(workers, svc.GDPR, svc.Bulk, svc.Rules)
	river.AddWorker(workers, &customerimport.Worker{Imports: svc.Imports})
	river.AddWorker(workers, &customerimport.CleanupWorker{Imports: svc.Imports})
	river.AddWorker(workers, &mail.DeliverWorker{Outbox: svc.Outbox})
	river.AddWorker(workers, &chainwatch.Worker{Service: svc.Chain})
	river.AddWorker(workers, &request.RemindWorker{Service: svc.Requests})
	c, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 1},
			gdpr.BulkQueue: {MaxWorkers: 2}, customerimport.Queue: {MaxWorkers: 1}}, // two cores: a third worker would mostly wait for the database
		Workers: workers,
		// The audit chain is checked and its head mailed out every night at 04 (after the 03 hold release).
		// Requests due within a week are mailed to their handlers at 07, before the working day.
		PeriodicJobs: append(gdpr.PeriodicJobs(), chainwatch.PeriodicJob(gdpr.Daily{Hour: 4}), request.PeriodicJob(gdpr.Daily{Hour: 7}),
			customerimport.PeriodicJob(gdpr.Daily{Hour: 1})),
		// A job of a server that died is run again after this, even if no server restarts.
		RescueStuckJobsAfter: gdpr.RescueAfter,
		// River's nightly REINDEX of its job indexes needs the owner, which the server is not (README).
		ReindexerIndexNames: []string{},
		Logger:              log,
	})
	if err != nil {
		return nil, fmt.Errorf("background jobs: %w", err)
	}
	return c, nil
}
