// Package agreement publishes the data processing agreement (personuppgiftsbiträdesavtal) between the
// company and the supplier of Affär. The operator, whoever runs the installation, publishes a version from
// the command line (affar agreement publish); it is e-mailed to every admin, its digest and recipients are
// kept, and each admin accepts it by continued use, at their first sign-in after it was sent, or explicitly
// with "Jag har läst avtalet".
package agreement

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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

// Service publishes versions and shows their history.
type Service struct {
	DB   *postgres.DB
	Now  func() time.Time
	Mail Mailer
}

// Digest is the hex sha256 of a version's text, as recorded and as shown to an auditor.
func Digest(body string) string {
	h := sha256.Sum256([]byte(body))
	return hex.EncodeToString(h[:])
}

// MaxBody bounds the agreement text (a long agreement is some 50,000 characters).
const MaxBody = 200_000

// Draft is a version as it would be published: the text as stored, its digest and who would receive it.
type Draft struct {
	Version, Body, SHA256 string
	Recipients            []domain.User
}

// Preview checks a version as Publish would, without storing or sending anything (the operator's preview).
func (s *Service) Preview(ctx context.Context, version, body string) (Draft, error) {
	if err := requireOperator(ctx); err != nil {
		return Draft{}, err
	}
	d, err := check(version, body)
	if err != nil {
		return Draft{}, err
	}
	if taken, err := postgres.AgreementVersionTaken(ctx, s.DB.Pool, d.Version); err != nil || taken {
		return Draft{}, cmp.Or(err, error(domain.FieldErrors{"version": "agreement.version_taken"}))
	}
	d.Recipients, err = postgres.ActiveAdmins(ctx, s.DB.Pool)
	return d, err
}

// requireOperator lets only the command line publish: the vendor sends the agreement, the company's admins
// receive and accept it.
func requireOperator(ctx context.Context) error {
	a, ok := authz.ActorFrom(ctx)
	switch {
	case !ok:
		return fmt.Errorf("agreement: %w", domain.ErrUnauthenticated)
	case !a.IsSystem():
		return fmt.Errorf("agreement: only the operator publishes: %w", domain.ErrForbidden)
	}
	return nil
}

// check normalises a version and its text and refuses an empty or unprintable one.
func check(version, body string) (Draft, error) {
	version = strings.TrimSpace(version)
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	fe := domain.FieldErrors{}
	switch {
	case version == "":
		fe["version"] = "error.required"
	case len(version) > 50 || !domain.ValidText(version, false):
		fe["version"] = "error.text"
	}
	switch {
	case body == "":
		fe["body"] = "error.required"
	case len(body) > MaxBody || !domain.ValidText(body, true):
		fe["body"] = "error.text"
	}
	if len(fe) > 0 {
		return Draft{}, fe
	}
	return Draft{Version: version, Body: body, SHA256: Digest(body)}, nil
}

// Publish stores a version and sends it to every active admin (the operator only).
func (s *Service) Publish(ctx context.Context, version, body string) (int64, error) {
	if err := requireOperator(ctx); err != nil {
		return 0, err
	}
	actor, _ := authz.ActorFrom(ctx)
	d, err := check(version, body)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	a := domain.Agreement{Version: d.Version, Body: d.Body, SHA256: d.SHA256, PublishedAt: now}
	var id int64
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		// Serialised with making admins, so someone made an admin meanwhile gets this version either here
		// or from SendToNewAdmin.
		if err := postgres.LockAdmins(ctx, tx); err != nil {
			return err
		}
		id, err = postgres.InsertAgreement(ctx, tx, a, actor.UserID)
		if errors.Is(err, domain.ErrConflict) {
			return domain.FieldErrors{"version": "agreement.version_taken"}
		}
		if err != nil {
			return err
		}
		admins, err := postgres.ActiveAdmins(ctx, tx)
		if err != nil {
			return err
		}
		sent := make([]int64, 0, len(admins))
		for _, u := range admins {
			if err := s.send(ctx, tx, a, id, u); err != nil {
				return err
			}
			sent = append(sent, int64(u.ID))
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, audit.AgreementPublished, "agreement", &id,
			map[string]any{"sha256": a.SHA256, "recipients": sent}))
	})
	return id, err
}

// Accept records that the signed-in admin read every version sent to them and accepts it explicitly, beside
// acceptance by continued use. It reports how many versions it recorded (0 when all were accepted so).
func (s *Service) Accept(ctx context.Context) (int, error) {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return 0, err
	}
	if actor.IsSystem() {
		return 0, fmt.Errorf("agreement: the operator accepts nothing: %w", domain.ErrForbidden)
	}
	var n int
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		now := s.Now()
		versions, err := postgres.AcceptAgreementsExplicitly(ctx, tx, actor.UserID, now)
		if err != nil {
			return err
		}
		n = len(versions)
		events := make([]domain.AuditEvent, 0, n)
		for _, v := range versions {
			events = append(events, audit.Event(now, actor, audit.AgreementAccepted, "agreement", &v,
				map[string]any{"how": "explicit"}))
		}
		return audit.Record(ctx, tx, events...)
	})
	return n, err
}

// send e-mails version a (id) to the admin u and records them as its recipient.
func (s *Service) send(ctx context.Context, tx pgx.Tx, a domain.Agreement, id int64, u domain.User) error {
	mctx := i18n.WithLang(ctx, cmp.Or(u.Language, i18n.Default)) // the recipient's language
	outboxID, err := s.Mail.Enqueue(ctx, tx, domain.Mail{To: u.Email,
		Subject: i18n.Tf(mctx, "mail.agreement.subject", a.Version),
		Body:    i18n.Tf(mctx, "mail.agreement.body", u.Name, a.Version, a.SHA256) + "\n\n" + a.Body})
	if err != nil {
		return err
	}
	return postgres.InsertAgreementRecipient(ctx, tx, id, u.ID, u.Email, outboxID)
}

// SendToNewAdmin sends the current version to someone who just became an admin (or an active one again)
// and has not received it, in the transaction that made them one (which holds the admins lock, as
// Publish does): every admin gets the agreement.
func (s *Service) SendToNewAdmin(ctx context.Context, tx pgx.Tx, u domain.User) error {
	a, received, err := postgres.LatestAgreement(ctx, tx, u.ID)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && received) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.send(ctx, tx, a, a.ID, u); err != nil {
		return err
	}
	actor, _ := authz.ActorFrom(ctx) // whoever made them an admin
	return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.AgreementSent, "agreement", &a.ID,
		map[string]any{"recipient": int64(u.ID)}))
}

// History lists every version with its recipients, for admins and whoever may read the audit log.
func (s *Service) History(ctx context.Context) ([]domain.Agreement, error) {
	if _, err := authz.Require(ctx, authz.AuditView); err != nil {
		return nil, err
	}
	return postgres.Agreements(ctx, s.DB.Pool)
}
