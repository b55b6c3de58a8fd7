package server

// The quote document: its PDF, e-mailing it through the outbox, and the confirmation before a quote is
// marked as sent (issue 15, item 4).

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/quotedoc"
	"github.com/affar/affar/templates/quotes"
)

// quotePDF hands out the quote's document, shown by the browser's PDF viewer to print or save.
func (s *Server) quotePDF(w http.ResponseWriter, r *http.Request) {
	id, err := quoteID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pdf, err := s.QuoteDocs.PDF(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, pdf.Filename))
	_, _ = w.Write(pdf.Content)
}

// emailView is the e-mail form of f, with in as typed.
func (s *Server) emailView(r *http.Request, f quotedoc.EmailForm, in quotedoc.EmailInput, errs domain.FieldErrors) quotes.EmailView {
	return quotes.EmailView{Nav: navFor(r), ID: int64(f.Quote.ID), Number: f.Quote.Number, Filename: f.Filename,
		To: in.To, Message: in.Message, Locks: f.Drafts, Kept: !s.Outbox.Configured(), Errors: errs}
}

func (s *Server) quoteEmailForm(w http.ResponseWriter, r *http.Request) {
	id, err := quoteID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.QuoteDocs.EmailForm(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, quotes.EmailPage(s.emailView(r, f, f.Input, nil)))
}

// quoteEmail puts the quote with its PDF in the outbox; on an error the form shows what was typed.
func (s *Server) quoteEmail(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.QuoteID](s, w, r)
	if !ok {
		return
	}
	in := quotedoc.EmailInput{To: r.PostForm.Get("to"), Message: r.PostForm.Get("message")}
	marked, err := s.QuoteDocs.Email(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		f, ferr := s.QuoteDocs.EmailForm(r.Context(), id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		s.renderPage(w, r, http.StatusUnprocessableEntity, quotes.EmailPage(s.emailView(r, f, in, fe)))
		return
	}
	flash := "quote.emailed"
	if marked {
		flash = "quote.emailed_sent"
	}
	s.done(w, r, err, flash, quoteURL(id))
}

// quoteSendConfirm asks before "Markera som skickad" locks a draft; a quote that is no longer a draft
// goes back to its page.
func (s *Server) quoteSendConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := quoteID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, c, err := s.Quotes.View(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q.Status != domain.QuoteDraft {
		redirect(w, r, quoteURL(id))
		return
	}
	s.renderPage(w, r, http.StatusOK, quotes.SendPage(quotes.SendView{Nav: navFor(r), ID: int64(id), Number: q.Number,
		CustomerName: displayName(r.Context(), c)}))
}

// fileSize shows a file's size in whole kilobytes, at least 1 ("12 kB").
func fileSize(bytes int) string { return strconv.Itoa(max(1, (bytes+512)/1024)) + " kB" }

func outboxAttachmentURL(id int64, position int) string {
	return "/outbox/" + strconv.FormatInt(id, 10) + "/attachments/" + strconv.Itoa(position)
}

// outboxAttachment hands an admin a file kept with a message on the outbox page, to pass it on.
func (s *Server) outboxAttachment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	position, err := strconv.Atoi(chi.URLParam(r, "position"))
	if err != nil || position < 0 {
		s.fail(w, r, domain.ErrNotFound)
		return
	}
	a, err := s.Outbox.Attachment(r.Context(), id, position)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	attachment(w, a.ContentType, a.Filename)
	_, _ = w.Write(a.Content)
}
