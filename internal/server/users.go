package server

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/user"
	"github.com/affar/affar/templates/components"
	"github.com/affar/affar/templates/layout"
	"github.com/affar/affar/templates/users"
)

func userPath(id domain.UserID) string { return "/users/" + strconv.FormatInt(int64(id), 10) }

// userCols are the user list's sortable columns; by name unless chosen otherwise, the latest sign-in
// first when sorted by it.
var userCols = []sortColumn{{"name", "users.col.name", false}, {"email", "users.col.email", false},
	{"status", "users.col.status", false}, {"last_login", "users.col.last_login", true}}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	search := searchable(q.Get("q"))
	list, err := s.Users.List(ctx, search)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.Now()
	req, _ := listRequest(q, userCols, 0)
	user.Sort(list, req.Sort, req.Desc, now)
	a, _ := authz.ActorFrom(ctx)
	v := users.ListView{Nav: navFor(r), Flash: s.flash(r), CanEdit: a.Can(authz.UserEdit), Q: q.Get("q"),
		Sort: q.Get("sort"), Dir: q.Get("dir"), Size: q.Get("size")}
	urlFor := func(set map[string]string) string {
		return queryURL("/users", q, append([]string{"q"}, listKeep...), set)
	}
	from, to, p := positionPage(q, req, len(list), urlFor)
	for _, u := range list[from:to] {
		v.Rows = append(v.Rows, userRow(user.AccountOf(u.User, u.InvitedUntil), u.Permissions, now))
	}
	v.Showing, v.Pager = p.Showing, p.pages()
	v.Sizes, v.Sorts = pageSizes(req.Limit, urlFor), sortLinks(userCols, req, urlFor)
	if search != "" {
		v.EmptyActions = []components.Action{{Key: "list.clear_filter", URL: "/users"}}
	}
	s.renderPage(w, r, http.StatusOK, users.ListPage(v))
}

// userRow is one user of the list as of now.
func userRow(a user.Account, perms int, now time.Time) users.Row {
	st := accountStatus(a, now)
	return users.Row{ID: int64(a.ID), Name: a.Name, Email: a.Email, IsAdmin: a.IsAdmin, Permissions: perms,
		LastLogin: minute(a.LastLoginAt), Status: st}
}

// accountStatus is how the list and the user's page show a's status (user.StatusOf).
func accountStatus(a user.Account, now time.Time) users.Status {
	st := user.StatusOf(a, now)
	v := users.Status{Key: st.Key(), Inactive: st == user.StatusInactive, Attention: st == user.StatusInviteExpired || st == user.StatusInviteWithdrawn}
	if st == user.StatusInvited {
		v.Until = localMinute(*a.InvitedUntil)
	}
	return v
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) {
	a, _ := authz.ActorFrom(r.Context())
	s.renderPage(w, r, http.StatusOK, users.InvitePage(users.InviteView{Nav: navFor(r), CanAdmin: a.IsAdmin}))
}

