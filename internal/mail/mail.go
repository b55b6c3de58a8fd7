// Package mail is the outbox: messages are queued in the transaction of the change that sends them and
// delivered afterwards by a river job, through SMTP when it is configured. Without SMTP a message is only
// kept on the outbox page for an admin to pass on, and the log says so without its body or address.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// SMTP is where mail goes; an empty Addr means there is no mail server.
type SMTP struct {
	Addr     string // host:port
	Username string
	Password string
	From     string
}

// Inserter enqueues river jobs inside a transaction (river.Client; an insert-only one does).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Outbox queues and delivers e-mail.
type Outbox struct {
	DB    *postgres.DB
	Now   func() time.Time
	Queue Inserter
	SMTP  SMTP
	Log   *slog.Logger
}

// Enqueue stores m in tx and schedules its delivery, which runs only if tx commits.
func (o *Outbox) Enqueue(ctx context.Context, tx pgx.Tx, m domain.Mail) (int64, error) {
	id, err := postgres.InsertOutbox(ctx, tx, m, o.Now())
	if err != nil {
		return 0, err
	}
	if _, err := o.Queue.InsertTx(ctx, tx, DeliverArgs{OutboxID: id}, nil); err != nil {
		return 0, fmt.Errorf("schedule delivery: %w", err)
	}
	return id, nil
}

// Configured reports whether mail leaves the system (otherwise the outbox page is the way out).
func (o *Outbox) Configured() bool { return o.SMTP.Addr != "" }

// Page lists recent messages for admins.
func (o *Outbox) Page(ctx context.Context) ([]domain.OutboxMessage, error) {
	if _, err := authz.RequireAdmin(ctx); err != nil {
		return nil, err
	}
	return postgres.OutboxPage(ctx, o.DB.Pool, 200)
}

// AttachmentViewed is the audit action of an admin opening a file kept on the outbox page.
const AttachmentViewed = "outbox.attachment_viewed"

// Attachment hands an admin file position of message id, to pass on a message kept on the outbox page
// (a quote's PDF holds a customer's address: the opening is recorded, with ids only). A file that has left
// by SMTP is no longer kept: ErrNotFound.
func (o *Outbox) Attachment(ctx context.Context, id int64, position int) (domain.Attachment, error) {
	actor, err := authz.RequireAdmin(ctx)
	if err != nil {
		return domain.Attachment{}, err
	}
	var a domain.Attachment
	err = o.DB.InTx(ctx, func(tx pgx.Tx) error {
		if a, err = postgres.OutboxAttachment(ctx, tx, id, position); err != nil {
			return err
		}
		if a.Content == nil {
			return fmt.Errorf("outbox attachment sent by SMTP: %w", domain.ErrNotFound)
		}
		return audit.Record(ctx, tx, audit.Event(o.Now(), actor, AttachmentViewed, "outbox", &id, map[string]any{"position": position}))
	})
	return a, err
}

// Deliver sends message id once: a message already sent is left alone, so a retried job sends nothing twice
// (unless the process dies between the server's acceptance and the commit, the one case SMTP cannot close).
func (o *Outbox) Deliver(ctx context.Context, id int64) error {
	refused, reason := false, ""
	err := o.DB.InTx(ctx, func(tx pgx.Tx) error {
		m, err := postgres.OutboxMessage(ctx, tx, id)
		if errors.Is(err, domain.ErrNotFound) || (err == nil && m.SentAt != nil) {
			return nil
		}
		if err != nil {
			return err
		}
		if !o.Configured() {
			o.Log.Info("mail kept on the outbox page: no SMTP server configured", "outbox_id", id)
			return postgres.MarkOutboxSent(ctx, tx, id, "page", o.Now())
		}
		if sendErr := o.send(ctx, m.Mail); sendErr != nil {
			refused, reason = true, smtpReason(sendErr, m.To)
			o.Log.Warn("mail not delivered", "outbox_id", id, "attempt", m.Attempts+1, "err", reason)
			// river logs a job's error and keeps it in its table, so it gets the reason without any address.
			return errors.New("mail not delivered: " + reason)
		}
		return postgres.MarkOutboxSent(ctx, tx, id, "smtp", o.Now())
	})
	if refused {
		// Recorded after the rollback released the row, so the page shows why it is still queued.
		err = errors.Join(err, postgres.MarkOutboxFailed(context.WithoutCancel(ctx), o.DB.Pool, id, reason))
	}
	return err
}

