package server

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/affar/affar/internal/accesscopy"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/request"
	"github.com/affar/affar/templates/requests"
)

// requestView lays out request d for its page; typed (a form that came back) takes the place of the
// stored values in the forms.
func requestView(ctx context.Context, d request.Detail, typed url.Values, errs domain.FieldErrors) requests.ShowView {
	q := d.Request
	text, late, soon := clockText(ctx, q, d.Today)
	v := requests.ShowView{Base: requestURL(q.ID), Number: q.Number(), Kinds: kindsText(ctx, q.Kinds),
		ChannelKey: "requests.channel." + string(q.Channel), Received: q.Received.Format(domain.DateLayout),
		Due: q.Due().Format(domain.DateLayout), Clock: text, Late: late, Soon: soon, Closed: q.Status.Closed(),
		StatusKey: "requests.status." + string(q.Status), Handler: orNone(ctx, q.HandlerName),
		Registered:    i18n.Tf(ctx, "requests.registered_line", localMinute(q.CreatedAt), orNone(ctx, q.RegisteredByName)),
		RequesterName: q.Requester.Name, RequesterEmail: q.Requester.Email, RequesterAddress: q.Requester.Address,
		NoData: q.NoData, FirstMonthEnd: q.FirstMonthEnd().Format(domain.DateLayout), CanExtend: q.CanExtend(d.Today),
		RefusalReason: q.RefusalReason, Notes: q.Notes, Version: strconv.Itoa(q.Version), AllKinds: kindOptions(),
		Errors: errs}
	if q.RequesterCleared != nil {
		v.RequesterCleared = q.RequesterCleared.In(domain.Stockholm).Format(domain.DateLayout)
	}
	if q.ExtendedMonths > 0 {
		v.Extension = i18n.N(ctx, "requests.extension_line", q.ExtendedMonths)
		v.ExtensionReason, v.ExtensionNotice = q.ExtensionReason, q.ExtensionNotice
		if q.ExtensionNoticeOn != nil {
			v.ExtensionNotice = q.ExtensionNoticeOn.Format(domain.DateLayout) + ": " + q.ExtensionNotice
		}
	}
	if q.IdentityCheckedOn != nil {
		v.Identity = i18n.Tf(ctx, "requests.identity.line", q.IdentityMethod, q.IdentityCheckedOn.Format(domain.DateLayout),
			orNone(ctx, q.IdentityByName))
	}
	if q.Closed != nil {
		v.Outcome = i18n.Tf(ctx, "requests.outcome_line", q.Closed.Format(domain.DateLayout)) + " · " + text
	}
	for _, c := range q.Customers {
		v.Customers = append(v.Customers, linkedCustomer(ctx, q, c))
	}
	for _, a := range q.Actions {
		v.Actions = append(v.Actions, actionRow(ctx, a))
	}
	for _, l := range d.Letters {
		v.Letters = append(v.Letters, sentLetter(ctx, l))
	}
	requestForms(&v, d, typed)
	return v
}

// requestForms fills the page's forms: the stored values, or what was typed into the one that came back.
func requestForms(v *requests.ShowView, d request.Detail, typed url.Values) {
	q := d.Request
	v.Typed = map[string]string{"status": string(q.Status), "refusal_reason": q.RefusalReason, "notes": q.Notes,
		"identity_method": q.IdentityMethod, "identity_on": d.Today.Format(domain.DateLayout),
		"notice_on": d.Today.Format(domain.DateLayout), "months": "1"}
	if q.Handler != nil {
		v.Typed["handler"] = strconv.FormatInt(int64(*q.Handler), 10)
	}
	if q.IdentityCheckedOn != nil {
		v.Typed["identity_on"] = q.IdentityCheckedOn.Format(domain.DateLayout)
	}
	kinds := make([]string, len(q.Kinds))
	for i, k := range q.Kinds {
		kinds[i] = string(k)
	}
	for k, vals := range typed {
		if len(vals) > 0 {
			v.Typed[k] = vals[0]
		}
	}
	if _, ok := typed["version"]; ok { // the status form came back: its check boxes as ticked
		kinds = typed["kinds"]
	}
	v.ChosenKinds = chosen(kinds)
	for _, st := range domain.RequestStatuses {
		v.Statuses = append(v.Statuses, requests.Option{Value: string(st), Label: "requests.status." + string(st)})
	}
	v.Handlers = []requests.Option{{Value: "", Label: "requests.handler_none"}}
	for _, u := range d.Handlers {
		v.Handlers = append(v.Handlers, requests.Option{Value: strconv.FormatInt(int64(u.ID), 10), Label: u.Name, Text: true})
	}
	for _, k := range domain.RequestActionKinds {
		v.ActionKinds = append(v.ActionKinds, requests.Option{Value: string(k), Label: "requests.action." + string(k)})
	}
}

