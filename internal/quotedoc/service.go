package quotedoc

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/quote"
)

// Emailed is the audit action of a quote put in the outbox with its PDF.
const Emailed = "quote.emailed"

// maxMessage bounds the covering text of an e-mailed quote.
const maxMessage = 5000

// Mailer queues a message in the caller's transaction (mail.Outbox).
type Mailer interface {
	Enqueue(ctx context.Context, tx pgx.Tx, m domain.Mail) (int64, error)
}

// Service hands out and e-mails quote documents.
type Service struct {
	DB   *postgres.DB
	Now  func() time.Time
	Mail Mailer
}

// PDF is a rendered quote document.
type PDF struct {
	Filename string
	Content  []byte
}

// EmailInput is the typed e-mail form, kept verbatim for redisplay.
type EmailInput struct {
	To      string
	Message string
}

// EmailForm is what the e-mail form starts from: the billing e-mail address and the default message, in
// the document's language, and whether sending it will mark a draft as sent.
type EmailForm struct {
	Quote    domain.Quote
	Input    EmailInput
	Filename string // the attachment's name, in the document's language
	Drafts   bool
}

// billing is where the document goes: a sent quote's snapshot, or a draft's customer as they are now.
func billing(q domain.Quote, c domain.Customer) domain.Billing {
	if q.SentAt != nil {
		return q.Billing
	}
	return c.Billing()
}

// render draws q's document in the company's language; ctx gets that language for the texts around it.
func render(ctx context.Context, company domain.CompanyDetails, q domain.Quote, c domain.Customer) (context.Context, PDF, error) {
	ctx = i18n.WithLang(ctx, Lang(company))
	var b bytes.Buffer
	err := Write(ctx, &b, Input{Company: company, Quote: q, Billing: billing(q, c)})
	return ctx, PDF{Filename: Filename(ctx, q.Number), Content: b.Bytes()}, err
}

// PDF renders quote id's document, and records the view of the customer's personal data it holds as the
// quote page does, naming the quote and the PDF (ids only).
func (s *Service) PDF(ctx context.Context, id domain.QuoteID) (PDF, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return PDF{}, err
	}
	var out PDF
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		q, c, company, err := load(ctx, tx, id)
		if err == nil {
			err = c.VisibleTo(authz.SeesRestricted(actor))
		}
		if err != nil {
			return err
		}
		if _, out, err = render(ctx, company, q, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.CustomerViewed, audit.Customer, audit.ID(c.ID),
			map[string]any{"quote_id": int64(q.ID), "document": "pdf"}))
	})
	return out, err
}

func load(ctx context.Context, tx pgx.Tx, id domain.QuoteID) (domain.Quote, domain.Customer, domain.CompanyDetails, error) {
	q, err := postgres.Quote(ctx, tx, id, false)
	if err != nil {
		return q, domain.Customer{}, domain.CompanyDetails{}, err
	}
	c, err := postgres.Customer(ctx, tx, q.CustomerID)
	if err != nil {
		return q, c, domain.CompanyDetails{}, err
	}
	company, err := postgres.Company(ctx, tx, false)
	return q, c, company, err
}

// EmailForm prepares the e-mail form of quote id, which shows the customer's e-mail address (recorded as
// a view of the customer, ids only).
func (s *Service) EmailForm(ctx context.Context, id domain.QuoteID) (EmailForm, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return EmailForm{}, err
	}
	var f EmailForm
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		q, c, company, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := c.Editable(); err != nil {
			return err
		}
		docCtx := i18n.WithLang(ctx, Lang(company))
		f = EmailForm{Quote: q, Drafts: q.Status == domain.QuoteDraft, Filename: Filename(docCtx, q.Number),
			Input: EmailInput{To: billing(q, c).Email, Message: message(docCtx, q, company)}}
		return audit.Record(ctx, tx, audit.Event(s.Now(), actor, audit.CustomerViewed, audit.Customer, audit.ID(c.ID),
			map[string]any{"quote_id": int64(q.ID), "form": "email"}))
	})
	return f, err
}

// message is the default covering text, in ctx's language.
func message(ctx context.Context, q domain.Quote, company domain.CompanyDetails) string {
	return i18n.Tf(ctx, "quotedoc.mail.body", strconv.FormatInt(q.Number, 10), q.ValidUntil.Format(domain.DateLayout), company.Name)
}

// subject is the e-mail's subject, in ctx's language: the quote and who sends it.
func subject(ctx context.Context, q domain.Quote, company domain.CompanyDetails) string {
	if company.Name == "" {
		return i18n.Tf(ctx, "quote.title", strconv.FormatInt(q.Number, 10))
	}
	return i18n.Tf(ctx, "quotedoc.mail.subject", strconv.FormatInt(q.Number, 10), company.Name)
}

// Validate checks the e-mail form: an address, and a message that can be sent.
func (in EmailInput) Validate() (to string, err error) {
	fe := domain.FieldErrors{}
	switch to, err = domain.NormalizeEmail(in.To); {
	case strings.TrimSpace(in.To) == "":
		fe["to"] = "error.required"
	case err != nil:
		fe["to"] = "error.email"
	}
	switch {
	case !domain.ValidText(in.Message, true):
		fe["message"] = "error.text"
	case utf8.RuneCountInString(in.Message) > maxMessage:
		fe["message"] = "error.too_long"
	}
	if len(fe) > 0 {
		return "", fe
	}
	return to, nil
}

// Email puts quote id in the outbox to in.To with its PDF attached and in.Message as the text, in one
// transaction with its audit event (ids only: no address). A draft is marked as sent first, as Fortnox
// does when a quote is e-mailed, so the PDF carries the billing snapshot; marked says so.
func (s *Service) Email(ctx context.Context, id domain.QuoteID, in EmailInput) (marked bool, err error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return false, err
	}
	to, err := in.Validate()
	if err != nil {
		return false, err
	}
	now := s.Now()
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		q, c, sent, err := quote.LockForSending(ctx, tx, actor, id, now)
		if err != nil {
			return err
		}
		marked = sent
		company, err := postgres.Company(ctx, tx, false)
		if err != nil {
			return err
		}
		docCtx, pdf, err := render(ctx, company, q, c)
		if err != nil {
			return err
		}
		mailID, err := s.Mail.Enqueue(ctx, tx, domain.Mail{To: to, Body: in.Message, Subject: subject(docCtx, q, company),
			Attachments: []domain.Attachment{{Filename: pdf.Filename, ContentType: "application/pdf", Content: pdf.Content}}})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Emailed, "quote", audit.ID(q.ID),
			map[string]any{"customer_id": int64(q.CustomerID), "outbox_id": mailID, "marked_sent": marked}))
	})
	return marked, err
}