// origin is the site's address for a link shown on a page: the configured base URL, or the address this
// request came to (an admin's own request, so its Host is theirs).
func (s *Server) origin(r *http.Request) string {
	if s.Config.BaseURL != "" {
		return s.Config.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handOver gives a new invitation or reset link to its user: by e-mail when a mail server is set up (the
// link is then shown to nobody), otherwise shown once to an admin to pass on, or left on the outbox page
// for an admin when someone else made it. Whoever sees a link could choose the password, and only admins
// may already do everything.
func (s *Server) handOver(w http.ResponseWriter, r *http.Request, id domain.UserID, name string, link user.Link, invite bool) {
	viewer, _ := authz.ActorFrom(r.Context())
	switch {
	case s.Outbox.Configured():
		s.done(w, r, nil, "users.link_mailed", userPath(id))
	case !viewer.IsAdmin:
		s.done(w, r, nil, "users.link_in_outbox", userPath(id))
	default:
		s.renderPage(w, r, http.StatusOK, users.LinkPage(users.LinkView{Nav: navFor(r), ID: int64(id), Name: name,
			Link: s.origin(r) + link.Path(), Expires: localMinute(link.Expires), Invite: invite}))
	}
}

// userCreate invites a user and shows the link once (it is also e-mailed): nobody else chooses their password.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	f := r.PostForm
	in := user.Details{Name: f.Get("name"), Email: f.Get("email"), Language: f.Get("language")}
	admin := f.Get("admin") == "yes"
	// Mail carries only the configured address: a Host header is whatever a client sends.
	id, link, err := s.Users.Invite(r.Context(), in, admin, s.Config.BaseURL)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		a, _ := authz.ActorFrom(r.Context())
		s.renderPage(w, r, http.StatusUnprocessableEntity, users.InvitePage(users.InviteView{Nav: navFor(r), Name: in.Name,
			Email: in.Email, Language: in.Language, Admin: admin, CanAdmin: a.IsAdmin, Errors: fe}))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.handOver(w, r, id, in.Name, link, true)
}

// userView builds a user's page; preset, if known, fills the permission boxes without saving them.
func (s *Server) userView(r *http.Request, id domain.UserID, preset string) (users.UserView, error) {
	u, held, err := s.Users.Get(r.Context(), id)
	if err != nil {
		return users.UserView{}, err
	}
	viewer, _ := authz.ActorFrom(r.Context())
	v := users.UserView{Nav: navFor(r), Flash: s.permissionsFlash(r), ID: int64(u.ID), Name: u.Name, Email: u.Email,
		Language: u.Language, IsAdmin: u.IsAdmin, Active: u.Active, Erased: u.Erased, Invited: u.Invited, Status: accountStatus(u, s.Now()),
		CanEdit: user.MayManage(viewer, u, held), CanGrant: viewer.IsAdmin, Self: viewer.UserID == u.ID}
	v.LastLogin = cmp.Or(minute(u.LastLoginAt), "–")
	for _, p := range authz.Presets {
		v.Presets = append(v.Presets, p.Name)
	}
	if perms, ok := authz.Preset(preset); ok && viewer.IsAdmin {
		held, v.PresetShown = perms, preset
	}
	for _, g := range authz.Groups {
		ug := users.Group{Key: g.Key}
		for _, p := range g.Permissions {
			ug.Perms = append(ug.Perms, users.Perm{Name: string(p), Label: p.LabelKey(), Desc: p.DescKey(),
				Held: slices.Contains(held, p)})
		}
		v.Groups = append(v.Groups, ug)
	}
	return v, nil
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) {
	id, err := userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.userView(r, id, r.URL.Query().Get("preset"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderPage(w, r, http.StatusOK, users.UserPage(v))
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.UserID](s, w, r)
	if !ok {
		return
	}
	f := r.PostForm
	in := user.Details{Name: f.Get("name"), Email: f.Get("email"), Language: f.Get("language")}
	err := s.Users.UpdateDetails(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		v, verr := s.userView(r, id, "")
		if verr != nil {
			s.fail(w, r, verr)
			return
		}
		v.Name, v.Email, v.Language, v.Errors = in.Name, in.Email, in.Language, fe
		s.renderPage(w, r, http.StatusUnprocessableEntity, users.UserPage(v))
		return
	}
	s.done(w, r, err, "users.details_saved", userPath(id))
}

func (s *Server) userSetActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := idForm[domain.UserID](s, w, r)
		if !ok {
			return
		}
		flash := "users.activated"
		if !active {
			flash = "users.deactivated"
			if r.PostForm.Get("confirm") != "yes" {
				s.done(w, r, nil, "users.confirm_needed", userPath(id))
				return
			}
		}
		s.done(w, r, s.Users.SetActive(r.Context(), id, active), flash, userPath(id))
	}
}

// userErase erases a departed user once the box is ticked.
func (s *Server) userErase(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.UserID](s, w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.done(w, r, nil, "users.confirm_needed", userPath(id))
		return
	}
	s.done(w, r, s.Users.Erase(r.Context(), id), "users.erased_flash", userPath(id))
}

