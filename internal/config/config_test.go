package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.SessionIdle != 30*time.Minute || c.SessionLifetime != 8*time.Hour || c.Secure() ||
		c.RateLimit != 10 || c.RateBurst != 100 || c.RateParallel != 2 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestHTTPSMakesCookiesSecure(t *testing.T) {
	c, err := Load(env(map[string]string{"AFFAR_BASE_URL": "https://affar.example.se/"}))
	if err != nil || !c.Secure() || c.BaseURL != "https://affar.example.se" {
		t.Fatalf("got %+v, %v", c, err)
	}
}

func TestInvalidValuesAreNamed(t *testing.T) {
	_, err := Load(env(map[string]string{"AFFAR_SESSION_IDLE": "soon", "AFFAR_MAX_BODY_BYTES": "12",
		"AFFAR_BASE_URL": "ftp://x", "AFFAR_RATE_LIMIT": "NaN", "AFFAR_RATE_BURST": "0",
		"AFFAR_RATE_PARALLEL": "0"}))
	if err == nil {
		t.Fatal("invalid configuration accepted")
	}
	for _, name := range []string{"AFFAR_SESSION_IDLE", "AFFAR_MAX_BODY_BYTES", "AFFAR_BASE_URL", "AFFAR_RATE_LIMIT", "AFFAR_RATE_BURST", "AFFAR_RATE_PARALLEL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestSMTPNeedsABaseURLAndAPlainSender(t *testing.T) {
	env := map[string]string{"AFFAR_SMTP_ADDR": "mail.example.se:587"}
	if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "AFFAR_BASE_URL") {
		t.Fatalf("SMTP without a base URL: %v", err)
	}
	env["AFFAR_BASE_URL"], env["AFFAR_MAIL_FROM"] = "https://affar.example.se", "Affär <affar@example.se>"
	if _, err := Load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "AFFAR_MAIL_FROM") {
		t.Fatalf("a sender with a display name: %v", err)
	}
	env["AFFAR_MAIL_FROM"] = "affar@example.se"
	if _, err := Load(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsRunAsTheOwnerWhereOneIsGiven(t *testing.T) {
	c, err := Load(env(map[string]string{"DATABASE_URL": "postgres://affar_app@db/affar"}))
	if err != nil || c.OwnerURL() != "postgres://affar_app@db/affar" {
		t.Fatalf("one role: owner URL %q (%v), want DATABASE_URL", c.OwnerURL(), err)
	}
	c, err = Load(env(map[string]string{"DATABASE_URL": "postgres://affar_app@db/affar", "AFFAR_MIGRATE_URL": "postgres://affar_owner@db/affar"}))
	if err != nil || c.OwnerURL() != "postgres://affar_owner@db/affar" || c.DatabaseURL != "postgres://affar_app@db/affar" {
		t.Fatalf("two roles: owner URL %q, serve URL %q (%v)", c.OwnerURL(), c.DatabaseURL, err)
	}
}
