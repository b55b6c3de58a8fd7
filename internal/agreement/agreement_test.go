package agreement_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/agreement"
	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/svctest"
)

func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &agreement.Service{}, "Publish", "Preview", "Accept", "History", "SendToNewAdmin")
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	admin, _ := h.MustCreateUser(t, "admin@example.com", true)
	s := h.Services.Agreement
	var history []domain.Agreement
	if _, err := s.Publish(operator, "2026-1", "Avtalstext"); err != nil {
		t.Fatal(err)
	}
	h.Run(t,
		// The actor received no version (they are no admin in the database): nothing to accept, nothing recorded.
		svctest.Case{Name: "Accept", Admin: true, Call: func(ctx context.Context) error { _, err := s.Accept(ctx); return err }},
		svctest.Case{Name: "History", Perms: []authz.Permission{authz.AuditView},
			Call: func(ctx context.Context) (err error) { history, err = s.History(ctx); return },
			Check: func(t *testing.T) {
				if len(history) != 1 || history[0].SHA256 != agreement.Digest("Avtalstext") ||
					len(history[0].Recipients) != 1 || history[0].Recipients[0].UserID != admin {
					t.Errorf("history %+v, want version 2026-1 sent to admin %d", history, admin)
				}
			}},
	)
}

// SendToNewAdmin has no permission of its own: it runs in the transaction of the user-service change that
// made someone an admin, after that change's authz.RequireAdmin (the user tests' "Invite an admin", SetAdmin
// and SetActive rows show it refused with them). What guards it is that each admin gets each version once.
func TestSendToNewAdmin(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Agreement
	ctx := operator
	newAdmin := domain.User{Email: "ny@example.com", Name: "Ny Admin", IsAdmin: true, Active: true}
	newAdmin.ID, _ = h.MustCreateUser(t, newAdmin.Email, false)
	send := func() []string {
		t.Helper()
		since := h.LastAudit(t)
		if err := h.DB.InTx(ctx, func(tx pgx.Tx) error { return s.SendToNewAdmin(ctx, tx, newAdmin) }); err != nil {
			t.Fatal(err)
		}
		return h.ActionsSince(t, since)
	}
	if got := send(); len(got) != 0 {
		t.Errorf("with no version published: %q, want nothing sent", got)
	}
	if _, err := s.Publish(ctx, "2026-1", "Avtalstext"); err != nil {
		t.Fatal(err)
	}
	if got := send(); len(got) != 1 || got[0] != audit.AgreementSent {
		t.Errorf("first: %q, want the version sent", got)
	}
	if got := send(); len(got) != 0 {
		t.Errorf("again: %q, want nothing: they have it", got)
	}
}

var operator = authz.WithActor(context.Background(), authz.System())

// TestOnlyTheOperatorPublishes: whoever runs the installation publishes (the command line); an admin of
// the company receives and accepts. The preview checks what Publish would and sends nothing.
func TestOnlyTheOperatorPublishes(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Agreement
	admin, _ := h.MustCreateUser(t, "admin@example.com", true)
	if _, err := s.Publish(h.AsAdmin(), "2026-1", "Avtalstext"); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("an admin publishing: %v, want forbidden", err)
	}
	if _, err := s.Preview(h.AsAdmin(), "2026-1", "Avtalstext"); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("an admin previewing: %v, want forbidden", err)
	}
	since := h.LastAudit(t)
	d, err := s.Preview(operator, " 2026-1 ", "Avtalstext\r\n")
	if err != nil || d.Version != "2026-1" || d.SHA256 != agreement.Digest("Avtalstext") || len(d.Recipients) != 1 || d.Recipients[0].ID != admin {
		t.Fatalf("preview %+v (%v): want the trimmed version, the digest of the stored text, the admin", d, err)
	}
	if got := h.ActionsSince(t, since); len(got) != 0 {
		t.Errorf("the preview recorded %q", got)
	}
	if _, err := s.Publish(operator, "2026-1", "Avtalstext"); err != nil {
		t.Fatal(err)
	}
	if got := h.ActionsSince(t, since); len(got) != 1 || got[0] != audit.AgreementPublished {
		t.Errorf("publish recorded %q", got)
	}
	for _, c := range []struct{ version, body, field, key string }{
		{"2026-1", "Ny text", "version", "agreement.version_taken"},
		{"", "Text", "version", "error.required"},
		{"2026-2", "  ", "body", "error.required"},
	} {
		_, err := s.Preview(operator, c.version, c.body)
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || fe[c.field] != c.key {
			t.Errorf("preview %q/%q: %v, want %s on %s", c.version, c.body, err, c.key, c.field)
		}
	}
}

// Digest is a function of the text alone, the sha256 an auditor can check.
func TestDigest(t *testing.T) {
	if got := agreement.Digest("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Digest(abc) = %s", got)
	}
}
