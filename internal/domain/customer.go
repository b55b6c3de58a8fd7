package domain

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// CustomerID identifies a customer internally; Number is what people see and say.
type CustomerID int64

// CustomerKind is a private person or a company.
type CustomerKind string

// Customer kinds.
const (
	Person  CustomerKind = "person"
	Company CustomerKind = "company"
)

// Editable refuses changes to an anonymised customer (the record is locked for good) and to a restricted
// one (ErrRestricted: stored, not processed, until the restriction is lifted).
func (c Customer) Editable() error {
	if c.AnonymisedAt != nil {
		return &ConflictError{Key: "customer.locked"}
	}
	if c.Restricted() {
		return ErrRestricted
	}
	return nil
}

// Billing is the customer's billing details, as a quote's snapshot takes them.
func (c Customer) Billing() Billing {
	return Billing{Name: c.Name, Street: c.Street, PostalCode: c.PostalCode, City: c.City, Email: c.Email}
}

// Field length limits, generous for real data and small enough to keep pages and indexes sane.
const (
	maxName  = 200
	maxLine  = 200
	maxNotes = 5000
)

// parseIDNumber reads a person's personnummer or a company's organisation number. A sole trader's
// (enskild firma) organisation number is the owner's personnummer, so a company's number shaped like one
// is read as one.
func parseIDNumber(kind CustomerKind, s string, now time.Time) (string, error) {
	if kind == Company {
		n, err := ParseOrgNumber(s)
		var ie *IDError
		if !errors.As(err, &ie) || ie.Fault != FaultPersonal {
			return n, err
		}
	}
	return ParsePersonnummer(s, now)
}

// idMessages is the message shown beside the field for each fault of a typed number. FaultPersonal has
// none: parseIDNumber reads such a number as a personnummer.
var idMessages = map[IDError]string{
	{SchemePersonnummer, FaultFormat}:   "error.personnummer.format",
	{SchemePersonnummer, FaultSpace}:    "error.personnummer.space",
	{SchemePersonnummer, FaultDate}:     "error.personnummer.date",
	{SchemePersonnummer, FaultPlus}:     "error.personnummer.plus",
	{SchemePersonnummer, FaultSerial}:   "error.personnummer.serial",
	{SchemePersonnummer, FaultChecksum}: "error.personnummer.checksum",
	{SchemeOrgNumber, FaultFormat}:      "error.orgnumber.format",
	{SchemeOrgNumber, FaultSpace}:       "error.orgnumber.space",
	{SchemeOrgNumber, FaultGroup}:       "error.orgnumber.group",
	{SchemeOrgNumber, FaultChecksum}:    "error.orgnumber.checksum",
}

// idMessage is the message id for an error of ParsePersonnummer or ParseOrgNumber; a fault without a
// message of its own (none today) gets the one naming the accepted forms.
func idMessage(err error) string {
	var ie *IDError
	if errors.As(err, &ie) {
		if m, ok := idMessages[*ie]; ok {
			return m
		}
	}
	return idMessages[IDError{SchemePersonnummer, FaultFormat}]
}

// Contact is a contact person at a company customer.
type Contact struct {
	ID         int64
	CustomerID CustomerID
	Name       string
	Role       string
	Email      string
	Phone      string
}

// ContactInput is the typed contact form.
type ContactInput struct {
	Name, Role, Email, Phone string
}

// Validate checks a contact.
func (in ContactInput) Validate() (Contact, error) {
	fe := FieldErrors{}
	CheckText(fe, map[string]string{"contact_name": in.Name, "contact_role": in.Role, "contact_email": in.Email,
		"contact_phone": in.Phone})
	if len(fe) > 0 {
		return Contact{}, fe
	}
	c := Contact{Name: strings.TrimSpace(in.Name), Role: strings.TrimSpace(in.Role)}
	if c.Name == "" {
		fe["contact_name"] = "error.required"
	} else if utf8.RuneCountInString(c.Name) > maxName {
		fe["contact_name"] = "error.too_long"
	}
	if utf8.RuneCountInString(c.Role) > maxLine {
		fe["contact_role"] = "error.too_long"
	}
	if v := strings.TrimSpace(in.Email); v != "" {
		var err error
		if c.Email, err = NormalizeEmail(v); err != nil {
			fe["contact_email"] = "error.email"
		}
	}
	if v := strings.TrimSpace(in.Phone); v != "" {
		var err error
		if c.Phone, err = ParsePhone(v); err != nil {
			fe["contact_phone"] = "error.phone"
		}
	}
	if len(fe) > 0 {
		return Contact{}, fe
	}
	return c, nil
}

