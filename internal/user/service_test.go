package user_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil/svctest"
	"github.com/affar/affar/internal/user"
)

type perms = []authz.Permission

var (
	view = perms{authz.UserView}
	// manage is what changing another user requires (then user.MayManage decides which users).
	manage = perms{authz.UserView, authz.UserEdit}
)

const (
	origin      = "https://affar.example"
	newPassword = "ett nytt lösenord för testet"
)

// The Service's methods: the table of TestService has those that require a permission, ungated_test.go
// the others, with what guards them instead.
func TestServiceMethods(t *testing.T) {
	svctest.Methods(t, &user.Service{},
		"Create", "ResetPassword", "SetPermissions", "ChangePermissions", "IDByEmail", "List", "Get", "Holders", "Invite",
		"UpdateDetails", "IssueLink", "SetActive", "Erase", "EraseDeparted", "SetAdmin",
		"SignIn", "SignedOut", "Actor", "RecordDenied", "SetLanguage", "HasAdmin", "LinkUser",
		"SetPasswordByLink", "ChangeOwnPassword", "UpdateOwnProfile")
}

func TestService(t *testing.T) {
	h := svctest.New(t)
	s := h.Services.Users
	// A version of the data processing agreement, which whoever becomes an admin is sent.
	if _, err := h.Services.Agreement.Publish(authz.WithActor(context.Background(), authz.System()), "2026-1", "Avtalstext"); err != nil {
		t.Fatal(err)
	}
	target := func(email string, ps ...authz.Permission) domain.UserID {
		id, _ := h.MustCreateUser(t, email, false, ps...)
		return id
	}
	holder := target("holder@example.com", authz.CustomerView)
	reset, granted, renamed, linked, deactivated, promoted := target("reset@example.com"),
		target("granted@example.com"), target("renamed@example.com"), target("linked@example.com"),
		target("deactivated@example.com"), target("promoted@example.com")
	changed := target("changed@example.com")
	departed := target("departed@example.com")
	if err := s.SetActive(h.As(authz.UserView, authz.UserEdit), departed, false); err != nil {
		t.Fatal(err)
	}
	var change user.PermissionChange
	get := func(t *testing.T, id domain.UserID) (user.Account, []authz.Permission) {
		t.Helper()
		u, ps, err := s.Get(h.As(authz.UserView), id)
		if err != nil {
			t.Fatal(err)
		}
		return u, ps
	}
	var (
		id      domain.UserID
		users   []domain.UserSummary
		got     user.Account
		gotPs   []authz.Permission
		holders map[authz.Permission][]domain.User
		link    user.Link
	)
	h.Run(t,
		svctest.Case{Name: "List", Perms: view,
			Call: func(ctx context.Context) (err error) { users, err = s.List(ctx, ""); return },
			Check: func(t *testing.T) {
				if len(users) != 10 {
					t.Errorf("%d users, want the actor and nine others", len(users))
				}
			}},
		svctest.Case{Name: "Get", Perms: view,
			Call: func(ctx context.Context) (err error) { got, gotPs, err = s.Get(ctx, holder); return },
			Check: func(t *testing.T) {
				if got.Email != "holder@example.com" || !slices.Equal(gotPs, perms{authz.CustomerView}) {
					t.Errorf("got %s with %v, want holder@example.com with customer.view", got.Email, gotPs)
				}
			}},
		svctest.Case{Name: "Holders", Perms: view,
			Call: func(ctx context.Context) (err error) { holders, _, err = s.Holders(ctx); return },
			Check: func(t *testing.T) {
				if hs := holders[authz.CustomerView]; len(hs) != 1 || hs[0].ID != holder {
					t.Errorf("customer.view held by %+v, want user %d", hs, holder)
				}
			}},
		svctest.Case{Name: "IDByEmail", Admin: true,
			Call: func(ctx context.Context) (err error) { id, err = s.IDByEmail(ctx, " Holder@Example.com"); return },
			Check: func(t *testing.T) {
				if id != holder {
					t.Errorf("id %d, want %d", id, holder)
				}
			}},
		svctest.Case{Name: "Create", Admin: true, Audit: []string{audit.UserCreated},
			Call: func(ctx context.Context) (err error) {
				id, err = s.Create(ctx, user.NewUser{Email: "ny@example.com", Name: "Ny Användare", Password: newPassword})
				return
			},
			Check: func(t *testing.T) {
				if u, _ := get(t, id); u.Email != "ny@example.com" || !u.Active || u.IsAdmin {
					t.Errorf("created %+v, want an active user ny@example.com", u)
				}
			}},
		svctest.Case{Name: "ResetPassword", Admin: true, Audit: []string{audit.PasswordReset},
			Call: func(ctx context.Context) error { return s.ResetPassword(ctx, reset, newPassword) },
			Check: func(t *testing.T) {
				if _, err := s.SignIn(context.Background(), user.Credentials{Email: "reset@example.com", Password: newPassword}); err != nil {
					t.Errorf("sign in with the new password: %v", err)
				}
			}},
		svctest.Case{Name: "SetPermissions", Admin: true, Audit: []string{audit.PermissionsSet},
			Call: func(ctx context.Context) error {
				return s.SetPermissions(ctx, granted, perms{authz.SupplierView}, nil)
			},
			Check: func(t *testing.T) {
				if _, ps := get(t, granted); !slices.Equal(ps, perms{authz.SupplierView}) {
					t.Errorf("permissions %v, want supplier.view", ps)
				}
			}},
		svctest.Case{Name: "ChangePermissions", Admin: true, Audit: []string{audit.PermissionsSet},
			Call: func(ctx context.Context) (err error) {
				change, err = s.ChangePermissions(ctx, changed, perms{authz.SupplierView, authz.CustomerView}, perms{authz.AuditView})
				return
			},
			Check: func(t *testing.T) {
				// Only what changed, in the order of the permission form; revoking what was not held is no change.
				if !slices.Equal(change.Granted, perms{authz.CustomerView, authz.SupplierView}) || len(change.Revoked) != 0 {
					t.Errorf("change %+v, want customer.view and supplier.view granted", change)
				}
			}},
		svctest.Case{Name: "SetAdmin", Admin: true, Audit: []string{audit.AgreementSent, audit.AdminGranted},
			Call: func(ctx context.Context) error { return s.SetAdmin(ctx, promoted, true) },
			Check: func(t *testing.T) {
				if u, _ := get(t, promoted); !u.IsAdmin {
					t.Error("not an admin")
				}
			}},
		svctest.Case{Name: "Invite", Perms: manage, Audit: []string{audit.UserInvited},
			Call: func(ctx context.Context) (err error) {
				_, link, err = s.Invite(ctx, user.Details{Name: "Inbjuden", Email: "inbjuden@example.com"}, false, origin)
				return
			},
			Check: func(t *testing.T) {
				if link.Token == "" || link.Expires.IsZero() {
					t.Errorf("link %+v, want a token and its expiry", link)
				}
			}},
		// Inviting an admin needs more than inviting: being one.
		svctest.Case{Name: "Invite an admin", Admin: true, Audit: []string{audit.AgreementSent, audit.UserInvited},
			Call: func(ctx context.Context) error {
				_, _, err := s.Invite(ctx, user.Details{Name: "Inbjuden Admin", Email: "admin@example.com"}, true, origin)
				return err
			}},
		svctest.Case{Name: "UpdateDetails", Perms: manage, Audit: []string{audit.UserDetailsChanged},
			Call: func(ctx context.Context) error {
				return s.UpdateDetails(ctx, renamed, user.Details{Name: "Nytt Namn", Email: "renamed@example.com"})
			},
			Check: func(t *testing.T) {
				if u, _ := get(t, renamed); u.Name != "Nytt Namn" {
					t.Errorf("name %q, want Nytt Namn", u.Name)
				}
			}},
		svctest.Case{Name: "IssueLink", Perms: manage, Audit: []string{audit.PasswordLinkIssued},
			Call: func(ctx context.Context) (err error) { link, got, err = s.IssueLink(ctx, linked, origin); return },
			Check: func(t *testing.T) {
				if link.Token == "" || got.ID != linked {
					t.Errorf("link %+v for user %d, want one for %d", link, got.ID, linked)
				}
			}},
		svctest.Case{Name: "Erase", Admin: true, Audit: []string{audit.UserErased},
			Call: func(ctx context.Context) error { return s.Erase(ctx, departed) },
			Check: func(t *testing.T) {
				u, ps := get(t, departed)
				if !u.Erased || u.Name != "Tidigare användare #"+strconv.FormatInt(int64(departed), 10) ||
					u.Email != user.ErasedEmail(departed) || len(ps) != 0 {
					t.Errorf("erased user %+v with %v", u, ps)
				}
				// Nothing brings an erased user back.
				if err := s.SetActive(h.As(authz.UserView, authz.UserEdit), departed, true); !errors.Is(err, domain.ErrConflict) {
					t.Errorf("reactivating an erased user: %v", err)
				}
			}},
		svctest.Case{Name: "SetActive", Perms: manage, Audit: []string{audit.UserDeactivated},
			Call: func(ctx context.Context) error { return s.SetActive(ctx, deactivated, false) },
			Check: func(t *testing.T) {
				if u, _ := get(t, deactivated); u.Active {
					t.Error("still active")
				}
			}},
	)
}
