package domain

import (
	"strings"
	"time"
)

// SupplierID identifies a supplier internally; Number is what people see.
type SupplierID int64

// Supplier is someone the company buys from.
type Supplier struct {
	ID         SupplierID `db:"id"`
	Number     int64      `db:"number"`
	Name       string     `db:"name"`
	OrgNumber  string     `db:"org_number"`
	Email      string     `db:"email"`
	Phone      string     `db:"phone"`
	Street     string     `db:"street"`
	PostalCode string     `db:"postal_code"`
	City       string     `db:"city"`
	Country    string     `db:"country"`
	Bankgiro   string     `db:"bankgiro"` // NNN-NNNN or NNNN-NNNN
	Plusgiro   string     `db:"plusgiro"` // NNNNNN-N (2–8 digits)
	Notes      string     `db:"notes"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
	Version    int        `db:"version"`
	// AnonymisedAt: the supplier, a person, was anonymised (supplier.Inventory); it is locked.
	AnonymisedAt *time.Time `db:"anonymised_at"`
}

// SupplierInput is the typed supplier form, kept verbatim for redisplay.
type SupplierInput struct {
	Name       string `form:"name"`
	OrgNumber  string `form:"org_number"`
	Email      string `form:"email"`
	Phone      string `form:"phone"`
	Street     string `form:"street"`
	PostalCode string `form:"postal_code"`
	City       string `form:"city"`
	Country    string `form:"country"`
	Bankgiro   string `form:"bankgiro"`
	Plusgiro   string `form:"plusgiro"`
	Notes      string `form:"notes"`
}

// SupplierFields are the columns of suppliers, in the order audit details name them. The address and
// contact fields follow the customer rules; a supplier's number is read as a company's.
var SupplierFields = Fields{
	{Name: "id"},
	{Name: "number"},
	{Name: "name", Label: "customer.name", Input: InputText, Required: true, Max: maxName},
	{Name: "org_number", Label: "customer.orgnumber", Input: InputText, Check: optional(checkOrgNumber)},
	{Name: "email", Label: "customer.email", Input: InputText, Check: optional(checkEmail)},
	{Name: "phone", Label: "customer.phone", Input: InputText, Check: optional(checkPhone)},
	{Name: "street", Label: "customer.street", Input: InputText, Max: maxLine},
	{Name: "postal_code", Label: "customer.postal_code", Input: InputText, Check: optional(checkPostalCode), Max: maxLine},
	{Name: "city", Label: "customer.city", Input: InputText, Max: maxLine},
	{Name: "country", Label: "customer.country", Input: InputCountry, Canon: CountryCode, Check: checkCountry},
	{Name: "bankgiro", Label: "supplier.bankgiro", Input: InputText, Check: optional(checkBankgiro)},
	{Name: "plusgiro", Label: "supplier.plusgiro", Input: InputText, Check: optional(checkPlusgiro)},
	{Name: "notes", Label: "customer.notes", Input: InputLines, Max: maxNotes},
	{Name: "created_at"},
	{Name: "updated_at"},
	{Name: "version"},
	{Name: "search_text", Generated: true},
	{Name: "anonymised_at"},
}

// ParseBankgiro accepts 7 or 8 digits with a valid check digit and returns NNN-NNNN or NNNN-NNNN.
func ParseBankgiro(s string) (string, error) {
	d, ok := Digits(strings.TrimSpace(s), "- ") // giro numbers are written with spaces and dashes
	if !ok || (len(d) != 7 && len(d) != 8) || !luhnOK(d) {
		return "", ErrInvalid
	}
	return d[:len(d)-4] + "-" + d[len(d)-4:], nil
}

// ParsePlusgiro accepts 2 to 8 digits with a valid check digit and returns them as NNNNNN-N.
func ParsePlusgiro(s string) (string, error) {
	d, ok := Digits(strings.TrimSpace(s), "- ")
	if !ok || len(d) < 2 || len(d) > 8 || !luhnOK(d) {
		return "", ErrInvalid
	}
	return d[:len(d)-1] + "-" + d[len(d)-1:], nil
}

// Validate checks the supplier form and returns the fields in canonical form, or FieldErrors.
func (in SupplierInput) Validate(now time.Time) (Supplier, error) {
	return validate[Supplier](SupplierFields, in, now)
}

// Input turns a stored supplier back into form values.
func (s Supplier) Input() SupplierInput { return formInput[SupplierInput](SupplierFields, s) }

// ChangedFields names the fields that differ between s and t, for the audit log.
func (s Supplier) ChangedFields(t Supplier) []string { return changedFields(SupplierFields, s, t) }

func checkOrgNumber(v string, _ func(string) string, now time.Time) (string, string) {
	n, err := parseIDNumber(Company, v, now)
	if err != nil {
		return "", idMessage(err)
	}
	return n, ""
}
