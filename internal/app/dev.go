package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/devdb"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/password"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/seed"
	"github.com/affar/affar/internal/user"
)

// devDataDir holds the local cluster of make run and make test.
const devDataDir = ".data/pg"

// durableDataDir holds the cluster of dev exec --durable (make bench-durable), whose commits are flushed.
const durableDataDir = ".data/pg-durable"

// devRunDB is the database make run serves on the local cluster: dev exec points commands at it unless
// told otherwise, so that `affar dev exec -- bin/affar user …` changes the users make run shows.
const devRunDB = "affar"

// devCmd implements make run (dev run) and make test (dev exec --db postgres -- CMD).
func devCmd(ctx context.Context, args []string, cfg config.Config, log *slog.Logger, std IO) error {
	const usage = "dev run | dev exec [--durable] [--db NAME] -- CMD..."
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	switch args[0] {
	case "run":
		return devRun(ctx, cfg, log, std)
	case "exec":
		db, durable, cmdArgs, ok := execArgs(args[1:])
		if !ok {
			return fmt.Errorf("%w: %s", errUsage, usage)
		}
		return devExec(ctx, cfg, std, db, durable, cmdArgs)
	}
	return fmt.Errorf("%w: %s", errUsage, usage)
}

// execArgs reads dev exec's arguments: [--durable] [--db NAME] [--] CMD...; the database is make run's by
// default, on make run's cluster unless --durable asks for the one whose commits are flushed.
func execArgs(args []string) (db string, durable bool, cmd []string, ok bool) {
	db = devRunDB
	if len(args) > 0 && args[0] == "--durable" {
		durable, args = true, args[1:]
	}
	if len(args) > 1 && args[0] == "--db" {
		db, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	return db, durable, args, len(args) > 0 && db != "" && db != "--"
}

// devRun is make run: migrate once, make the first admin and the demo data, and serve.
func devRun(ctx context.Context, cfg config.Config, log *slog.Logger, std IO) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return withDevDB(ctx, cfg, devRunDB, false, std, func(cfg config.Config) error {
		// After the cluster is set up: it creates .data/ with the modes its server user needs.
		cfg, err := devSecrets(cfg)
		if err != nil {
			return err
		}
		if err := migrate(cfg); err != nil {
			return err
		}
		if err := ensureAdmin(ctx, cfg, std); err != nil {
			return err
		}
		if err := ensureDemoData(ctx, cfg, std); err != nil {
			return err
		}
		// Serve without its migration; devSecrets gave cfg what Serve's CheckErasure asks for.
		return serveMigrated(ctx, cfg, log, func(addr string) {
			fmt.Fprintf(std.Stdout, "Affär is ready: http://localhost%s (Ctrl-C stops it)\n", portOf(addr))
		})
	})
}

