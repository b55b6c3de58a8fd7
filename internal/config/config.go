// Package config reads Affär's settings from the environment and validates them.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting; README.md lists the variables.
type Config struct {
	DatabaseURL     string        // DATABASE_URL; empty means "start the local dev cluster" (make run / make test)
	Addr            string        // ADDR, default ":8080"
	BaseURL         string        // AFFAR_BASE_URL, e.g. https://affar.example.se; https makes cookies Secure
	SessionIdle     time.Duration // AFFAR_SESSION_IDLE, default 30m
	SessionLifetime time.Duration // AFFAR_SESSION_LIFETIME, default 8h
	MaxBodyBytes    int64         // AFFAR_MAX_BODY_BYTES, default 1 MiB
	MaxImportBytes  int64         // AFFAR_MAX_IMPORT_BYTES, default 64 MiB: a file of customers to import
	TrustProxy      bool          // AFFAR_TRUST_PROXY: take the client address from X-Forwarded-For
	LogLevel        slog.Level    // AFFAR_LOG_LEVEL: debug, info, warn, error
	AdminEmail      string        // AFFAR_ADMIN_EMAIL, the first admin created by make run
	AdminPassword   string        // AFFAR_ADMIN_PASSWORD; empty means a random one, printed once
	Secret          []byte        // AFFAR_SECRET: keys HMACs of stored look-up values; random per process if unset
	// AFFAR_MIGRATE_URL is the schema owner's connection, for migrations (and affar seed, which drops and
	// rebuilds indexes); DATABASE_URL's role then serves with only the rights migrations grant it, owning
	// nothing (ASVS 13.2.2). Empty means DATABASE_URL's role does both.
	MigrateURL string
	// AFFAR_ERASURE_SALT keys the hashes of erased customers' e-mail, phone and personal numbers (the
	// suppression list). It must stay the same for the life of the register, so serve refuses to start
	// without it; make run keeps one under .data/.
	ErasureSalt []byte
	// AFFAR_ERASURE_LEDGER is the file every erasure is also written to, outside the database, so a
	// restored backup can be re-erased (affar gdpr replay-erasures). Put it where a database restore does
	// not reach; make run uses .data/erasure-ledger.jsonl.
	ErasureLedger string
	BulkBatch     int // AFFAR_BULK_BATCH: customers per transaction of a bulk job, default 500
	// Outgoing mail: AFFAR_SMTP_ADDR (host:port), AFFAR_SMTP_USER, AFFAR_SMTP_PASSWORD and AFFAR_MAIL_FROM.
	// Without an address mail is kept on the outbox page for an admin to pass on.
	SMTPAddr     string
	SMTPUser     string
	SMTPPassword string
	MailFrom     string
	// Requests per session, per user and (anonymous ones) per client address, on each server:
	// AFFAR_RATE_LIMIT a second on average, default 10, AFFAR_RATE_BURST in a row, default 100, and
	// AFFAR_RATE_PARALLEL at a time, default 2; a request just beyond waits up to a second for its turn,
	// further beyond it gets 429.
	RateLimit    float64
	RateBurst    int
	RateParallel int
}

// CheckErasure reports what is missing for serving: the erasure salt and the ledger file.
func (c Config) CheckErasure() error {
	var errs []error
	if len(c.ErasureSalt) == 0 {
		errs = append(errs, errors.New("AFFAR_ERASURE_SALT is not set (at least 32 random characters, kept for the life of the register)"))
	}
	if c.ErasureLedger == "" {
		errs = append(errs, errors.New("AFFAR_ERASURE_LEDGER is not set (a file outside the database's backups)"))
	}
	return errors.Join(errs...)
}

// OwnerURL is the connection of the role that owns the schema: AFFAR_MIGRATE_URL, or DATABASE_URL where
// one role must do.
func (c Config) OwnerURL() string { return or(c.MigrateURL, c.DatabaseURL) }

// Secure reports whether the app is served over HTTPS, so cookies get Secure and the __Host- prefix.
func (c Config) Secure() bool {
	u, err := url.Parse(c.BaseURL)
	return err == nil && strings.EqualFold(u.Scheme, "https")
}

// CookieName is what the cookie called name is named: over HTTPS with the __Host- prefix, which makes the
// browser refuse it unless Secure, Path=/ and no Domain.
func (c Config) CookieName(name string) string {
	if c.Secure() {
		return "__Host-" + name
	}
	return name
}

