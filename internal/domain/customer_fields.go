package domain

import "time"

// The customer fields, declared once: a new column of customers is a field of Customer (and of
// CustomerInput when typed in the form) and an entry of CustomerFields, besides its migration, its input
// in templates/customers/form.templ and its words in the catalogue (its label, its export heading and,
// for personal data, gdpr.col.customers.<name> of the subject-access copy). Tests fail where one is
// missing; the export tests that pin the register's exact columns then show the new one too.

// Customer is an entry of the customer register. Most fields are personal data (see gdpr's inventory).
type Customer struct {
	ID             CustomerID   `db:"id"`
	Number         int64        `db:"number"`
	Kind           CustomerKind `db:"kind"`
	Name           string       `db:"name"`
	IDNumber       string       `db:"id_number"` // personnummer (persons) or organisationsnummer (companies), canonical form
	Email          string       `db:"email"`
	Phone          string       `db:"phone"`
	Street         string       `db:"street"`
	PostalCode     string       `db:"postal_code"`
	City           string       `db:"city"`
	Country        string       `db:"country"` // ISO 3166-1 alpha-2
	Notes          string       `db:"notes"`
	Consent        bool         `db:"marketing_consent"` // marketing consent currently given
	CreatedAt      time.Time    `db:"created_at"`
	UpdatedAt      time.Time    `db:"updated_at"`
	LastActivityAt time.Time    `db:"last_activity_at"`
	AnonymisedAt   *time.Time   `db:"anonymised_at"`
	Version        int          `db:"version"` // raised by every edit of the details
	// Restriction of processing (GDPR art. 18), see restriction.go: set while restricted; the lifted
	// columns tell when and by whom it was last lifted, and whether the person has been told.
	RestrictedAt          *time.Time         `db:"restricted_at"`
	RestrictedBy          *UserID            `db:"restricted_by"`
	RestrictionReason     *RestrictionReason `db:"restriction_reason"`
	RestrictionRequestID  *int64             `db:"restriction_request_id"`
	RestrictionLiftedAt   *time.Time         `db:"restriction_lifted_at"`
	RestrictionLiftedBy   *UserID            `db:"restriction_lifted_by"`
	RestrictionLiftToldAt *time.Time         `db:"restriction_lift_told_at"`
}

// CustomerInput is what a user typed in the customer form, kept verbatim so a form with errors shows it
// again unchanged.
type CustomerInput struct {
	Kind       string `form:"kind"`
	Name       string `form:"name"`
	IDNumber   string `form:"id_number"`
	Email      string `form:"email"`
	Phone      string `form:"phone"`
	Street     string `form:"street"`
	PostalCode string `form:"postal_code"`
	City       string `form:"city"`
	Country    string `form:"country"`
	Notes      string `form:"notes"`
}

// InternalKey is the reason kept for a column that is only a key.
const InternalKey = "internal key"

const keepStats = "date: statistics"

const keepRestriction = "restriction of processing (art. 18): a kind of reason, ids and times, no free text"

