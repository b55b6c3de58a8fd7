package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/config"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/seed"
	"github.com/affar/affar/internal/user"
)

const usage = `affar — a business system that lives by the GDPR

Usage:
  affar serve                              migrate, then serve HTTP on $ADDR (default :8080)
  affar migrate up                         apply every pending migration as $AFFAR_MIGRATE_URL's role (the
                                           owner; default $DATABASE_URL) and grant $DATABASE_URL's role its rights
  affar migrate down N                     roll back N migrations
  affar migrate version                    print the applied migration version
  affar user create --email E [--name N] [--admin] [--language sv|en]
                                           create a user; password from $AFFAR_PASSWORD or a prompt
  affar user password --email E            set a new password ($AFFAR_PASSWORD or a prompt); signs the user out
  affar user deactivate --email E          deactivate a user; their sessions end at once (activate undoes it)
  affar user grant --email E PERM...       grant permissions (see 'affar user permissions')
  affar user revoke --email E PERM...      revoke permissions
  affar user permissions                   list the permission catalogue
  affar seed --customers N [--seed S]      add N generated Swedish demo customers (COPY; 1,000,000 in about a minute)
  affar agreement publish --version V --file F [--yes]
                                           the operator sends a version of the data processing agreement to
                                           every admin: prints a preview and asks first (--yes: does not ask)
  affar audit verify [--anchor ID:HASH]    walk the audit hash chain; exit 1 naming the first broken event
  affar gdpr release-holds                 clear quote snapshots whose retention hold has ended (also a daily job)
  affar gdpr replay-erasures               re-apply the erasure ledger ($AFFAR_ERASURE_LEDGER) to a database
                                           restored from an older backup, so erased customers stay erased
  affar dev run                            make run: local PostgreSQL if $DATABASE_URL is unset, first admin, serve
  affar dev exec [--durable] [--db NAME] -- CMD...
                                           run CMD with $DATABASE_URL set (local PostgreSQL if unset: make run's
                                           database, or NAME; make test uses --db postgres; --durable: a cluster
                                           of its own whose commits are flushed to disk, for make bench-durable)
  affar help                               this text

Configuration is read from the environment; README.md lists every variable. The server should run as a
role that owns nothing, with migrations run as the owner (README.md, Database roles).
`

// IO is the process's standard streams and environment.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// Main runs the command in args and returns the process exit code.
func Main(ctx context.Context, args []string, std IO) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(std.Stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cfg, err := config.Load(std.Getenv)
	if err != nil {
		fmt.Fprintf(std.Stderr, "configuration: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(std.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	var runErr error
	switch args[0] {
	case "serve":
		// SIGTERM is how containers and service managers stop us: shut down gracefully on it.
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		runErr = needDB(cfg, func() error { return Serve(ctx, cfg, log, nil) })
	case "migrate":
		runErr = needDB(cfg, func() error { return migrateCmd(args[1:], cfg, std) })
	case "user":
		runErr = needDB(cfg, func() error { return userCmd(ctx, args[1:], cfg, std) })
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return usageError(std, "audit verify")
		}
		runErr = needDB(cfg, func() error { return auditVerify(ctx, args[2:], cfg, std) })
	case "seed":
		runErr = needDB(cfg, func() error { return seedCmd(ctx, args[1:], cfg, std) })
	case "agreement":
		runErr = needDB(cfg, func() error { return agreementCmd(ctx, args[1:], cfg, std) })
	case "gdpr":
		runErr = needDB(cfg, func() error { return gdprCmd(ctx, args[1:], cfg, std) })
	case "dev":
		runErr = devCmd(ctx, args[1:], cfg, log, std)
	default:
		return usageError(std, "unknown command "+strconv.Quote(args[0]))
	}
	var exit exitError
	switch {
	case errors.As(runErr, &exit):
		return int(exit)
	case errors.Is(runErr, errUsage):
		fmt.Fprintf(std.Stderr, "%v\n\n%s", runErr, usage)
		return 2
	case runErr != nil:
		fmt.Fprintf(std.Stderr, "affar %s: %v\n", args[0], runErr)
		return 1
	}
	return 0
}

// exitError is an exit code whose message was already printed.
type exitError int

func (e exitError) Error() string { return "exit " + strconv.Itoa(int(e)) }

var errUsage = errors.New("usage")

func usageError(std IO, msg string) int {
	fmt.Fprintf(std.Stderr, "%s\n\n%s", msg, usage)
	return 2
}

func needDB(cfg config.Config, fn func() error) error {
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set (make run starts a local database for you)")
	}
	return fn()
}

