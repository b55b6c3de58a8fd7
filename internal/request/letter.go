package request

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/labels"
	"github.com/affar/affar/internal/postgres"
)

// AnswerSent is the audit action of an answer letter stored as sent; its details carry the request's
// number, the letter's id, language and how it went, never its text.
const AnswerSent = "request.answer_sent"

// LetterLanguages are the languages a letter is written in, the first the default.
var LetterLanguages = []string{"sv", "en"}

// Letter is an answer letter as composed from a request: the recipient's lines, a title and paragraphs.
type Letter struct {
	Number     string // the request's
	Language   string
	Sender     []string // the company's name and address
	Recipient  []string // the requester's name and address lines
	Date       string
	Title      string
	Paragraphs []string
	// Warnings are message ids of what the handler should know before sending: not part of the letter.
	Warnings []string
}

// Text is the letter as plain text, the stored copy.
func (l Letter) Text() string {
	parts := []string{strings.Join(l.Sender, "\n"), strings.Join(l.Recipient, "\n"), l.Date, l.Title}
	return strings.Join(append(parts, l.Paragraphs...), "\n\n") + "\n"
}

func letterLanguage(lang string) string {
	for _, l := range LetterLanguages {
		if l == lang {
			return l
		}
	}
	return LetterLanguages[0]
}

// compose writes the answer to r in lang on day today: what was asked, what was done (its actions),
// what was refused and why, the extension, and the rights to complain to IMY and to go to court.
func compose(ctx context.Context, lang string, r domain.SubjectRequest, company domain.CompanyDetails, today time.Time) Letter {
	ctx = i18n.WithLang(ctx, letterLanguage(lang))
	t := func(key string, args ...string) string { return i18n.Tf(ctx, key, args...) }
	l := Letter{Number: r.Number(), Language: i18n.Lang(ctx), Date: today.Format(domain.DateLayout), Title: t("letter.title", r.Number())}
	l.Sender = nonEmpty(company.Name, company.Street, strings.TrimSpace(company.PostalCode+" "+company.City), company.Email)
	l.Recipient = nonEmpty(append([]string{r.Requester.Name}, strings.Split(r.Requester.Address, "\n")...)...)
	kinds := make([]string, len(r.Kinds))
	for i, k := range r.Kinds {
		kinds[i] = t("requests.kind." + string(k))
	}
	p := []string{t("letter.asked", r.Received.Format(domain.DateLayout), strings.Join(kinds, ", "))}
	if r.ExtendedMonths > 0 {
		p = append(p, t("letter.extended", strconv.Itoa(r.ExtendedMonths), r.ExtensionReason))
	}
	var done []string
	for _, a := range r.Actions {
		if a.Kind != domain.ActionAnswerSent {
			done = append(done, "– "+a.At.In(domain.Stockholm).Format(domain.DateLayout)+": "+t("letter.done."+string(a.Kind)))
		}
	}
	switch {
	case r.Status == domain.RequestRefused:
		p = append(p, t("letter.refused", r.RefusalReason))
	case r.NoData:
		p = append(p, t("letter.no_data"))
	}
	if len(done) > 0 {
		p = append(p, t("letter.done")+"\n"+strings.Join(done, "\n"))
	} else if r.Status != domain.RequestRefused && !r.NoData {
		l.Warnings = append(l.Warnings, "letter.warn.nothing_done")
	}
	// Art. 13/14 and 15: the person must be able to tell who answers; without the company's details the
	// letter is unsigned.
	if strings.TrimSpace(company.Name) == "" {
		l.Warnings = append(l.Warnings, "letter.warn.no_company")
	}
	l.Paragraphs = append(p, t("letter.rights_complain"), t("letter.rights_court"))
	l.Paragraphs = append(l.Paragraphs, nonEmpty(t("letter.closing")+"\n"+company.Name)...)
	return l
}

func nonEmpty(lines ...string) []string {
	var out []string
	for _, s := range lines {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// PDF draws l as an A4 letter with the font every PDF of Affär uses.
func (l Letter) PDF() ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(l.Title, true)
	pdf.SetCreator("Affär", true)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	labels.UseFont(pdf, 10)
	pdf.AddPage()
	para := func(s string, size float64) { // line by line: Printable takes line breaks for control characters
		pdf.SetFontSize(size)
		for _, line := range strings.Split(s, "\n") {
			pdf.MultiCell(170, size*0.5, labels.Printable(line), "", "L", false)
		}
		pdf.Ln(2)
	}
	para(strings.Join(l.Sender, "\n"), 9)
	pdf.Ln(6)
	para(strings.Join(l.Recipient, "\n"), 11)
	pdf.Ln(6)
	para(l.Date, 10)
	para(l.Title, 14)
	for _, s := range l.Paragraphs {
		para(s, 10)
	}
	var b bytes.Buffer
	err := pdf.Output(&b)
	return b.Bytes(), err
}

// LetterDraft composes the answer to request id in lang as it would go today, without storing it.
func (s *Service) LetterDraft(ctx context.Context, id int64, lang string) (Letter, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return Letter{}, err
	}
	r, err := postgres.SubjectRequest(ctx, s.DB.Pool, id, false)
	if err != nil {
		return Letter{}, err
	}
	company, err := postgres.Company(ctx, s.DB.Pool, false)
	return compose(ctx, lang, r, company, s.today()), err
}

