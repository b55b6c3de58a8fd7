// Package chainwatch verifies the audit chain every night and sends its head out of the building: the
// chain alone cannot show that its newest events were removed or that someone rewrote it all, but a head
// (ID:HASH) kept in the privacy officers' mailboxes can, with affar audit verify --anchor. A broken chain
// is an alarm, by e-mail and on the dashboard.
package chainwatch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/postgres"
)

// Mailer queues e-mail in the transaction that sends it (mail.Outbox).
type Mailer interface {
	Enqueue(ctx context.Context, tx pgx.Tx, m domain.Mail) (int64, error)
}

// Service runs the verification and shows its last outcome.
type Service struct {
	DB   *postgres.DB
	Now  func() time.Time
	Mail Mailer
}

// Run walks the chain, mails the head (or the alarm) to every privacy officer (the admins when no one
// holds privacy.manage) and records the outcome and an audit event, all in one transaction.
func (s *Service) Run(ctx context.Context) (domain.ChainCheck, error) {
	res, err := audit.Verify(ctx, s.DB.Pool)
	c := domain.ChainCheck{At: s.Now(), OK: err == nil, Events: int64(res.Events), HeadID: res.Head.EventID, HeadHash: res.Head.Hash}
	var broken *audit.BrokenError
	switch {
	case errors.As(err, &broken):
		c.BrokenEvent, c.Reason = broken.EventID, broken.Reason
	case err != nil:
		return c, err
	}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		to, err := postgres.PrivacyOfficers(ctx, tx)
		if err != nil {
			return err
		}
		c.Recipients = len(to)
		ids := make([]int64, 0, len(to))
		for _, u := range to {
			if _, err := s.Mail.Enqueue(ctx, tx, message(c, u)); err != nil {
				return err
			}
			ids = append(ids, int64(u.ID))
		}
		if c.ID, err = postgres.InsertChainCheck(ctx, tx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(c.At, authz.System(), audit.ChainChecked, "chain_check", &c.ID,
			map[string]any{"ok": c.OK, "events": c.Events, "head": c.HeadID, "broken_event": c.BrokenEvent, "recipients": ids}))
	})
	return c, err
}

// Head is the check's anchor as affar audit verify --anchor takes it.
func Head(c domain.ChainCheck) string {
	return audit.Anchor{EventID: c.HeadID, Hash: c.HeadHash}.String()
}

// message is the head, or the alarm, in the recipient's language.
func message(c domain.ChainCheck, u domain.User) domain.Mail {
	ctx := i18n.WithLang(context.Background(), cmp.Or(u.Language, i18n.Default))
	when := c.At.In(domain.Stockholm).Format("2006-01-02 15:04")
	if !c.OK {
		return domain.Mail{To: u.Email, Subject: i18n.T(ctx, "mail.chain.alarm_subject"),
			Body: i18n.Tf(ctx, "mail.chain.alarm_body", u.Name, when, strconv.FormatInt(c.BrokenEvent, 10), c.Reason)}
	}
	return domain.Mail{To: u.Email, Subject: i18n.Tf(ctx, "mail.chain.subject", when),
		Body: i18n.Tf(ctx, "mail.chain.body", u.Name, when, strconv.FormatInt(c.Events, 10), Head(c))}
}

// Latest is the last check, for whoever reads the audit log or manages data protection; ok is false
// before the first.
func (s *Service) Latest(ctx context.Context) (c domain.ChainCheck, ok bool, err error) {
	if _, err := authz.RequireAny(ctx, authz.PrivacyReaders...); err != nil {
		return c, false, fmt.Errorf("chain check: %w", err)
	}
	c, err = postgres.LatestChainCheck(ctx, s.DB.Pool)
	if errors.Is(err, domain.ErrNotFound) {
		return c, false, nil
	}
	return c, err == nil, err
}

// Args is the daily job.
type Args struct{}

// Kind names the job in river's table.
func (Args) Kind() string { return "chainwatch.check" }

// Worker runs the daily check. A check run twice (river is at-least-once) only mails the head twice.
type Worker struct {
	river.WorkerDefaults[Args]
	Service *Service
}

// Work runs one check.
func (w *Worker) Work(ctx context.Context, _ *river.Job[Args]) error {
	_, err := w.Service.Run(authz.WithActor(ctx, authz.System()))
	return err
}

// PeriodicJob schedules the check (daily, at night).
func PeriodicJob(schedule river.PeriodicSchedule) *river.PeriodicJob {
	return river.NewPeriodicJob(schedule, func() (river.JobArgs, *river.InsertOpts) { return Args{}, nil }, nil)
}