func (s *Server) userSetAdmin(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.UserID](s, w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.done(w, r, nil, "users.confirm_needed", userPath(id))
		return
	}
	admin := r.PostForm.Get("admin") == "yes"
	flash := "users.admin_granted"
	if !admin {
		flash = "users.admin_revoked"
	}
	s.done(w, r, s.Users.SetAdmin(r.Context(), id, admin), flash, userPath(id))
}

func (s *Server) userLink(w http.ResponseWriter, r *http.Request) {
	id, err := userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	link, u, err := s.Users.IssueLink(r.Context(), id, s.Config.BaseURL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.handOver(w, r, id, u.Name, link, u.Invited)
}

// sessionPermChange carries what the last permission save changed to the page it redirects to: permission
// ids, "+" granted and "-" revoked, comma-separated (no personal data, as for the flash).
const sessionPermChange = "perm_change"

// setPermissions stores the checked permissions: the checked ones are granted, the others revoked.
func (s *Server) setPermissions(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.UserID](s, w, r)
	if !ok {
		return
	}
	var grant, revoke []authz.Permission
	checked := r.PostForm["permission"]
	for _, p := range authz.All() {
		if slices.Contains(checked, string(p)) {
			grant = append(grant, p)
		} else {
			revoke = append(revoke, p)
		}
	}
	change, err := s.Users.ChangePermissions(r.Context(), id, grant, revoke)
	if err != nil || len(change.Granted)+len(change.Revoked) == 0 {
		s.done(w, r, err, "users.permissions_unchanged", userPath(id))
		return
	}
	var ids []string
	for _, p := range change.Granted {
		ids = append(ids, "+"+string(p))
	}
	for _, p := range change.Revoked {
		ids = append(ids, "-"+string(p))
	}
	s.Sessions.Put(r.Context(), sessionPermChange, strings.Join(ids, ","))
	s.done(w, r, nil, "users.permissions_saved", userPath(id))
}

// permissionsFlash is the page's flash, naming what the permission save it follows changed.
func (s *Server) permissionsFlash(r *http.Request) *layout.Flash {
	f := s.flash(r)
	change := s.Sessions.PopString(r.Context(), sessionPermChange)
	if f == nil || change == "" {
		return f
	}
	ctx := r.Context()
	var added, removed []string
	for _, id := range strings.Split(change, ",") {
		if len(id) < 2 || !authz.Known(authz.Permission(id[1:])) {
			continue
		}
		label := i18n.T(ctx, authz.Permission(id[1:]).LabelKey())
		if id[0] == '+' {
			added = append(added, label)
		} else {
			removed = append(removed, label)
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, i18n.Tf(ctx, "users.perms_added", strings.Join(added, ", ")))
	}
	if len(removed) > 0 {
		parts = append(parts, i18n.Tf(ctx, "users.perms_removed", strings.Join(removed, ", ")))
	}
	if len(parts) > 0 {
		f.Text = i18n.Tf(ctx, "users.perms_saved_what", strings.Join(parts, "; "))
	}
	return f
}

// permissionSummary shows who holds each permission.
func (s *Server) permissionSummary(w http.ResponseWriter, r *http.Request) {
	byPerm, admins, err := s.Users.Holders(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := func(us []domain.User) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.Name
		}
		return out
	}
	v := users.SummaryView{Nav: navFor(r), Admins: names(admins)}
	for _, g := range authz.Groups {
		hg := users.HolderGroup{Key: g.Key}
		for _, p := range g.Permissions {
			hg.Perms = append(hg.Perms, users.Holder{Label: p.LabelKey(), Names: names(byPerm[p])})
		}
		v.Groups = append(v.Groups, hg)
	}
	s.renderPage(w, r, http.StatusOK, users.SummaryPage(v))
}
