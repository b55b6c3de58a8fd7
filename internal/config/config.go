// Package config reads Affär's settings from the environment and validates them.
package config

import (
	"errors"
	"fmt"
	"log/slog"
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
	// AFFAR_RATE_LIMIT a second on average, default 10, and AFFAR_RATE_BURST at once, default 100; a
	// request just beyond waits up to a second for its turn, further beyond it gets 429.
	RateLimit float64
	RateBurst int
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

// Load reads the configuration through getenv (os.Getenv in main, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:   getenv("DATABASE_URL"),
		MigrateURL:    getenv("AFFAR_MIGRATE_URL"),
		Addr:          or(getenv("ADDR"), ":8080"),
		BaseURL:       strings.TrimRight(getenv("AFFAR_BASE_URL"), "/"),
		AdminEmail:    or(getenv("AFFAR_ADMIN_EMAIL"), "admin@affar.example"),
		AdminPassword: getenv("AFFAR_ADMIN_PASSWORD"),
	}
	var errs []error
	dur := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as 30m, got %q", name, v))
		}
		return d
	}
	c.SessionIdle = dur("AFFAR_SESSION_IDLE", 30*time.Minute)
	c.SessionLifetime = dur("AFFAR_SESSION_LIFETIME", 8*time.Hour)
	if c.SessionIdle > c.SessionLifetime {
		errs = append(errs, errors.New("AFFAR_SESSION_IDLE must not exceed AFFAR_SESSION_LIFETIME"))
	}
	c.MaxBodyBytes = 1 << 20
	if v := getenv("AFFAR_MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			errs = append(errs, fmt.Errorf("AFFAR_MAX_BODY_BYTES: want a number of bytes ≥ 1024, got %q", v))
		}
		c.MaxBodyBytes = n
	}
	if v := getenv("AFFAR_SECRET"); v != "" {
		if len(v) < 32 {
			errs = append(errs, errors.New("AFFAR_SECRET: want at least 32 characters"))
		}
		c.Secret = []byte(v)
	}
	if v := getenv("AFFAR_ERASURE_SALT"); v != "" {
		if len(v) < 32 {
			errs = append(errs, errors.New("AFFAR_ERASURE_SALT: want at least 32 characters"))
		}
		c.ErasureSalt = []byte(v)
	}
	c.ErasureLedger = getenv("AFFAR_ERASURE_LEDGER")
	c.SMTPAddr, c.SMTPUser, c.SMTPPassword = getenv("AFFAR_SMTP_ADDR"), getenv("AFFAR_SMTP_USER"), getenv("AFFAR_SMTP_PASSWORD")
	c.MailFrom = or(getenv("AFFAR_MAIL_FROM"), "affar@localhost")
	if v := getenv("AFFAR_BULK_BATCH"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			errs = append(errs, fmt.Errorf("AFFAR_BULK_BATCH: want 1 to 10000 customers, got %q", v))
		}
		c.BulkBatch = n
	}
	c.RateLimit, c.RateBurst = 10, 100
	if v := getenv("AFFAR_RATE_LIMIT"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || !(n >= 0.01 && n <= 1e6) {
			errs = append(errs, fmt.Errorf("AFFAR_RATE_LIMIT: want requests per second, 0.01 to 1000000, got %q", v))
		}
		c.RateLimit = n
	}
	if v := getenv("AFFAR_RATE_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1e6 {
			errs = append(errs, fmt.Errorf("AFFAR_RATE_BURST: want 1 to 1000000 requests, got %q", v))
		}
		c.RateBurst = n
	}
	if v := getenv("AFFAR_TRUST_PROXY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("AFFAR_TRUST_PROXY: want true or false, got %q", v))
		}
		c.TrustProxy = b
	}
	if v := getenv("AFFAR_LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("AFFAR_LOG_LEVEL: want debug, info, warn or error, got %q", v))
		}
	}
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
	return c, errors.Join(errs...)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