// CustomerFields are the columns of customers, in the order the customer page shows them and audit
// details name them; the register export follows it too, with free text over several lines last.
var CustomerFields = Fields{
	{Name: "id", Keep: InternalKey},
	{Name: "number", Heading: "export.col.number",
		Keep: "customer number: kept so the erasure register and accounting records can refer to it"},
	{Name: "kind", Label: "customer.kind", Heading: "export.col.kind", Input: InputChoice, Canon: keepAsTyped,
		Check: checkKind, Show: ShowWord, Keep: "private person or company: statistics"},
	{Name: "name", Label: "customer.name", Heading: "export.col.name", Input: InputText, Required: true, Max: maxName,
		Clear: ClearPlaceholder},
	{Name: "id_number", Label: "customer.id_number", Heading: "export.col.id_number", Input: InputText,
		Check: optional(checkIDNumber), Show: ShowIdentity, Clear: ClearEmpty, Plain: true}, // digits and a dash
	{Name: "email", Label: "customer.email", Heading: "export.col.email", Input: InputText, Check: optional(checkEmail),
		Show: ShowText, Clear: ClearEmpty},
	// ParsePhone lets through digits, spaces, dashes, parentheses and one leading +: no formula.
	{Name: "phone", Label: "customer.phone", Heading: "export.col.phone", Input: InputText, Check: optional(checkPhone),
		Show: ShowText, Clear: ClearEmpty, Plain: true},
	{Name: "street", Label: "customer.street", Heading: "export.col.street", Input: InputText, Max: maxLine,
		Show: ShowAddress, Clear: ClearEmpty},
	{Name: "postal_code", Label: "customer.postal_code", Heading: "export.col.postal_code", Input: InputText,
		Check: optional(checkPostalCode), Max: maxLine, Show: ShowAddress, Clear: ClearEmpty},
	{Name: "city", Label: "customer.city", Heading: "export.col.city", Input: InputText, Max: maxLine,
		Show: ShowAddress, Clear: ClearEmpty},
	{Name: "country", Label: "customer.country", Heading: "export.col.country", Input: InputCountry, Canon: CountryCode,
		Check: checkCountry, Show: ShowCountry, Keep: "country code alone identifies nobody: statistics"},
	{Name: "notes", Label: "customer.notes", Heading: "export.col.notes", Input: InputLines, Max: maxNotes,
		Show: ShowText, Clear: ClearEmpty},
	// Given and withdrawn on the customer page, with its history; cleared like the fields.
	{Name: "marketing_consent", Heading: "export.col.marketing_consent", Clear: ClearFalse},
	{Name: "created_at", Label: "customer.created_at", Heading: "export.col.created", Show: ShowMinute, Keep: keepStats},
	{Name: "updated_at", Keep: keepStats},
	{Name: "last_activity_at", Label: "customer.last_activity", Heading: "export.col.last_activity", Show: ShowMinute,
		Keep: keepStats},
	{Name: "anonymised_at", Keep: "when the customer was anonymised"},
	{Name: "version", Keep: "edit counter"},
	// The restriction (art. 18) is the controller's duty towards the person, kept while the record is.
	{Name: "restricted_at", Keep: keepRestriction},
	{Name: "restricted_by", Keep: keepRestriction},
	{Name: "restriction_reason", Keep: keepRestriction},
	{Name: "restriction_request_id", Keep: keepRestriction},
	{Name: "restriction_lifted_at", Keep: keepRestriction},
	{Name: "restriction_lifted_by", Keep: keepRestriction},
	{Name: "restriction_lift_told_at", Keep: keepRestriction},
	// Generated from the fields above for searching and filtering; anonymisation clears them through those.
	{Name: "city_key", Generated: true, Clear: ClearDerived},
	{Name: "search_text", Generated: true, Clear: ClearDerived},
	{Name: "phone_digits", Generated: true, Clear: ClearDerived},
	{Name: "id_digits", Generated: true, Clear: ClearDerived},
}

// Validate checks the input and returns the customer fields in canonical form, or FieldErrors naming the
// message id per field. now decides the century of short personnummer.
func (in CustomerInput) Validate(now time.Time) (Customer, error) {
	return validate[Customer](CustomerFields, in, now)
}

// Input turns a stored customer back into form values for editing.
func (c Customer) Input() CustomerInput { return formInput[CustomerInput](CustomerFields, c) }

// ChangedFields lists the names of the fields that differ between c and d, for the audit log.
func (c Customer) ChangedFields(d Customer) []string { return changedFields(CustomerFields, c, d) }

// keepAsTyped leaves a choice as it came: it is one of the choices or wrong.
func keepAsTyped(v string) string { return v }

func checkKind(v string, _ func(string) string, _ time.Time) (string, string) {
	if k := CustomerKind(v); k != Person && k != Company {
		return v, "error.kind"
	}
	return v, ""
}

// checkIDNumber reads the number by the customer's kind; without a valid kind there is nothing to read
// it by (kind has its own message).
func checkIDNumber(v string, other func(string) string, now time.Time) (string, string) {
	kind := CustomerKind(other("kind"))
	if kind != Person && kind != Company {
		return v, ""
	}
	n, err := parseIDNumber(kind, v, now)
	if err != nil {
		return "", idMessage(err)
	}
	return n, ""
}