// devExec runs cmdArgs with DATABASE_URL (and AFFAR_MIGRATE_URL) set to database db of the local cluster
// (or as given). make test and the benchmarks take the cluster's maintenance database, postgres: the
// tests make their own databases and never touch make run's data.
func devExec(ctx context.Context, cfg config.Config, std IO, db string, durable bool, cmdArgs []string) error {
	// The child gets Ctrl-C from the terminal itself; other stop signals (a CI time-out) are passed on.
	// Either way we wait for it and then stop the cluster.
	signal.Ignore(os.Interrupt)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	return withDevDB(ctx, cfg, db, durable, std, func(cfg config.Config) error {
		cmd := exec.Command(cmdArgs[0], cmdArgs[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = std.Stdin, std.Stdout, std.Stderr
		cmd.Env = append(os.Environ(), "DATABASE_URL="+cfg.DatabaseURL)
		if cfg.MigrateURL != "" {
			cmd.Env = append(cmd.Env, "AFFAR_MIGRATE_URL="+cfg.MigrateURL)
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		go func() {
			for sig := range sigs {
				_ = cmd.Process.Signal(sig)
			}
		}()
		err := cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exitError(max(exit.ExitCode(), 1))
		}
		return err
	})
}

// withDevDB runs fn with DATABASE_URL as given, or else on a local cluster under .data/ (the durable one
// if asked), started for fn and stopped afterwards.
func withDevDB(ctx context.Context, cfg config.Config, dbName string, durable bool, std IO, fn func(config.Config) error) error {
	if cfg.DatabaseURL != "" {
		return fn(cfg)
	}
	start, dir := devdb.Start, devDataDir
	if durable {
		start, dir = devdb.StartDurable, durableDataDir
	}
	cluster, err := start(ctx, dir, std.Stderr)
	if err != nil {
		return err
	}
	defer func() {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(std.Stderr, err)
		}
	}()
	if dbName != "postgres" { // the maintenance database is the cluster's own
		if err := cluster.EnsureDatabase(ctx, dbName); err != nil {
			return err
		}
	}
	// Served as a role that owns nothing, migrated as the owner (ASVS 13.2.2), as README asks of a server.
	cfg.DatabaseURL, cfg.MigrateURL = cluster.ServeURL(dbName), cluster.OwnerURL(dbName)
	return fn(cfg)
}

// ensureAdmin creates the first admin on an empty, migrated database and prints the credentials once.
func ensureAdmin(ctx context.Context, cfg config.Config, std IO) error {
	return onServices(ctx, cfg, cfg.DatabaseURL, func(svc Services) error {
		ctx := systemContext(ctx)
		has, err := svc.Users.HasAdmin(ctx)
		if err != nil {
			return err
		}
		if has {
			return resetDevAdmin(ctx, svc, cfg, std)
		}
		pw := cfg.AdminPassword
		if pw == "" {
			pw = password.Random(16)
		}
		if _, err := svc.Users.Create(ctx, user.FirstAdmin(cfg.AdminEmail, pw, i18n.Default)); err != nil {
			return describeUserError(err)
		}
		fmt.Fprintf(std.Stdout, "\nFirst admin account created — this password is printed only once:\n  e-mail:   %s\n  password: %s\n\n", cfg.AdminEmail, pw)
		return nil
	})
}

// resetDevAdmin sets the admin's password from AFFAR_ADMIN_PASSWORD when given, so a newcomer who lost
// the printed one can get back in; otherwise it says how.
func resetDevAdmin(ctx context.Context, svc Services, cfg config.Config, std IO) error {
	if cfg.AdminPassword == "" {
		fmt.Fprintf(std.Stdout, "Admin account exists; its password was printed at first start "+
			"(to set a new one: AFFAR_ADMIN_PASSWORD='…' make run).\n")
		return nil
	}
	u, err := postgres.UserByEmail(ctx, svc.Users.DB.Pool, cfg.AdminEmail)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("AFFAR_ADMIN_PASSWORD is set but there is no user %s (AFFAR_ADMIN_EMAIL)", cfg.AdminEmail)
	}
	if err != nil {
		return err
	}
	if same, _ := password.Verify(ctx, u.PasswordHash, cfg.AdminPassword); same {
		return nil // unchanged: keep the sessions
	}
	if err := svc.Users.ResetPassword(ctx, u.ID, cfg.AdminPassword); err != nil {
		return describeUserError(err)
	}
	fmt.Fprintf(std.Stdout, "Admin password of %s set from AFFAR_ADMIN_PASSWORD.\n", cfg.AdminEmail)
	return nil
}

// demoCustomers is how many customers make run adds to an empty register.
const demoCustomers = 300

// ensureDemoData fills an empty customer register of a migrated database with generated customers, so a
// first look has something to look at.
func ensureDemoData(ctx context.Context, cfg config.Config, std IO) error {
	return onServices(ctx, cfg, cfg.OwnerURL(), func(svc Services) error { // seeding is bulk loading: the owner's
		n, err := postgres.CountCustomers(ctx, svc.Users.DB.Pool)
		if err != nil || n > 0 {
			return err
		}
		if err := seed.Run(systemContext(ctx), svc.Users.DB, seed.Generator{Seed: 2026, Now: time.Now()}, demoCustomers); err != nil {
			return err
		}
		fmt.Fprintf(std.Stdout, "Added %d demo customers.\n", demoCustomers)
		return nil
	})
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i:]
		}
	}
	return addr
}

// devSecrets gives make run an erasure salt and ledger under .data/ when none is configured: the
// salt is made once and kept, as it must be for the life of the register. So is the service secret, so
// known browsers' device cookies and the sign-in counters outlive a restart of make run.
func devSecrets(cfg config.Config) (config.Config, error) {
	if cfg.ErasureLedger == "" {
		cfg.ErasureLedger = filepath.Join(filepath.Dir(devDataDir), "erasure-ledger.jsonl")
	}
	var err error
	if len(cfg.ErasureSalt) == 0 {
		if cfg.ErasureSalt, err = keptRandom("erasure-salt"); err != nil {
			return cfg, fmt.Errorf("erasure salt: %w", err)
		}
	}
	if len(cfg.Secret) == 0 {
		if cfg.Secret, err = keptRandom("secret"); err != nil {
			return cfg, fmt.Errorf("secret: %w", err)
		}
	}
	return cfg, nil
}

// keptRandom is the random value kept in .data/name, made on first use.
func keptRandom(name string) ([]byte, error) {
	path := filepath.Join(filepath.Dir(devDataDir), name)
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	r := make([]byte, 32)
	_, _ = rand.Read(r)
	b := []byte(hex.EncodeToString(r))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { // with DATABASE_URL set, .data/ may not exist yet
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	return b, nil
}
