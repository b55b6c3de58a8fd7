package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/templates/requests"
)

// requestLetter shows the answer letter to a request as it would go today, in the language asked for.
func (s *Server) requestLetter(w http.ResponseWriter, r *http.Request) {
	s.renderLetter(w, r, http.StatusOK, r.URL.Query().Get("lang"), domain.LetterPrinted, nil)
}

func (s *Server) renderLetter(w http.ResponseWriter, r *http.Request, status int, lang, method string, errs domain.FieldErrors) {
	id, err := pathID[int64](r, "id")
	var l request.Letter
	if err == nil {
		l, err = s.Requests.LetterDraft(r.Context(), id, lang)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := requests.LetterView{Nav: navFor(r), Base: requestURL(id), Number: l.Number, Language: l.Language, Method: method,
		Sender: l.Sender, Recipient: l.Recipient, Date: l.Date, Title: l.Title, Paragraphs: l.Paragraphs, Warnings: l.Warnings, Errors: errs,
		Methods: []requests.Option{{Value: domain.LetterPrinted, Label: "letter.method.printed"},
			{Value: domain.LetterEmailed, Label: "letter.method.email"}}}
	for _, lg := range request.LetterLanguages {
		v.Languages = append(v.Languages, requests.Option{Value: lg, Label: "letter.lang." + lg})
	}
	s.renderPage(w, r, status, requests.LetterPage(v))
}

// requestLetterSend stores the answer as sent (and e-mails it when so chosen), then back to the request.
func (s *Server) requestLetterSend(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	in := request.SendInput{Language: r.PostForm.Get("lang"), Method: r.PostForm.Get("method")}
	_, err = s.Requests.SendLetter(r.Context(), id, in)
	var fe domain.FieldErrors
	switch {
	case errors.As(err, &fe):
		s.renderLetter(w, r, http.StatusUnprocessableEntity, in.Language, in.Method, fe)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessionFlash, "letter.sent_flash")
	redirect(w, r, requestURL(id)+"#answer")
}

// requestLetterPDF serves a stored letter's PDF as it was sent; a cleared letter is gone.
func (s *Server) requestLetterPDF(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	var lid int64
	if err == nil {
		lid, err = pathID[int64](r, "letter")
	}
	var l domain.RequestLetter
	if err == nil {
		l, err = s.Requests.StoredLetter(r.Context(), id, lid)
	}
	if err == nil && len(l.PDF) == 0 {
		err = fmt.Errorf("letter %d cleared: %w", lid, domain.ErrNotFound)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="svar-%d.pdf"`, lid))
	_, _ = w.Write(l.PDF)
}