// SendInput is how the letter goes.
type SendInput struct {
	Language string
	Method   string // domain.LetterPrinted or domain.LetterEmailed
}

// SendLetter stores the answer to request id as sent (text and PDF, a copy later edits do not change),
// e-mails it with the PDF through the outbox when so chosen, records the action, marks the request
// answered unless it was refused, and notes that customers whose restriction the request had lifted
// were told (art. 18(3)). It returns the letter's id.
func (s *Service) SendLetter(ctx context.Context, id int64, in SendInput) (int64, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return 0, err
	}
	var letterID int64
	err = s.change(ctx, id, AnswerSent, func(tx pgx.Tx, r *domain.SubjectRequest, today time.Time) (map[string]any, error) {
		if in.Method != domain.LetterPrinted && in.Method != domain.LetterEmailed {
			return nil, domain.FieldErrors{"method": "letter.error.method"}
		}
		if in.Method == domain.LetterEmailed && r.Requester.Email == "" {
			return nil, domain.FieldErrors{"method": "letter.error.no_email"}
		}
		company, err := postgres.Company(ctx, tx, false)
		if err != nil {
			return nil, err
		}
		l := compose(ctx, in.Language, *r, company, today)
		stored := domain.RequestLetter{RequestID: r.ID, Language: l.Language, Body: l.Text(), SentAt: s.Now(),
			SentBy: actor.AuditID(), Method: in.Method}
		if stored.PDF, err = l.PDF(); err != nil {
			return nil, err
		}
		if in.Method == domain.LetterEmailed {
			if stored.MailID, err = s.mailLetter(ctx, tx, r, l, stored.PDF); err != nil {
				return nil, err
			}
		}
		if letterID, err = postgres.InsertRequestLetter(ctx, tx, stored); err != nil {
			return nil, err
		}
		if _, err := RecordAction(ctx, tx, actor, stored.SentAt, r.ID, domain.RequestAction{Kind: domain.ActionAnswerSent,
			Ref: LetterRefPrefix + strconv.FormatInt(letterID, 10)}); err != nil {
			return nil, err
		}
		told, err := postgres.TellLiftedRestrictions(ctx, tx, r.ID, stored.SentAt)
		if err != nil {
			return nil, err
		}
		if r.Status != domain.RequestRefused && r.Status != domain.RequestAnswered {
			r.Status, r.Closed = domain.RequestAnswered, &today
		}
		return map[string]any{"letter_id": letterID, "language": l.Language, "method": in.Method,
			"status": string(r.Status), "restrictions_told": told}, nil
	})
	return letterID, err
}

// LetterRefPrefix starts the ref of the action of a letter sent, followed by the letter's id.
const LetterRefPrefix = "letters/"

func (s *Service) mailLetter(ctx context.Context, tx pgx.Tx, r *domain.SubjectRequest, l Letter, pdf []byte) (int64, error) {
	if s.Mail == nil {
		return 0, fmt.Errorf("mail letter of request %d: no outbox", r.ID)
	}
	lctx := i18n.WithLang(ctx, l.Language)
	return s.Mail.Enqueue(ctx, tx, domain.Mail{To: r.Requester.Email, Subject: l.Title,
		Body: i18n.T(lctx, "letter.mail_body"), Attachments: []domain.Attachment{{
			Filename: "svar-" + r.Number() + ".pdf", ContentType: "application/pdf", Size: len(pdf), Content: pdf}}})
}

// Letters are the letters sent on request id, without their PDFs.
func (s *Service) Letters(ctx context.Context, id int64) ([]domain.RequestLetter, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return nil, err
	}
	return postgres.RequestLetters(ctx, s.DB.Pool, id)
}

// StoredLetter is letter id of request request as sent, with its PDF (none once cleared).
func (s *Service) StoredLetter(ctx context.Context, request, id int64) (domain.RequestLetter, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return domain.RequestLetter{}, err
	}
	return postgres.RequestLetter(ctx, s.DB.Pool, request, id)
}
