package domain

import "time"

// Objection is a customer's objection to direct marketing (GDPR art. 21(2)-(3)). It is absolute: while it is
// in force (LiftedAt nil) the customer is left out of every marketing export and label print. Only the
// person's own new consent lifts it.
type Objection struct {
	ID          int64
	CustomerID  CustomerID
	ObjectedOn  time.Time // the day the person objected (a date)
	Channel     string    // one of ObjectionChannels
	RecordedAt  time.Time
	RecordedBy  string // user name, for display
	CarriedOver bool   // carried over from an erased customer's objection (ObjectionHit)
	LiftedAt    *time.Time
	RequestID   *int64 // the data-subject request it came with, once the request register links it
}

// InForce reports whether the objection still applies.
func (o Objection) InForce() bool { return o.LiftedAt == nil }

// ObjectionChannels are the ways a person may object; the label of each is "objection.channel."+value.
var ObjectionChannels = []string{"letter", "email", "phone", "in_person", "other"}

// ObjectionConsentSource is the consent history's source of the withdrawal an objection makes.
const ObjectionConsentSource = "objection"

// ObjectionHit is an objection kept (as hashes, see SuppressionHashes) from an erased customer whose
// e-mail, phone or identity number a new customer shares: the new customer carries it.
type ObjectionHit struct {
	ObjectedOn time.Time
	Channel    string
}
