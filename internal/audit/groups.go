package audit

import (
	"slices"
	"strings"
)

// Group is a kind of event as a data protection officer asks about them: "who looked", "who changed",
// "what was erased". Its label is the message "audit.group."+Name.
type Group struct {
	Name    string
	Actions []string // the label ids of its actions, "action."+action
}

// Groups sorts every action into one group, each named by its label's message id ("action."+action) so
// that the catalogue's tests see them; a test keeps every labelled action in a group.
var Groups = []Group{
	{"views", []string{"action.customer.viewed", "action.quote.viewed", "action.credit_report.viewed", "action.outbox.attachment_viewed", "action.customer.identity_viewed"}},
	{"changes", []string{"action.customer.created", "action.customer.changed", "action.customer.consent_changed",
		"action.customer.objection_recorded", "action.customer.objection_lifted", "action.customer.contact_added",
		"action.customer.contact_removed", "action.credit_report.recorded", "action.quote.created", "action.quote.changed", "action.quote.status_changed",
		"action.supplier.created", "action.supplier.changed", "action.supplier.contact_added", "action.supplier.contact_removed", "action.supplier.deleted", "action.supplier.anonymised",
		"action.settings.company_changed", "action.settings.retention_changed", "action.privacy.texts_changed", "action.records.saved", "action.retention_rule.saved",
		"action.customer.restricted", "action.customer.restriction_lifted",
		"action.user.created", "action.user.invited", "action.user.details_changed", "action.user.language_changed", "action.seed.customers",
		"action.customer_import.checked", "action.customer_import.confirmed", "action.customer_import.batch", "action.customer_import.updated",
		"action.customer_import.finished"}},
	{"erasures", []string{"action.customer.anonymised", "action.customer.deleted", "action.customer.erased_match", "action.customer.erasure_replayed", "action.request.requester_cleared",
		"action.bulk_job.confirmed", "action.bulk_job.cancel_requested", "action.bulk_job.finished", "action.quote.snapshot_released",
		"action.retention_rule.ran", "action.retention_rule.approved", "action.customer.credit_reports_purged"}},
	{"exports", []string{"action.export.register", "action.export.emails", "action.export.labels", "action.export.audit", "action.export.requests", "action.customer.exported", "action.quote.emailed"}},
	{"sign_ins", []string{"action.auth.sign_in", "action.auth.sign_in_failed", "action.auth.sign_out", "action.user.password_reset", "action.user.password_link_issued", "action.user.password_set", "action.user.password_changed"}},
	{"refusals", []string{"action.authz.denied", "action.authz.denied_repeated", "action.user.password_link_refused"}},
	{"permissions", []string{"action.user.permissions_changed", "action.user.admin_granted", "action.user.admin_revoked", "action.user.activated", "action.user.deactivated", "action.user.erased"}},
	{"accountability", []string{"action.agreement.published", "action.agreement.sent", "action.agreement.accepted", "action.audit.chain_checked",
		"action.request.registered", "action.request.changed", "action.request.extended", "action.request.identified",
		"action.request.customer_linked", "action.request.action_recorded", "action.request.reminded", "action.request.retention_changed",
		"action.request.answer_sent"}},
}

// GroupActions are the actions of the named group; ok is false for a name that is no group.
func GroupActions(name string) (actions []string, ok bool) {
	i := slices.IndexFunc(Groups, func(g Group) bool { return g.Name == name })
	if i < 0 {
		return nil, false
	}
	for _, label := range Groups[i].Actions {
		actions = append(actions, strings.TrimPrefix(label, "action."))
	}
	return actions, true
}