// smtpReason keeps the server's answer, which never holds the message, but no address it may quote: every
// word with an @, or with the part of to before its @ (some servers quote only that), becomes "…", however
// the server brackets or cases it.
func smtpReason(err error, to string) string {
	local, _, _ := strings.Cut(strings.ToLower(to), "@")
	words := strings.Fields(err.Error())
	for i, w := range words {
		if strings.Contains(w, "@") || (len(local) >= 3 && strings.Contains(strings.ToLower(w), local)) {
			words[i] = "…"
		}
	}
	return strings.Join(words, " ")
}

// sendTimeout bounds one delivery, so a mail server that stops answering holds no job for long.
const sendTimeout = time.Minute

func (o *Outbox) send(ctx context.Context, m domain.Mail) error {
	host, _, err := net.SplitHostPort(o.SMTP.Addr)
	if err != nil {
		return fmt.Errorf("smtp address: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	var conn net.Conn
	if strings.HasSuffix(o.SMTP.Addr, ":465") { // submissions: TLS from the first byte
		conn, err = (&tls.Dialer{Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", o.SMTP.Addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", o.SMTP.Addr)
	}
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if _, isTLS := conn.(*tls.Conn); !isTLS {
		// Links in these messages set passwords: they do not cross a network in clear. Only a mail server
		// on this machine may go without TLS.
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
				return err
			}
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return errors.New("the mail server offers no STARTTLS")
		}
	}
	if o.SMTP.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", o.SMTP.Username, o.SMTP.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(o.SMTP.From); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(Format(o.SMTP.From, m, o.Now())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// Format renders m as an RFC 5322 message in UTF-8, quoted-printable so that no line is too long for
// SMTP (an agreement's paragraphs are). A message with attachments is multipart/mixed: the text first,
// then each file in base64.
func Format(from string, m domain.Mail, now time.Time) []byte {
	var b bytes.Buffer
	domainPart := from[strings.LastIndexByte(from, '@')+1:]
	b.WriteString("From: " + from + "\r\n")
	b.WriteString("To: " + m.To + "\r\n")
	b.WriteString("Subject: " + mime.QEncoding.Encode("utf-8", m.Subject) + "\r\n")
	b.WriteString("Date: " + now.Format(time.RFC1123Z) + "\r\n")
	b.WriteString("Message-ID: <" + rand.Text() + "@" + domainPart + ">\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	if len(m.Attachments) == 0 {
		b.WriteString(textHeader + "\r\n")
		writeText(&b, m.Body)
		return b.Bytes()
	}
	mw := multipart.NewWriter(&b)
	// Folded: the boundary alone is 60 characters, and no line may be over 78.
	b.WriteString("Content-Type: multipart/mixed;\r\n boundary=\"" + mw.Boundary() + "\"\r\n\r\n")
	text, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"}})
	writeText(text, m.Body)
	for _, a := range m.Attachments {
		part, _ := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(a.ContentType, map[string]string{"name": a.Filename})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})},
			"Content-Transfer-Encoding": {"base64"}})
		writeBase64(part, a.Content)
	}
	_ = mw.Close()
	return b.Bytes()
}

const textHeader = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"

// writeText writes body with CRLF line ends, quoted-printable.
func writeText(w io.Writer, body string) {
	qp := quotedprintable.NewWriter(w)
	_, _ = qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")))
	_ = qp.Close()
	_, _ = io.WriteString(w, "\r\n")
}

// writeBase64 writes content in base64 lines of 76 characters (RFC 2045).
func writeBase64(w io.Writer, content []byte) {
	enc := base64.StdEncoding.EncodeToString(content)
	for len(enc) > 76 {
		_, _ = io.WriteString(w, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	_, _ = io.WriteString(w, enc+"\r\n")
}

// DeliverArgs is the river job that delivers one outbox message.
type DeliverArgs struct {
	OutboxID int64 `json:"outbox_id"`
}

// Kind names the job in river's table.
func (DeliverArgs) Kind() string { return "mail.deliver" }

// DeliverWorker runs DeliverArgs jobs; river retries a failed delivery with back-off.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	Outbox *Outbox
}

// Work delivers the message.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.Outbox.Deliver(ctx, job.Args.OutboxID)
}
