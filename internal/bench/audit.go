package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/export"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/user"
)

// auditSpan is the time the seeded events spread over, ending now.
const auditSpan = 2 * 365 * 24 * time.Hour

// auditActors is how many users the seeded events are spread over.
const auditActors = 20

// RunAudit is make bench-audit: the audit log at events events (seeded once, hash-chained as the server
// writes them), read through its filters by opts.Clients data protection officers for opts.Duration:
// a customer's views, a customer's whole history, a user's week, one kind of event on one day, a word in a
// day's details, the newest page. Then /healthz as the ceiling, as make bench does.
func RunAudit(ctx context.Context, opts Options, events int) error {
	dbURL, _, pw, err := prepare(ctx, opts)
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := authz.WithActor(ctx, authz.System())
	users := user.New(db, time.Now, nil)
	actors := make([]int64, auditActors)
	for i := range actors {
		email := fmt.Sprintf("bench-audit-%02d@affar.example", i)
		if err := ensureUser(sys, users, email, fmt.Sprintf("Granskad %02d", i), pw, authz.CustomerView); err != nil {
			return err
		}
		id, err := users.IDByEmail(sys, email)
		if err != nil {
			return err
		}
		actors[i] = int64(id)
	}
	if err := ensureUser(sys, users, "bench-dpo@affar.example", "Dataskyddsombud", pw, authz.AuditView, authz.CustomerView); err != nil {
		return err
	}
	var have, maxCustomer int64
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_events), (SELECT max(id) FROM customers)`).Scan(&have, &maxCustomer); err != nil {
		return err
	}
	if missing := int64(events) - have; missing > 0 {
		fmt.Fprintf(opts.Out, "seeding %d audit events …\n", missing)
		start := time.Now()
		if err := postgres.SeedAudit(ctx, db, int(missing), auditEvent(int(missing), actors, maxCustomer)); err != nil {
			return err
		}
		if _, err := db.Pool.Exec(ctx, `VACUUM (ANALYZE) audit_events`); err != nil {
			return err
		}
		fmt.Fprintf(opts.Out, "seeded %d audit events in %s\n", missing, time.Since(start).Round(time.Second))
	} else {
		fmt.Fprintf(opts.Out, "%s already holds %d audit events\n", opts.Database, have)
	}
	db.Close()
	return driveAudit(ctx, opts, dbURL, pw, actors, maxCustomer)
}

// auditEvent generates the i-th of n events, oldest first: mostly customer views, then changes, quotes,
// sign-ins and the odd export, by one of actors, about one of the customers 1…maxCustomer.
func auditEvent(n int, actors []int64, maxCustomer int64) func(i int) domain.AuditEvent {
	r := rand.New(rand.NewPCG(11, 13))
	start := time.Now().Add(-auditSpan)
	return func(i int) domain.AuditEvent {
		actor := domain.UserID(actors[r.IntN(len(actors))])
		e := domain.AuditEvent{At: start.Add(time.Duration(int64(auditSpan) / int64(n) * int64(i))), ActorID: &actor,
			EntityType: audit.Customer, EntityID: audit.ID(1 + r.Int64N(maxCustomer))}
		switch k := r.IntN(100); {
		case k < 60:
			e.Action = audit.CustomerViewed
		case k < 75:
			e.Action, e.Details = customer.Changed, map[string]any{"fields": []any{"phone", "email"}}
		case k < 85:
			e.Action, e.Details = audit.CustomerViewed, map[string]any{"quote_id": 1 + r.Int64N(500_000)}
		case k < 99:
			e.Action, e.EntityType, e.EntityID = audit.SignIn, "user", audit.ID(int64(actor))
		default:
			e.Action, e.EntityType, e.EntityID = export.ActionRegister, audit.Customer, nil
			e.Details = map[string]any{"rows": 1 + r.IntN(1000), "format": "csv"}
		}
		return e
	}
}

// auditMix is the officers' questions.
func auditMix(actors []int64, maxCustomer int64) []request {
	customer := func(r *rand.Rand) string { return strconv.FormatInt(10000+r.Int64N(maxCustomer), 10) }
	day := func(r *rand.Rand) time.Time { return time.Now().Add(-time.Duration(r.Int64N(int64(auditSpan)))) }
	date := func(t time.Time) string { return t.In(domain.Stockholm).Format(domain.DateLayout) }
	return []request{
		{"customer's views", func(r *rand.Rand) string { return "/audit?group=views&customer=" + customer(r) }},
		{"customer's history", func(r *rand.Rand) string { return "/audit?customer=" + customer(r) }},
		{"user's week", func(r *rand.Rand) string {
			d := day(r)
			return "/audit?" + url.Values{"actor": {strconv.FormatInt(actors[r.IntN(len(actors))], 10)},
				"from": {date(d)}, "to": {date(d.AddDate(0, 0, 6))}}.Encode()
		}},
		{"exports of a day", func(r *rand.Rand) string {
			d := date(day(r))
			return "/audit?" + url.Values{"group": {"exports"}, "from": {d}, "to": {d}}.Encode()
		}},
		{"word in a day", func(r *rand.Rand) string {
			d := date(day(r))
			return "/audit?" + url.Values{"q": {"quote_id"}, "from": {d}, "to": {d}}.Encode()
		}},
		{"newest page", func(*rand.Rand) string { return "/audit" }},
	}
}

// driveAudit serves the database and drives the officers' questions, then the ceiling.
func driveAudit(ctx context.Context, opts Options, dbURL, pw string, actors []int64, maxCustomer int64) error {
	// The officers read as fast as the server answers, beyond the 10 requests a second a user is allowed
	// (AFFAR_RATE_LIMIT), which would otherwise set every figure: this measures the pages, not the limit.
	opts.ServerEnv = append(slices.Clip(opts.ServerEnv), noRateLimit...)
	cmd, base, err := serve(ctx, opts, dbURL)
	if err != nil {
		return err
	}
	defer stopServer(cmd)
	clients, err := signedInClients(base, "bench-dpo@affar.example", pw, opts.Clients)
	if err != nil {
		return err
	}
	reqs := auditMix(actors, maxCustomer)
	drive(ctx, base, clients, reqs, 3*time.Second)
	fmt.Fprintf(opts.Out, "driving %d signed-in officers for %s on the filtered audit log …\n", opts.Clients, opts.Duration)
	mixed := drive(ctx, base, clients, reqs, opts.Duration)
	ceiling := drive(ctx, base, clients, []request{{"healthz (ceiling)", func(*rand.Rand) string { return "/healthz" }}}, opts.Ceiling)
	fmt.Fprintf(opts.Out, "\n%d clients, server peak RSS %s\n\n", opts.Clients, peakRSS(cmd.Process.Pid))
	fmt.Fprintf(opts.Out, "| request | requests | errors | req/s | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range append(mixed, ceiling...) {
		fmt.Fprintf(opts.Out, "| %s | %d | %d | %.0f | %s | %s | %s | %s |\n", s.Name, s.Count, s.Errors, s.RPS(),
			ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
	}
	return nil
}
