package server

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/customers"
)

// objectionConfirm asks before an objection to direct marketing is recorded: what it does (consent
// withdrawn, out of every marketing export and label print, kept past an erasure) and when and how the
// person objected.
func (s *Server) objectionConfirm(w http.ResponseWriter, r *http.Request) {
	id, err := customerID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderObjection(w, r, id, http.StatusOK, customer.ObjectionInput{ObjectedOn: localDate(s.Now()),
		Request: requestParam(r.URL.Query())}, nil)
}

func (s *Server) objectionRecord(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[domain.CustomerID](s, w, r)
	if !ok {
		return
	}
	in := customer.ObjectionInput{ObjectedOn: r.PostForm.Get("objected_on"), Channel: r.PostForm.Get("objection_channel"),
		Request: requestParam(r.PostForm)}
	err := s.Customers.RecordObjection(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderObjection(w, r, id, http.StatusUnprocessableEntity, in, fe)
		return
	}
	s.done(w, r, err, "objection.recorded", s.afterRequest(r.Context(), in.Request, customerURL(id)))
}

func (s *Server) renderObjection(w http.ResponseWriter, r *http.Request, id domain.CustomerID, status int,
	in customer.ObjectionInput, errs domain.FieldErrors) {
	d, err := s.Customers.View(r.Context(), id)
	if err == nil {
		err = d.Customer.Editable()
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := customers.ObjectionView{Nav: navFor(r), ID: int64(id), Number: d.Customer.Number, Name: d.Customer.Name,
		ConsentGiven: d.Customer.Consent, ObjectedOn: in.ObjectedOn, Channel: in.Channel,
		Channels: domain.ObjectionChannels, Errors: errs, Request: in.Request}
	if o, ok := inForce(d.Objections); ok {
		v.InForce = o.ObjectedOn.Format(domain.DateLayout)
	}
	s.renderPage(w, r, status, customers.ObjectionPage(v))
}

// inForce is the objection of objections (newest first) that is in force, if any.
func inForce(objections []domain.Objection) (domain.Objection, bool) {
	if len(objections) > 0 && objections[0].InForce() {
		return objections[0], true
	}
	return domain.Objection{}, false
}

// objectionView fills the customer page's consent card with the objection to direct marketing: its
// state, the warning when it was carried over from an erased customer, who may record one, and its
// entries in the consent history (recorded, lifted), merged in time order.
func objectionView(ctx context.Context, v *customers.ShowView, d customer.Detail) {
	a, _ := authz.ActorFrom(ctx)
	o, objected := inForce(d.Objections)
	v.CanObject = !objected && d.Customer.AnonymisedAt == nil && a.Can(authz.CustomerView) &&
		a.CanAny(customer.ObjectionPermissions...)
	if objected {
		v.Objection = o.ObjectedOn.Format(domain.DateLayout)
		v.ObjectionChannelKey = "objection.channel." + o.Channel
		v.ObjectionCarried = o.CarriedOver
	}
	type entry struct {
		at  time.Time
		row customers.ConsentRow
	}
	var all []entry
	for _, k := range d.Consent {
		state := "consent.withdrawn"
		if k.Given {
			state = "consent.given"
		}
		all = append(all, entry{k.At, customers.ConsentRow{At: localMinute(k.At), StateKey: state,
			SourceKey: "consent.source." + k.Source, By: k.RecordedBy}})
	}
	for _, o := range d.Objections {
		state := "objection.history_recorded"
		if o.CarriedOver {
			state = "objection.history_carried"
		}
		all = append(all, entry{o.RecordedAt, customers.ConsentRow{At: localMinute(o.RecordedAt), StateKey: state,
			SourceKey: "objection.channel." + o.Channel, By: o.RecordedBy}})
		if o.LiftedAt != nil {
			all = append(all, entry{*o.LiftedAt, customers.ConsentRow{At: localMinute(*o.LiftedAt),
				StateKey: "objection.history_lifted"}})
		}
	}
	// Newest first; at the same instant the consent (recorded last) comes before what it lifted.
	slices.SortStableFunc(all, func(x, y entry) int { return y.at.Compare(x.at) })
	v.Consent = v.Consent[:0]
	for _, e := range all {
		v.Consent = append(v.Consent, e.row)
	}
}

// objectionWarning is the create form's warning that the person objected to direct marketing before they
// were erased, and that the new customer carries the objection.
func objectionWarning(ctx context.Context, hit *domain.ObjectionHit) string {
	if hit == nil {
		return ""
	}
	return i18n.Tf(ctx, "objection.carried", hit.ObjectedOn.Format(domain.DateLayout))
}
