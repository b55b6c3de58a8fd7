package agreement_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/agreement"
	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/svctest"
)

func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &agreement.Service{}, "Publish", "History", "SendToNewAdmin")
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	admin, _ := h.MustCreateUser(t, "admin@example.com", true)
	s := h.Services.Agreement
	var history []domain.Agreement
	h.Run(t,
		svctest.Case{Name: "Publish", Admin: true, Audit: []string{audit.AgreementPublished},
			Call: func(ctx context.Context) error { _, err := s.Publish(ctx, "2026-1", "Avtalstext"); return err }},
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
	ctx := h.AsAdmin()
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

// Digest is a function of the text alone, the sha256 an auditor can check.
func TestDigest(t *testing.T) {
	if got := agreement.Digest("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("Digest(abc) = %s", got)
	}
}
