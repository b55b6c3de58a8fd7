package server

import (
	"net/http"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/user"
	agreementpages "github.com/affar/affar/templates/agreement"
)

// minute is localMinute of a time that may be missing ("").
func minute(t *time.Time) string {
	if t == nil {
		return ""
	}
	return localMinute(*t)
}

func (s *Server) agreementView(r *http.Request) (agreementpages.View, error) {
	list, err := s.Agreement.History(r.Context())
	if err != nil {
		return agreementpages.View{}, err
	}
	a, _ := authz.ActorFrom(r.Context())
	v := agreementpages.View{Nav: navFor(r), Flash: s.flash(r), IsAdmin: a.IsAdmin}
	for _, ag := range list {
		ver := agreementpages.Version{Version: ag.Version, Body: ag.Body, SHA256: ag.SHA256, By: ag.PublishedBy,
			Published: localMinute(ag.PublishedAt)}
		for _, rc := range ag.Recipients {
			ver.Recipients = append(ver.Recipients, agreementpages.Recipient{Name: rc.Name, Email: rc.Email,
				Sent: minute(rc.SentAt), Accepted: minute(rc.AcceptedAt), Explicit: minute(rc.AcceptedExplicitlyAt),
				ViaKey: "outbox.via." + rc.Via})
			if rc.UserID == a.UserID && rc.AcceptedExplicitlyAt == nil {
				v.CanAccept = true
			}
		}
		v.Versions = append(v.Versions, ver)
	}
	return v, nil
}

func (s *Server) agreementPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.agreementView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, agreementpages.Page(v))
}

// agreementAccept records the admin's explicit acceptance ("Jag har läst avtalet") of the versions sent to them.
func (s *Server) agreementAccept(w http.ResponseWriter, r *http.Request) {
	_, err := s.Agreement.Accept(r.Context())
	s.done(w, r, err, "agreement.accepted_ok", "/agreement")
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.Outbox.Page(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := agreementpages.OutboxView{Nav: navFor(r), Configured: s.Outbox.Configured()}
	for _, m := range msgs {
		if v.Configured {
			m.Body = user.RedactLinks(m.Body) // e-mailed links are for their users alone
		} else {
			m.Body = user.AbsoluteLinks(m.Body, s.origin(r))
		}
		status := "outbox.status.queued"
		if m.SentAt != nil {
			status = "outbox.status." + m.Via
		}
		msg := agreementpages.Message{To: m.To, Subject: m.Subject, Body: m.Body,
			Created: localMinute(m.CreatedAt), Sent: minute(m.SentAt), StatusKey: status, Error: m.LastError}
		for i, a := range m.Attachments {
			msg.Attachments = append(msg.Attachments, agreementpages.Attachment{Filename: a.Filename,
				Size: fileSize(a.Size), Dropped: m.Via == "smtp", URL: outboxAttachmentURL(m.ID, i)})
		}
		v.Messages = append(v.Messages, msg)
	}
	s.renderPage(w, r, http.StatusOK, agreementpages.OutboxPage(v))
}