func migrateCmd(args []string, cfg config.Config, std IO) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: migrate up|down N|version", errUsage)
	}
	if args[0] == "up" && len(args) == 1 {
		// All of it, as serve start does: river's tables, the holds rule and the serve role's rights.
		if err := migrate(cfg); err != nil {
			return err
		}
	}
	mg, err := postgres.NewMigrator(cfg.OwnerURL())
	if err != nil {
		return err
	}
	defer mg.Close()
	switch {
	case args[0] == "up" && len(args) == 1:
	case args[0] == "down" && len(args) == 2:
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 1 {
			return fmt.Errorf("%w: migrate down N needs a positive number", errUsage)
		}
		if err := mg.Down(n); err != nil {
			return err
		}
	case args[0] == "version" && len(args) == 1:
	default:
		return fmt.Errorf("%w: migrate up|down N|version", errUsage)
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(std.Stdout, "migration version %d", v)
	if dirty {
		fmt.Fprint(std.Stdout, " (dirty: a migration failed half-way; fix it by hand)")
	}
	fmt.Fprintln(std.Stdout)
	return nil
}

// withServices migrates and runs fn on services connected to url: cfg.DatabaseURL, or cfg.OwnerURL() for
// work that needs the owner's rights (bulk loading, moving sequences).
func withServices(ctx context.Context, cfg config.Config, url string, fn func(Services) error) error {
	if err := migrate(cfg); err != nil {
		return err
	}
	return onServices(ctx, cfg, url, fn)
}

// onServices is withServices on a database already migrated.
func onServices(ctx context.Context, cfg config.Config, url string, fn func(Services) error) error {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(NewServices(cfg, db, time.Now, slog.New(slog.DiscardHandler)))
}

func userCmd(ctx context.Context, args []string, cfg config.Config, std IO) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: user create|grant|revoke|permissions", errUsage)
	}
	ctx = systemContext(ctx)
	fs := flag.NewFlagSet("user "+args[0], flag.ContinueOnError)
	fs.SetOutput(std.Stderr)
	email := fs.String("email", "", "the user's e-mail address")
	switch args[0] {
	case "permissions":
		for _, g := range authz.Groups {
			fmt.Fprintf(std.Stdout, "%s\n", strings.TrimPrefix(g.Key, "perm.group."))
			for _, p := range g.Permissions {
				fmt.Fprintf(std.Stdout, "  %s\n", p)
			}
		}
		return nil
	case "create":
		return userCreate(ctx, fs, email, args[1:], cfg, std)
	case "password":
		if err := fs.Parse(args[1:]); err != nil || *email == "" || fs.NArg() != 0 {
			return fmt.Errorf("%w: user password --email E", errUsage)
		}
		pw, err := passwordFrom(std)
		if err != nil {
			return err
		}
		return withUser(ctx, cfg, *email, func(svc Services, id domain.UserID) error {
			if err := svc.Users.ResetPassword(ctx, id, pw); err != nil {
				return describeUserError(err)
			}
			fmt.Fprintln(std.Stdout, "password set; the user's sessions have ended")
			return nil
		})
	case "activate", "deactivate":
		if err := fs.Parse(args[1:]); err != nil || *email == "" || fs.NArg() != 0 {
			return fmt.Errorf("%w: user %s --email E", errUsage, args[0])
		}
		return withUser(ctx, cfg, *email, func(svc Services, id domain.UserID) error {
			if err := svc.Users.SetActive(ctx, id, args[0] == "activate"); err != nil {
				return err
			}
			fmt.Fprintf(std.Stdout, "user %sd\n", args[0])
			return nil
		})
	case "grant", "revoke":
		return userGrant(ctx, fs, email, args, cfg)
	}
	return fmt.Errorf("%w: user create|grant|revoke|permissions", errUsage)
}

