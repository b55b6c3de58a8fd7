package request

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/postgres"
)

// MaxRetentionDays bounds the requester retention setting (the migration's check agrees).
const MaxRetentionDays = 3650

// RetentionDays is how many days a closed request keeps the requester's name, address and e-mail.
func (s *Service) RetentionDays(ctx context.Context) (int, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return 0, err
	}
	return postgres.RequestRetentionDays(ctx, s.DB.Pool)
}

// SetRetentionDays stores the requester retention, typed in days (0 to MaxRetentionDays).
func (s *Service) SetRetentionDays(ctx context.Context, typed string) error {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return err
	}
	days, err := strconv.Atoi(strings.TrimSpace(typed))
	if err != nil || days < 0 || days > MaxRetentionDays {
		return domain.FieldErrors{"retention_days": "requests.error.retention"}
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if err := postgres.SetRequestRetentionDays(ctx, tx, days); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, RetentionChanged, "settings", nil, map[string]any{"days": days}))
	})
}

// ClearRequesters clears the requester's details of every request closed more than the retention ago,
// with one audit event naming the requests; it returns how many. The daily job runs it.
func (s *Service) ClearRequesters(ctx context.Context) (int, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	var n int
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		days, err := postgres.RequestRetentionDays(ctx, tx)
		if err != nil {
			return err
		}
		// Closed on day D, kept through D + days, cleared from the day after.
		ids, err := postgres.ClearRequesters(ctx, tx, domain.CalendarDay(now).AddDate(0, 0, -days), now)
		if err != nil || len(ids) == 0 {
			return err
		}
		n = len(ids)
		letters, err := postgres.ClearRequestLetters(ctx, tx, ids, now) // they name the requester too
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, RequesterCleared, "subject_request", nil,
			map[string]any{"requests": ids, "retention_days": days, "letters": letters}))
	})
	return n, err
}

// Remind e-mails each handler their open requests due within domain.DueSoonDays and those overdue,
// through the outbox, once a day; requests without a handler go to the privacy officers. It returns how
// many messages it queued. The mail names requests by number and dates only.
func (s *Service) Remind(ctx context.Context) (int, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	today := domain.CalendarDay(now)
	sent := 0
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		rs, err := postgres.RequestsToRemind(ctx, tx, today.AddDate(0, 0, domain.DueSoonDays), today)
		if err != nil || len(rs) == 0 {
			return err
		}
		byUser, order, err := recipients(ctx, tx, rs)
		if err != nil {
			return err
		}
		var to []domain.UserID
		for _, u := range order {
			if _, err := s.Mail.Enqueue(ctx, tx, reminder(u, byUser[u.ID], today)); err != nil {
				return err
			}
			to = append(to, u.ID)
		}
		sent = len(to)
		ids := make([]int64, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Reminded, "subject_request", nil,
			map[string]any{"requests": ids, "recipients": to}))
	})
	return sent, err
}

// recipients groups requests by who is reminded of them: the handler while they may still handle
// requests (active, with privacy.manage or admin), else every privacy officer.
func recipients(ctx context.Context, tx pgx.Tx, rs []domain.SubjectRequest) (map[domain.UserID][]domain.SubjectRequest, []domain.User, error) {
	handlers, err := postgres.RequestHandlers(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	may := map[domain.UserID]domain.User{}
	for _, u := range handlers {
		may[u.ID] = u
	}
	byUser := map[domain.UserID][]domain.SubjectRequest{}
	var order, officers []domain.User
	add := func(u domain.User, r domain.SubjectRequest) {
		if _, ok := byUser[u.ID]; !ok {
			order = append(order, u)
		}
		byUser[u.ID] = append(byUser[u.ID], r)
	}
	for _, r := range rs {
		if r.Handler != nil {
			if u, ok := may[*r.Handler]; ok {
				add(u, r)
				continue
			}
		}
		if officers == nil {
			if officers, err = postgres.PrivacyOfficers(ctx, tx); err != nil {
				return nil, nil, err
			}
		}
		for _, u := range officers {
			add(u, r)
		}
	}
	return byUser, order, nil
}

// reminder is the message to u about rs, in u's language.
func reminder(u domain.User, rs []domain.SubjectRequest, today time.Time) domain.Mail {
	ctx := i18n.WithLang(context.Background(), cmp.Or(u.Language, i18n.Default))
	var lines []string
	for _, r := range rs {
		lines = append(lines, "- "+r.Number()+": "+i18n.Tf(ctx, "requests.mail.line", r.Due().Format(domain.DateLayout))+
			" ("+DaysLeftText(ctx, r.DaysLeft(today))+")")
	}
	return domain.Mail{To: u.Email, Subject: i18n.N(ctx, "requests.mail.subject", len(rs)),
		Body: i18n.Tf(ctx, "requests.mail.body", u.Name, strings.Join(lines, "\n"))}
}

// DaysLeftText is the clock as the list and the reminder word it: "förfaller om 5 dagar", "förfaller i
// dag", "3 dagar försenad".
func DaysLeftText(ctx context.Context, n int) string {
	switch {
	case n > 0:
		return i18n.N(ctx, "requests.due_in", n)
	case n == 0:
		return i18n.T(ctx, "requests.due_today")
	}
	return i18n.N(ctx, "requests.overdue", -n)
}

// RemindArgs is the daily reminder job.
type RemindArgs struct{}

// Kind names the job in river's table.
func (RemindArgs) Kind() string { return "request.remind" }

// RemindWorker runs it; a second run on a day mails nothing (requests are marked reminded).
type RemindWorker struct {
	river.WorkerDefaults[RemindArgs]
	Service *Service
}

// Work sends the day's reminders and clears the requesters whose retention has passed.
func (w *RemindWorker) Work(ctx context.Context, _ *river.Job[RemindArgs]) error {
	ctx = authz.WithActor(ctx, authz.System())
	if _, err := w.Service.ClearRequesters(ctx); err != nil {
		return err
	}
	_, err := w.Service.Remind(ctx)
	return err
}

// PeriodicJob schedules the daily job.
func PeriodicJob(schedule river.PeriodicSchedule) *river.PeriodicJob {
	return river.NewPeriodicJob(schedule, func() (river.JobArgs, *river.InsertOpts) { return RemindArgs{}, nil }, nil)
}