// Load reads the configuration through getenv (os.Getenv in main, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	e := &vars{get: getenv}
	c := Config{
		DatabaseURL:   getenv("DATABASE_URL"),
		MigrateURL:    getenv("AFFAR_MIGRATE_URL"),
		Addr:          or(getenv("ADDR"), ":8080"),
		BaseURL:       strings.TrimRight(getenv("AFFAR_BASE_URL"), "/"),
		AdminEmail:    or(getenv("AFFAR_ADMIN_EMAIL"), "admin@affar.example"),
		AdminPassword: getenv("AFFAR_ADMIN_PASSWORD"),
		ErasureLedger: getenv("AFFAR_ERASURE_LEDGER"),
		SMTPAddr:      getenv("AFFAR_SMTP_ADDR"),
		SMTPUser:      getenv("AFFAR_SMTP_USER"),
		SMTPPassword:  getenv("AFFAR_SMTP_PASSWORD"),
		MailFrom:      or(getenv("AFFAR_MAIL_FROM"), "affar@localhost"),
	}
	c.SessionIdle = e.duration("AFFAR_SESSION_IDLE", 30*time.Minute)
	c.SessionLifetime = e.duration("AFFAR_SESSION_LIFETIME", 8*time.Hour)
	if c.SessionIdle > c.SessionLifetime {
		e.errs = append(e.errs, errors.New("AFFAR_SESSION_IDLE must not exceed AFFAR_SESSION_LIFETIME"))
	}
	c.MaxBodyBytes = e.integer("AFFAR_MAX_BODY_BYTES", 1<<20, 1024, math.MaxInt64, "a number of bytes ≥ 1024")
	c.MaxImportBytes = e.integer("AFFAR_MAX_IMPORT_BYTES", 64<<20, 1024, math.MaxInt64, "a number of bytes ≥ 1024")
	c.Secret = e.secret("AFFAR_SECRET")
	c.ErasureSalt = e.secret("AFFAR_ERASURE_SALT")
	c.BulkBatch = int(e.integer("AFFAR_BULK_BATCH", 0, 1, 10000, "1 to 10000 customers"))
	c.RateLimit = e.rate("AFFAR_RATE_LIMIT", 10)
	c.RateBurst = int(e.integer("AFFAR_RATE_BURST", 100, 1, 1e6, "1 to 1000000 requests"))
	c.RateParallel = int(e.integer("AFFAR_RATE_PARALLEL", 2, 1, 1e6, "1 to 1000000 requests"))
	if v := getenv("AFFAR_TRUST_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.bad("AFFAR_TRUST_PROXY", "true or false", v)
		}
		c.TrustProxy = b
	}
	if v := getenv("AFFAR_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			e.bad("AFFAR_LOG_LEVEL", "debug, info, warn or error", v)
		}
	}
	return c, errors.Join(append(e.errs, c.checkAddresses()...)...)
}

// checkAddresses checks the base URL and, for outgoing mail, what it needs.
func (c Config) checkAddresses() []error {
	var errs []error
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
			errs = append(errs, fmt.Errorf("AFFAR_BASE_URL: want http(s)://host, got %q", c.BaseURL))
		}
	}
	if c.SMTPAddr != "" {
		// E-mailed links must lead to the real site: the Host of a request can be anything a client sends.
		if c.BaseURL == "" {
			errs = append(errs, errors.New("AFFAR_SMTP_ADDR needs AFFAR_BASE_URL, the address links in e-mail lead to"))
		}
		if _, err := mail.ParseAddress(c.MailFrom); err != nil || strings.ContainsAny(c.MailFrom, "<>\r\n") {
			errs = append(errs, fmt.Errorf("AFFAR_MAIL_FROM: want a plain e-mail address, got %q", c.MailFrom))
		}
	}
	return errs
}

// vars reads variables and collects what is wrong with them, so one start-up names every mistake.
type vars struct {
	get  func(string) string
	errs []error
}

func (e *vars) bad(name, want, got string) {
	e.errs = append(e.errs, fmt.Errorf("%s: want %s, got %q", name, want, got))
}

func (e *vars) duration(name string, def time.Duration) time.Duration {
	v := e.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.bad(name, "a positive duration such as 30m", v)
	}
	return d
}

// integer is name's whole number in [lo, hi], def when unset.
func (e *vars) integer(name string, def, lo, hi int64, want string) int64 {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		e.bad(name, want, v)
	}
	return n
}

// rate is name's requests per second, def when unset.
func (e *vars) rate(name string, def float64) float64 {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || !(n >= 0.01 && n <= 1e6) {
		e.bad(name, "requests per second, 0.01 to 1000000", v)
	}
	return n
}

// secret is name's key, at least 32 characters; the error does not repeat it.
func (e *vars) secret(name string) []byte {
	v := e.get(name)
	if v == "" {
		return nil
	}
	if len(v) < 32 {
		e.errs = append(e.errs, fmt.Errorf("%s: want at least 32 characters", name))
	}
	return []byte(v)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