// ConsentChange is one entry of a customer's marketing consent history.
type ConsentChange struct {
	At         time.Time
	Given      bool
	Source     string // how: "form", "phone", "e-mail", "paper", "import", "seed"
	RecordedBy string // user name, for display
}

// ConsentSources are the ways consent can be given or withdrawn.
var ConsentSources = []string{"form", "phone", "email", "paper", "meeting"}

// CreditReport is a credit report taken from a bureau on a customer.
type CreditReport struct {
	ID         int64
	CustomerID CustomerID
	Bureau     string
	TakenOn    time.Time // date
	Rating     string
	LimitOre   int64 // credit limit in öre
	Remarks    string
	Need       CreditNeed
	Reference  string // the bureau's reference of the report
	RecordedAt time.Time
	RecordedBy string
}

// CreditNeed is the legitimate need a credit report rests on. Kreditupplysningslagen (1973:1173) 9 §
// lets a credit report on a private person be given only to one who has a legitimate need of it, judged by
// whether a credit agreement or a comparable agreement has been or is to be made with the person, or
// there is another comparable reason to assess the person's finances (paraphrased; the bureau checks it,
// and the company must be able to show what its need was). Its label is "credit.need."+value.
type CreditNeed string

// Credit needs.
const (
	NeedCreditApplication CreditNeed = "credit_application" // the person applies for credit
	NeedExistingAgreement CreditNeed = "existing_agreement" // an agreement with the person exists
	NeedRiskAssessment    CreditNeed = "risk_assessment"    // another assessment of the person's financial risk
	NeedUnrecorded        CreditNeed = "unrecorded"         // recorded before the need was asked (migration 31)
)

// CreditNeeds are the needs the form offers.
var CreditNeeds = []CreditNeed{NeedCreditApplication, NeedExistingAgreement, NeedRiskAssessment}

// CustomerSort names an order of the customer list.
type CustomerSort string

// Sort orders of the customer list.
const (
	SortName     CustomerSort = "name"
	SortNumber   CustomerSort = "number"
	SortCreated  CustomerSort = "created"
	SortActivity CustomerSort = "activity"
	SortIDNumber CustomerSort = "id_number"
	SortEmail    CustomerSort = "email"
	SortPhone    CustomerSort = "phone"
	SortCity     CustomerSort = "city"
)

// CustomerFilter selects and orders a page of the customer register. Cursors are customer ids, so no
// personal data ends up in page links.
type CustomerFilter struct {
	Q           string
	Kind        CustomerKind // "" for both
	City        string
	Consent     string // "", "yes" or "no"
	CreatedFrom *time.Time
	CreatedTo   *time.Time // exclusive
	ActiveFrom  *time.Time
	ActiveTo    *time.Time // exclusive
	Sort        CustomerSort
	Desc        bool
	After       CustomerID // the page after this row
	Before      CustomerID // the page before this row
	Last        bool       // the last page
	Limit       int
	// ShowRestricted lists restricted customers too, marked (see Segment.ShowRestricted).
	ShowRestricted bool
}

// CustomerPage is one page of the list, in display order.
type CustomerPage struct {
	Rows    []Customer
	HasPrev bool
	HasNext bool
	Total   int  // matching rows, counted up to TotalCap
	Capped  bool // more than TotalCap match
}

// TotalCap bounds the count shown above the list, so counting never scans a million rows.
const TotalCap = 1000