// userCreate is affar user create: fs holds --email already.
func userCreate(ctx context.Context, fs *flag.FlagSet, email *string, args []string, cfg config.Config, std IO) error {
	name := fs.String("name", "", "the user's name (default: the part of the e-mail before @)")
	admin := fs.Bool("admin", false, "make the user an admin (every permission, may grant permissions)")
	lang := fs.String("language", "", "interface language, sv or en (default: follow the browser)")
	if err := fs.Parse(args); err != nil || *email == "" || fs.NArg() != 0 {
		return fmt.Errorf("%w: user create --email E [--name N] [--admin] [--language sv|en]", errUsage)
	}
	if *name == "" {
		*name, _, _ = strings.Cut(*email, "@")
	}
	pw, err := passwordFrom(std)
	if err != nil {
		return err
	}
	return withServices(ctx, cfg, cfg.DatabaseURL, func(svc Services) error {
		id, err := svc.Users.Create(ctx, user.NewUser{Email: *email, Name: *name, Password: pw, IsAdmin: *admin, Language: *lang})
		if err != nil {
			return describeUserError(err)
		}
		fmt.Fprintf(std.Stdout, "created user %d\n", id)
		return nil
	})
}

// userGrant is affar user grant and revoke (args[0]): fs holds --email already.
func userGrant(ctx context.Context, fs *flag.FlagSet, email *string, args []string, cfg config.Config) error {
	if err := fs.Parse(args[1:]); err != nil || *email == "" || fs.NArg() == 0 {
		return fmt.Errorf("%w: user %s --email E PERM...", errUsage, args[0])
	}
	perms := make([]authz.Permission, fs.NArg())
	for i, p := range fs.Args() {
		perms[i] = authz.Permission(p)
		if !authz.Known(perms[i]) {
			return fmt.Errorf("unknown permission %q (see 'affar user permissions')", p)
		}
	}
	return withUser(ctx, cfg, *email, func(svc Services, id domain.UserID) error {
		if args[0] == "grant" {
			return svc.Users.SetPermissions(ctx, id, perms, nil)
		}
		return svc.Users.SetPermissions(ctx, id, nil, perms)
	})
}

// withUser runs fn on the services and the id of the user with the address email.
func withUser(ctx context.Context, cfg config.Config, email string, fn func(Services, domain.UserID) error) error {
	return withServices(ctx, cfg, cfg.DatabaseURL, func(svc Services) error {
		id, err := svc.Users.IDByEmail(ctx, email)
		if err != nil {
			return fmt.Errorf("no user with that e-mail address: %w", err)
		}
		return fn(svc, id)
	})
}

func describeUserError(err error) error {
	if errors.Is(err, domain.ErrConflict) {
		return errors.New("a user with that e-mail address already exists")
	}
	return describeInput(err)
}

// describeInput spells out field errors in English for the command line; other errors pass as they are.
func describeInput(err error) error {
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		en := i18n.WithLang(context.Background(), "en")
		var parts []string
		for field, key := range fe {
			parts = append(parts, field+": "+i18n.T(en, key))
		}
		slices.Sort(parts)
		return fmt.Errorf("invalid input (%s)", strings.Join(parts, " "))
	}
	return err
}

// passwordFrom takes the password from $AFFAR_PASSWORD, or else asks for it.
func passwordFrom(std IO) (string, error) {
	if pw := std.Getenv("AFFAR_PASSWORD"); pw != "" {
		return pw, nil
	}
	return promptPassword(std)
}

