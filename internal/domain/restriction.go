package domain

import "errors"

// ErrRestricted refuses to process a customer whose processing is restricted (GDPR art. 18). The server
// answers it as "not found" to everyone who may not see restricted customers, so the answer tells them
// nothing about the customer's existence, and with an explanation to those who may.
var ErrRestricted = errors.New("processing restricted")

// RestrictionReason is why processing of a customer is restricted: one of the grounds of art. 18(1),
// chosen from a list, never typed text. Its label is the message "restriction.reason."+value.
type RestrictionReason string

// The grounds of art. 18(1) (a)–(d).
const (
	RestrictAccuracy    RestrictionReason = "accuracy_contested"  // (a) the person contests the data's accuracy
	RestrictUnlawful    RestrictionReason = "unlawful_processing" // (b) unlawful, and the person wants it kept
	RestrictLegalClaims RestrictionReason = "legal_claims"        // (c) no longer needed but the person needs it for legal claims
	RestrictObjection   RestrictionReason = "objection_pending"   // (d) an objection (art. 21(1)) is being weighed
)

// RestrictionReasons are the grounds in the order the form offers them (migration 000026 checks them).
var RestrictionReasons = []RestrictionReason{RestrictAccuracy, RestrictUnlawful, RestrictLegalClaims, RestrictObjection}

// Restricted reports whether processing of the customer is restricted now.
func (c Customer) Restricted() bool { return c.RestrictedAt != nil }

// VisibleTo refuses a restricted customer to someone who may not see restricted customers
// (authz.SeesRestricted): they get ErrRestricted, which reads to them as "not found".
func (c Customer) VisibleTo(seesRestricted bool) error {
	if c.Restricted() && !seesRestricted {
		return ErrRestricted
	}
	return nil
}

// LiftNoticeDue reports whether the restriction was lifted and the person is still to be told (art. 18(3)):
// the subject request's letter fulfils it and sets RestrictionLiftToldAt.
func (c Customer) LiftNoticeDue() bool {
	return !c.Restricted() && c.RestrictionLiftedAt != nil && c.RestrictionLiftToldAt == nil
}
