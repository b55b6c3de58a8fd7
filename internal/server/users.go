package server

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/users"
)

// pathID parses a numeric id from the route; a malformed one is simply not found.
func pathID[T ~int64](r *http.Request, name string) (T, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.ErrNotFound
	}
	return T(id), nil
}

func userID(r *http.Request) (domain.UserID, error) { return pathID[domain.UserID](r, "id") }

func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	list, err := s.Users.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := users.ListView{Nav: navFor(r)}
	for _, u := range list {
		row := users.Row{ID: int64(u.User.ID), Name: u.User.Name, Email: u.User.Email, IsAdmin: u.User.IsAdmin,
			Active: u.User.Active, Permissions: u.Permissions}
		if u.User.LastLoginAt != nil {
			row.LastLogin = u.User.LastLoginAt.In(domain.Stockholm).Format("2006-01-02 15:04")
		}
		v.Rows = append(v.Rows, row)
	}
	s.renderPage(w, r, http.StatusOK, users.ListPage(v))
}

func (s *Server) userPage(w http.ResponseWriter, r *http.Request) {
	id, err := userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, held, err := s.Users.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	viewer, _ := authz.ActorFrom(r.Context())
	v := users.UserView{Nav: navFor(r), Flash: s.flash(r), ID: int64(u.ID), Name: u.Name, Email: u.Email,
		IsAdmin: u.IsAdmin, CanEdit: viewer.IsAdmin && !u.IsAdmin}
	for _, g := range authz.Groups {
		ug := users.Group{Key: g.Key}
		for _, p := range g.Permissions {
			ug.Perms = append(ug.Perms, users.Perm{Name: string(p), Label: p.LabelKey(), Held: slices.Contains(held, p)})
		}
		v.Groups = append(v.Groups, ug)
	}
	s.renderPage(w, r, http.StatusOK, users.UserPage(v))
}

// setPermissions stores the checked permissions: the checked ones are granted, the others revoked.
func (s *Server) setPermissions(w http.ResponseWriter, r *http.Request) {
	id, err := userID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !s.parseForm(w, r) {
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
	if err := s.Users.SetPermissions(r.Context(), id, grant, revoke); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessionFlash, "users.permissions_saved")
	redirect(w, r, "/users/"+strconv.FormatInt(int64(id), 10))
}
