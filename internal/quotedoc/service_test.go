package quotedoc_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/quote"
	"github.com/affar/affar/internal/quotedoc"
	"github.com/affar/affar/internal/testutil/svctest"
)

func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &quotedoc.Service{}, "PDF", "EmailForm", "Email")
}

// Reading the PDF needs "view customer" and records a view of the customer; the e-mail form and e-mailing
// need "edit customer details" as well. E-mailing a draft marks it as sent first (its own event), then
// records the e-mail.
func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.QuoteDocs
	c := h.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Kund AB", Email: "kund@example.se"})
	q := h.MustCreateQuote(t, c.ID)
	var (
		pdf    quotedoc.PDF
		form   quotedoc.EmailForm
		marked bool
	)
	h.Run(t,
		svctest.Case{Name: "PDF", Perms: []authz.Permission{authz.CustomerView}, Audit: []string{audit.CustomerViewed},
			Call: func(ctx context.Context) (err error) { pdf, err = s.PDF(ctx, q.ID); return },
			Check: func(t *testing.T) {
				if !bytes.HasPrefix(pdf.Content, []byte("%PDF-")) || pdf.Filename == "" {
					t.Errorf("PDF %q of %d bytes starting %q", pdf.Filename, len(pdf.Content), pdf.Content[:min(8, len(pdf.Content))])
				}
			}},
		svctest.Case{Name: "EmailForm", Perms: []authz.Permission{authz.CustomerEdit, authz.CustomerView}, Audit: []string{audit.CustomerViewed},
			// In the document's language (the company's: Swedish by default), whatever the reader's.
			Call: func(ctx context.Context) (err error) { form, err = s.EmailForm(i18n.WithLang(ctx, "en"), q.ID); return },
			Check: func(t *testing.T) {
				if form.Input.To != "kund@example.se" || !strings.Contains(form.Input.Message, "Här kommer offert") || !form.Drafts ||
					form.Filename != "Offert-"+strconv.FormatInt(q.Number, 10)+".pdf" {
					t.Errorf("form %+v: want the customer's address, a message and the draft's warning", form)
				}
			}},
		svctest.Case{Name: "Email", Perms: []authz.Permission{authz.CustomerEdit, authz.CustomerView},
			Audit: []string{quote.StatusChanged, quotedoc.Emailed},
			Call: func(ctx context.Context) (err error) {
				marked, err = s.Email(ctx, q.ID, quotedoc.EmailInput{To: "kund@example.se", Message: "Hej"})
				return
			},
			Check: func(t *testing.T) {
				if !marked {
					t.Error("an e-mailed draft was not marked as sent")
				}
			}},
	)
}

// The form's address and message are checked before anything is stored, with the catalogue's messages.
func TestEmailInputChecked(t *testing.T) {
	for _, tc := range []struct {
		in   quotedoc.EmailInput
		want domain.FieldErrors
	}{
		{quotedoc.EmailInput{To: " ", Message: "Hej"}, domain.FieldErrors{"to": "error.required"}},
		{quotedoc.EmailInput{To: "kund@", Message: "Hej"}, domain.FieldErrors{"to": "error.email"}},
		{quotedoc.EmailInput{To: "kund@example.se", Message: "Hej\x00"}, domain.FieldErrors{"message": "error.text"}},
	} {
		_, err := tc.in.Validate()
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || len(fe) != len(tc.want) || fe["to"] != tc.want["to"] || fe["message"] != tc.want["message"] {
			t.Errorf("%+v: %v, want %v", tc.in, err, tc.want)
		}
	}
	if to, err := (quotedoc.EmailInput{To: " Kund@Example.se ", Message: "Hej\nrad två"}).Validate(); err != nil || to != "kund@example.se" {
		t.Errorf("a good address: %q %v", to, err)
	}
}
