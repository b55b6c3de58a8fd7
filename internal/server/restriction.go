package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/customers"
)

// restricted answers a refusal to process a restricted customer (domain.ErrRestricted). Whoever may not
// see restricted customers gets the very page of a customer that does not exist: 404, the same words, so
// a guessed or remembered URL tells nothing of the customer's existence or of the restriction. A
// privacy.manage holder, who sees the customer marked, is told why: 409 with the explanation.
func (s *Server) restricted(w http.ResponseWriter, r *http.Request) {
	if a, ok := authz.ActorFrom(r.Context()); ok && authz.SeesRestricted(a) {
		s.renderError(w, r, http.StatusConflict, i18n.T(r.Context(), "restriction.refused"))
		return
	}
	s.renderError(w, r, http.StatusNotFound, "")
}

// restrictionMarks puts the restriction's mark, the reminder to tell the person of a lifting and the
// actions on the page of a privacy.manage holder (nobody else is shown a restricted customer at all).
// number names a request by its number, for the mark.
func restrictionMarks(v *customers.ShowView, a authz.Actor, c domain.Customer, number func(int64) string) {
	if !authz.SeesRestricted(a) {
		return
	}
	if c.Restricted() {
		m := &customers.Restriction{Since: localDate(*c.RestrictedAt)}
		if c.RestrictionReason != nil {
			m.ReasonKey = "restriction.reason." + string(*c.RestrictionReason)
		}
		if c.RestrictionRequestID != nil {
			m.RequestID, m.RequestURL = number(*c.RestrictionRequestID), requestURL(*c.RestrictionRequestID)
		}
		v.Restricted = m
	}
	if c.LiftNoticeDue() {
		v.LiftNotice = localDate(*c.RestrictionLiftedAt)
	}
	v.CanRestrict = a.Can(authz.CustomerView) && !c.Restricted() && c.AnonymisedAt == nil
	v.CanLift = a.Can(authz.CustomerView) && c.Restricted()
}

// restrictConfirm is the confirmation page of restricting (or, lift, of lifting) a customer's processing.
func (s *Server) restrictConfirm(lift bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := customerID(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderRestrict(w, r, id, lift, http.StatusOK, customer.RestrictInput{RequestID: requestParam(r.URL.Query())}, nil)
	}
}

func (s *Server) renderRestrict(w http.ResponseWriter, r *http.Request, id domain.CustomerID, lift bool, status int,
	in customer.RestrictInput, errs domain.FieldErrors) {
	c, err := s.Customers.ForRestriction(r.Context(), id)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case lift && !c.Restricted():
		s.fail(w, r, customer.NotRestricted)
		return
	case !lift && c.Restricted():
		s.fail(w, r, customer.AlreadyRestricted)
		return
	}
	v := customers.RestrictView{Nav: navFor(r), ID: int64(c.ID), Number: c.Number, Name: displayName(r.Context(), c),
		Lift: lift, Reason: in.Reason, RequestID: in.RequestID, Errors: errs}
	for _, reason := range domain.RestrictionReasons {
		v.Reasons = append(v.Reasons, string(reason))
	}
	s.renderPage(w, r, status, customers.RestrictPage(v))
}

func (s *Server) restrictPost(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	in := customer.RestrictInput{Reason: r.PostFormValue("reason"), RequestID: r.PostFormValue("request_id")}
	err := s.Customers.Restrict(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderRestrict(w, r, id, false, http.StatusUnprocessableEntity, in, fe)
		return
	}
	s.done(w, r, err, "restriction.done", s.afterRequest(r.Context(), in.RequestID, customerURL(id)))
}

func (s *Server) unrestrictPost(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	s.done(w, r, s.Customers.Lift(r.Context(), id), "restriction.lifted", customerURL(id))
}

// afterRequest is where work started from the data subject's request numbered number returns: the
// request's actions, where the work is recorded; fallback without a request (or one no longer readable).
func (s *Server) afterRequest(ctx context.Context, number, fallback string) string {
	if number == "" {
		return fallback
	}
	id, err := s.Requests.ID(ctx, number)
	if err != nil {
		return fallback
	}
	return requestURL(id) + "#actions"
}

// requestNumber names request id by its number ("2026-0001") for a privacy.manage holder, or by its id if
// it cannot be read.
func (s *Server) requestNumber(ctx context.Context) func(int64) string {
	return func(id int64) string {
		d, err := s.Requests.Get(ctx, id)
		if err != nil {
			return strconv.FormatInt(id, 10)
		}
		return d.Request.Number()
	}
}
