package mail_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/mail"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil"
)

// smtpServer is a small SMTP server on loopback that keeps what it is given; refuse, when set, is its
// answer to RCPT, with {to} for the recipient and {local} for the part before its @, in small letters
// (servers quote them in their refusals, often so).
type smtpServer struct {
	addr   string
	mu     sync.Mutex
	got    []string
	refuse string
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { _, _ = conn.Write([]byte(line + "\r\n")) }
	say("220 test ESMTP")
	var data strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 test")
		case strings.HasPrefix(cmd, "RCPT"):
			s.mu.Lock()
			refuse := s.refuse
			s.mu.Unlock()
			if refuse != "" {
				to := strings.ToLower(strings.Trim(strings.TrimSpace(line[strings.IndexByte(line, ':')+1:]), "<>"))
				local, _, _ := strings.Cut(to, "@")
				say(strings.NewReplacer("{to}", to, "{local}", local).Replace(refuse))
			} else {
				say("250 ok")
			}
		case cmd == "DATA":
			say("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			s.mu.Lock()
			s.got = append(s.got, data.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func queue(t *testing.T, env *testutil.Env, o *mail.Outbox, m domain.Mail) int64 {
	t.Helper()
	var id int64
	err := env.DB.InTx(context.Background(), func(tx pgx.Tx) error {
		var err error
		id, err = o.Enqueue(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDeliverThroughSMTPOnceAndRecordFailures(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	srv := startSMTP(t)
	var logs bytes.Buffer
	o := env.Services.Outbox
	o.SMTP = mail.SMTP{Addr: srv.addr, From: "affar@example.se"}
	o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()

	long := strings.Repeat("Ett långt stycke avtalstext utan radbrytning. ", 80)
	id := queue(t, env, o, domain.Mail{To: "anna@example.se", Subject: "Avtal, version 1 – åäö", Body: "Rad ett\nRad två\n" + long})
	if err := o.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := o.Deliver(ctx, id); err != nil { // a retried job
		t.Fatal(err)
	}
	srv.mu.Lock()
	got := srv.got
	srv.mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "To: anna@example.se") || !strings.Contains(got[0], "Subject: =?utf-8?q?") {
		t.Fatalf("delivered %d messages: %q", len(got), got)
	}
	msg, err := netmail.ReadMessage(strings.NewReader(got[0]))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil || string(body) != "Rad ett\r\nRad två\r\n"+long+"\r\n" {
		t.Fatalf("body as received: %q %v", body, err)
	}
	for _, line := range strings.Split(got[0], "\r\n") {
		if len(line) > 78 {
			t.Fatalf("a line of %d characters: SMTP servers may refuse it", len(line))
		}
	}
	msgs, err := postgres.OutboxPage(ctx, env.DB.Pool, 10)
	if err != nil || len(msgs) != 1 || msgs[0].Via != "smtp" || msgs[0].SentAt == nil {
		t.Fatalf("outbox: %+v %v", msgs, err)
	}

	// A refusal quotes the address, bracketed or not, in capitals or not: it reaches neither the outbox
	// page, nor the log, nor the error river logs and keeps in its table.
	for _, refusal := range []string{"550 5.1.1 <{to}>: Recipient address rejected", "550 No such user ({to}) here",
		"550 5.1.1 User unknown: {local}"} {
		srv.mu.Lock()
		srv.refuse = refusal
		srv.mu.Unlock()
		logs.Reset()
		to := "Bo.Ek@Example.se"
		id = queue(t, env, o, domain.Mail{To: to, Subject: "Hej", Body: "Hemligt innehåll"})
		err := o.Deliver(ctx, id)
		if err == nil {
			t.Fatal("a refused recipient was reported delivered")
		}
		msgs, _ = postgres.OutboxPage(ctx, env.DB.Pool, 10)
		if msgs[0].SentAt != nil || msgs[0].Attempts != 1 || !strings.Contains(msgs[0].LastError, "550") ||
			strings.Contains(strings.ToLower(msgs[0].LastError), "bo.ek") {
			t.Fatalf("failed attempt: %+v", msgs[0])
		}
		for what, text := range map[string]string{"the job's error": err.Error(), "the log": logs.String()} {
			if !strings.Contains(text, "550") || strings.Contains(text, "Hemligt") || strings.Contains(strings.ToLower(text), "bo.ek") {
				t.Fatalf("%s holds a body or an address, or not the refusal: %s", what, text)
			}
		}
	}

	// Without SMTP the message is kept for the outbox page, and the log says so without body or address.
	o.SMTP = mail.SMTP{}
	logs.Reset()
	id = queue(t, env, o, domain.Mail{To: "cilla@example.se", Subject: "Hej", Body: "Hemligt innehåll"})
	if err := o.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	msgs, _ = postgres.OutboxPage(ctx, env.DB.Pool, 10)
	if msgs[0].Via != "page" || msgs[0].SentAt == nil || !strings.Contains(logs.String(), "outbox page") ||
		strings.Contains(logs.String(), "Hemligt") || strings.Contains(logs.String(), "cilla@") {
		t.Fatalf("no SMTP: %+v, log %s", msgs[0], logs.String())
	}
}

// TestDeliverWithAttachment: a message with a file goes out as multipart/mixed, the text part as typed and
// the file in base64 under its name, as a mail reader parses it back; once sent by SMTP the outbox keeps
// the file's name and size but not its content.
func TestDeliverWithAttachment(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	srv := startSMTP(t)
	o := env.Services.Outbox
	o.SMTP = mail.SMTP{Addr: srv.addr, From: "affar@example.se"}
	ctx := context.Background()
	pdf := append([]byte("%PDF-1.3\n"), bytes.Repeat([]byte{0, 0xff, 'x', '\n'}, 500)...)
	id := queue(t, env, o, domain.Mail{To: "kund@example.se", Subject: "Offert 1001 från Måleri Öst AB", Body: "Hej!\nHär är offerten.",
		Attachments: []domain.Attachment{{Filename: "Offert-1001.pdf", ContentType: "application/pdf", Content: pdf}}})
	if err := o.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	got := srv.got
	srv.mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("delivered %d messages", len(got))
	}
	msg, err := netmail.ReadMessage(strings.NewReader(got[0]))
	if err != nil {
		t.Fatal(err)
	}
	media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || media != "multipart/mixed" || msg.Header.Get("MIME-Version") != "1.0" {
		t.Fatalf("content type %q %v", msg.Header.Get("Content-Type"), err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	text, err := parts.NextPart() // decodes quoted-printable by itself
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(text)
	if text.Header.Get("Content-Type") != "text/plain; charset=utf-8" || string(body) != "Hej!\r\nHär är offerten.\r\n" {
		t.Errorf("text part %q: %q", text.Header.Get("Content-Type"), body)
	}
	file, err := parts.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(file)
	content, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	if err != nil || !bytes.Equal(content, pdf) || file.FileName() != "Offert-1001.pdf" ||
		file.Header.Get("Content-Type") != `application/pdf; name=Offert-1001.pdf` {
		t.Errorf("attachment %q %q: %d bytes, equal %v, %v", file.FileName(), file.Header.Get("Content-Type"), len(content), bytes.Equal(content, pdf), err)
	}
	if _, err := parts.NextPart(); err != io.EOF {
		t.Errorf("a third part: %v", err)
	}
	for _, line := range strings.Split(got[0], "\r\n") {
		if len(line) > 78 {
			t.Fatalf("a line of %d characters: SMTP servers may refuse it", len(line))
		}
	}
	msgs, err := postgres.OutboxPage(ctx, env.DB.Pool, 10)
	if err != nil || len(msgs) != 1 || len(msgs[0].Attachments) != 1 {
		t.Fatalf("outbox page: %+v %v", msgs, err)
	}
	if a := msgs[0].Attachments[0]; a.Filename != "Offert-1001.pdf" || a.Size != len(pdf) || a.Content != nil {
		t.Errorf("listed attachment %+v", a)
	}
	var kept *[]byte
	if err := env.DB.Pool.QueryRow(ctx, `SELECT content FROM outbox_attachments WHERE outbox_id = $1`, id).Scan(&kept); err != nil || kept != nil {
		t.Errorf("the sent PDF is still stored: %v", err)
	}
	admin := authz.WithActor(ctx, authz.System())
	if _, err := o.Attachment(admin, id, 0); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a sent file from the outbox: %v, want not found", err)
	}

	// Without SMTP the file stays for an admin to pass on (who alone may open it).
	o.SMTP = mail.SMTP{}
	id = queue(t, env, o, domain.Mail{To: "kund@example.se", Subject: "Offert", Body: "Hej",
		Attachments: []domain.Attachment{{Filename: "Offert-1002.pdf", ContentType: "application/pdf", Content: pdf}}})
	if err := o.Deliver(ctx, id); err != nil {
		t.Fatal(err)
	}
	if a, err := o.Attachment(admin, id, 0); err != nil || !bytes.Equal(a.Content, pdf) || a.Filename != "Offert-1002.pdf" {
		t.Errorf("a file kept on the outbox page: %q %v", a.Filename, err)
	}
	if _, err := o.Attachment(ctx, id, 0); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("without an actor: %v", err)
	}
}