// promptPassword asks twice without echo on a terminal, once from a pipe.
func promptPassword(std IO) (string, error) {
	if f, ok := std.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(std.Stderr, "Password: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(std.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(std.Stderr, "Repeat password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(std.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(std.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password: set AFFAR_PASSWORD or type it at the prompt")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func auditVerify(ctx context.Context, args []string, cfg config.Config, std IO) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(std.Stderr)
	anchor := fs.String("anchor", "", "ID:HASH printed by an earlier verify; fails if that event is gone or changed")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return fmt.Errorf("%w: audit verify [--anchor ID:HASH]", errUsage)
	}
	var want audit.Anchor
	if *anchor != "" {
		var err error
		if want, err = audit.ParseAnchor(*anchor); err != nil {
			return fmt.Errorf("%w: --anchor: %v", errUsage, err)
		}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := audit.Verify(ctx, db.Pool)
	var broken *audit.BrokenError
	if errors.As(err, &broken) {
		fmt.Fprintf(std.Stdout, "BROKEN: event %d: %s (%d events before it verified)\n", broken.EventID, broken.Reason, res.Events)
		return exitError(1)
	}
	if err != nil {
		return err
	}
	if *anchor != "" {
		if err := res.Check(want); err != nil {
			fmt.Fprintf(std.Stdout, "BROKEN: %v\n", err)
			return exitError(1)
		}
	}
	fmt.Fprintf(std.Stdout, "ok: %d events, chain intact\n", res.Events)
	if res.Unsealed > 0 {
		fmt.Fprintf(std.Stdout, "%d events committed during the walk wait for their seal\n", res.Unsealed)
	}
	if res.Events > 0 {
		fmt.Fprintf(std.Stdout, "head: %s\n(keep this outside the database; 'affar audit verify --anchor %s' later proves nothing up to it was removed or rewritten)\n", res.Head, res.Head)
	}
	return nil
}

func seedCmd(ctx context.Context, args []string, cfg config.Config, std IO) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(std.Stderr)
	n := fs.Int("customers", 0, "number of customers to add")
	s := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed (the same seed gives the same customers)")
	if err := fs.Parse(args); err != nil || *n <= 0 || fs.NArg() != 0 {
		return fmt.Errorf("%w: seed --customers N [--seed S]", errUsage)
	}
	// As the owner: an empty register's indexes are dropped for the load and built again, and vacuumed.
	return withServices(ctx, cfg, cfg.OwnerURL(), func(svc Services) error {
		start := time.Now()
		if err := seed.Run(systemContext(ctx), svc.Users.DB, seed.Generator{Seed: *s, Now: time.Now()}, *n); err != nil {
			return err
		}
		fmt.Fprintf(std.Stdout, "added %d customers in %s\n", *n, time.Since(start).Round(time.Millisecond))
		start = time.Now()
		if _, err := postgres.VacuumRegister(ctx, svc.Users.DB.Pool); err != nil {
			return err
		}
		fmt.Fprintf(std.Stdout, "vacuumed and analysed in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	})
}

func gdprCmd(ctx context.Context, args []string, cfg config.Config, std IO) error {
	if len(args) != 1 || (args[0] != "release-holds" && args[0] != "replay-erasures") {
		return fmt.Errorf("%w: gdpr release-holds | gdpr replay-erasures", errUsage)
	}
	if err := cfg.CheckErasure(); err != nil {
		return err
	}
	return withServices(ctx, cfg, cfg.DatabaseURL, func(svc Services) error {
		if args[0] == "release-holds" {
			n, err := svc.GDPR.ReleaseHolds(systemContext(ctx))
			if err != nil {
				return err
			}
			fmt.Fprintf(std.Stdout, "released %d quote snapshots whose retention hold had ended\n", n)
			return nil
		}
		res, err := svc.GDPR.Replay(systemContext(ctx))
		fmt.Fprintf(std.Stdout, "ledger: %d erasures; %d customers erased again", res.Erasures, res.Customers)
		if res.Unsettled > 0 {
			fmt.Fprintf(std.Stdout, " (%d without a recorded outcome, replayed to be safe)", res.Unsettled)
		}
		if res.Failed > 0 {
			fmt.Fprintf(std.Stdout, "; %d FAILED (below): fix and run again", res.Failed)
		}
		fmt.Fprintln(std.Stdout)
		return err
	})
}
