package domain

import (
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
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

// Customer is an entry of the customer register. Most fields are personal data (see gdpr's inventory).
type Customer struct {
	ID             CustomerID
	Number         int64
	Kind           CustomerKind
	Name           string
	IDNumber       string // personnummer (persons) or organisationsnummer (companies), canonical form
	Email          string
	Phone          string
	Street         string
	PostalCode     string
	City           string
	Country        string // ISO 3166-1 alpha-2
	Notes          string
	Consent        bool // marketing consent currently given
	CreatedAt      time.Time
	UpdatedAt      time.Time
	LastActivityAt time.Time
	AnonymisedAt   *time.Time
	Version        int // raised by every edit of the details
}

// Editable refuses changes to an anonymised customer: the record is locked for good.
func (c Customer) Editable() error {
	if c.AnonymisedAt != nil {
		return &ConflictError{Key: "customer.locked"}
	}
	return nil
}

// Billing is the customer's billing details, as a quote's snapshot takes them.
func (c Customer) Billing() Billing {
	return Billing{Name: c.Name, Street: c.Street, PostalCode: c.PostalCode, City: c.City, Email: c.Email}
}

// CustomerInput is what a user typed in the customer form, kept verbatim so a form with errors shows it
// again unchanged.
type CustomerInput struct {
	Kind       string
	Name       string
	IDNumber   string
	Email      string
	Phone      string
	Street     string
	PostalCode string
	City       string
	Country    string
	Notes      string
}

// Field length limits, generous for real data and small enough to keep pages and indexes sane.
const (
	maxName  = 200
	maxLine  = 200
	maxNotes = 5000
)

// ValidText reports whether s can be stored and shown: valid UTF-8 without control characters (line
// breaks and tabs allowed where multiline).
func ValidText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}

// CheckText marks every field whose raw value cannot be stored, before other checks look at it.
func CheckText(fe FieldErrors, fields map[string]string, multiline ...string) {
	for name, v := range fields {
		if !ValidText(v, slices.Contains(multiline, name)) {
			fe[name] = "error.text"
		}
	}
}

// Validate checks the input and returns the customer fields in canonical form, or FieldErrors naming the
// message id per field. now decides the century of short personnummer.
func (in CustomerInput) Validate(now time.Time) (Customer, error) {
	fe := FieldErrors{}
	CheckText(fe, map[string]string{"name": in.Name, "id_number": in.IDNumber, "email": in.Email, "phone": in.Phone,
		"street": in.Street, "postal_code": in.PostalCode, "city": in.City, "country": in.Country, "notes": in.Notes}, "notes")
	if len(fe) > 0 {
		return Customer{}, fe
	}
	c := Customer{
		Kind:    CustomerKind(in.Kind),
		Name:    strings.TrimSpace(in.Name),
		Street:  strings.TrimSpace(in.Street),
		City:    strings.TrimSpace(in.City),
		Country: strings.ToUpper(strings.TrimSpace(in.Country)),
		Notes:   strings.TrimSpace(in.Notes),
	}
	if c.Kind != Person && c.Kind != Company {
		fe["kind"] = "error.kind"
	}
	switch {
	case c.Name == "":
		fe["name"] = "error.required"
	case utf8.RuneCountInString(c.Name) > maxName:
		fe["name"] = "error.too_long"
	}
	if c.Country == "" {
		c.Country = "SE"
	}
	if len(c.Country) != 2 || c.Country[0] < 'A' || c.Country[0] > 'Z' || c.Country[1] < 'A' || c.Country[1] > 'Z' {
		fe["country"] = "error.country"
	}
	if v := strings.TrimSpace(in.IDNumber); v != "" && (c.Kind == Person || c.Kind == Company) {
		var err error
		if c.IDNumber, err = parseIDNumber(c.Kind, v, now); err != nil {
			fe["id_number"] = idMessage(err)
		}
	}
	if v := strings.TrimSpace(in.Email); v != "" {
		var err error
		if c.Email, err = NormalizeEmail(v); err != nil {
			fe["email"] = "error.email"
		}
	}
	if v := strings.TrimSpace(in.Phone); v != "" {
		var err error
		if c.Phone, err = ParsePhone(v); err != nil {
			fe["phone"] = "error.phone"
		}
	}
	if v := strings.TrimSpace(in.PostalCode); v != "" {
		if c.Country == "SE" {
			var err error
			if c.PostalCode, err = ParsePostalCode(v); err != nil {
				fe["postal_code"] = "error.postal_code"
			}
		} else {
			c.PostalCode = v
		}
	}
	for field, v := range map[string]string{"street": c.Street, "city": c.City, "postal_code": c.PostalCode} {
		if utf8.RuneCountInString(v) > maxLine {
			fe[field] = "error.too_long"
		}
	}
	if utf8.RuneCountInString(c.Notes) > maxNotes {
		fe["notes"] = "error.too_long"
	}
	if len(fe) > 0 {
		return Customer{}, fe
	}
	return c, nil
}

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

// Input turns a stored customer back into form values for editing.
func (c Customer) Input() CustomerInput {
	return CustomerInput{Kind: string(c.Kind), Name: c.Name, IDNumber: c.IDNumber, Email: c.Email, Phone: c.Phone,
		Street: c.Street, PostalCode: c.PostalCode, City: c.City, Country: c.Country, Notes: c.Notes}
}

// ChangedFields lists the names of the fields that differ between c and d, for the audit log.
func (c Customer) ChangedFields(d Customer) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("kind", c.Kind != d.Kind)
	add("name", c.Name != d.Name)
	add("id_number", c.IDNumber != d.IDNumber)
	add("email", c.Email != d.Email)
	add("phone", c.Phone != d.Phone)
	add("street", c.Street != d.Street)
	add("postal_code", c.PostalCode != d.PostalCode)
	add("city", c.City != d.City)
	add("country", c.Country != d.Country)
	add("notes", c.Notes != d.Notes)
	return out
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
	RecordedAt time.Time
	RecordedBy string
}

// CustomerSort names an order of the customer list.
type CustomerSort string

// Sort orders of the customer list.
const (
	SortName     CustomerSort = "name"
	SortNumber   CustomerSort = "number"
	SortCreated  CustomerSort = "created"
	SortActivity CustomerSort = "activity"
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