// orNone is a name, or a dash for none (a user since removed).
func orNone(ctx context.Context, name string) string {
	if name == "" {
		return i18n.T(ctx, "requests.nobody")
	}
	return name
}

// linkedCustomer is a customer of request q with the erasures the viewer may start from the request: the
// existing confirmation pages, told the request's number.
func linkedCustomer(ctx context.Context, q domain.SubjectRequest, c domain.RequestCustomer) requests.Linked {
	base := "/customers/" + strconv.FormatInt(int64(c.ID), 10)
	l := requests.Linked{Number: strconv.FormatInt(c.Number, 10), URL: base}
	a, _ := authz.ActorFrom(ctx)
	on := "?request=" + url.QueryEscape(q.Number())
	if a.Can(authz.CustomerView) && a.Can(authz.CustomerAnonymise) {
		l.AnonymiseURL = base + "/anonymise" + on
	}
	// Restricting and recording an objection are the privacy officer's, who sees this page
	// (customer.ObjectionPermissions): they need the customer's page too.
	if a.Can(authz.CustomerView) {
		l.RestrictURL, l.ObjectURL = base+"/restrict"+on, base+"/objection"+on
	}
	if a.Can(authz.CustomerView) && a.Can(authz.CustomerDelete) {
		l.DeleteURL = base + "/delete" + on
	}
	if a.CanAll(gdpr.CopyPermissions...) {
		l.CopyURL = base + "/export.zip" + on
	}
	if a.Can(authz.CustomerView) && a.Can(authz.CustomerEdit) {
		l.EditURL = base + "/edit" + on
	}
	return l
}

// actionRow lists action a; an erasure links its entry in the erasure register (newest first, so a
// recent one is on the register's first page).
func actionRow(ctx context.Context, a domain.RequestAction) requests.Action {
	row := requests.Action{At: localMinute(a.At), By: orNone(ctx, a.ByName), KindKey: "requests.action." + string(a.Kind),
		Ref: a.Ref, Note: a.Note}
	if a.Kind == domain.ActionRectified { // the note names the changed fields (customer.Service.Rectify)
		row.Note = fieldLabels(ctx, a.Note)
	}
	if entry, ok := strings.CutPrefix(a.Ref, gdpr.ErasureRefPrefix); ok && a.Kind == domain.ActionErased {
		if _, err := strconv.ParseInt(entry, 10, 64); err == nil {
			row.Ref, row.RefURL = i18n.Tf(ctx, "requests.erasure_entry", entry), "/erasures#erasure-"+entry
		}
	}
	return row
}

// sentLetter lists letter l: when, how, by whom, and its PDF while it is kept.
func sentLetter(ctx context.Context, l domain.RequestLetter) requests.Sent {
	s := requests.Sent{Line: i18n.Tf(ctx, "letter.sent_line", localMinute(l.SentAt), i18n.T(ctx, "letter.method."+l.Method),
		orNone(ctx, l.SentByName)) + " · " + i18n.T(ctx, "letter.lang."+l.Language)}
	if l.ClearedAt != nil {
		s.Line += " · " + i18n.T(ctx, "letter.cleared")
	} else {
		s.PDFURL = requestURL(l.RequestID) + "/letters/" + strconv.FormatInt(l.ID, 10)
	}
	return s
}

// fieldLabels is a comma-separated list of customer field names by their labels; other text as it is.
func fieldLabels(ctx context.Context, names string) string {
	parts := strings.Split(names, ", ")
	for i, n := range parts {
		if label := accesscopy.ColumnLabel("customers", n); i18n.Has(label) {
			parts[i] = i18n.T(ctx, label)
		}
	}
	return strings.Join(parts, ", ")
}
