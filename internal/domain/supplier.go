package domain

import (
	"strings"
	"time"
)

// SupplierID identifies a supplier internally; Number is what people see.
type SupplierID int64

// Supplier is someone the company buys from.
type Supplier struct {
	ID         SupplierID
	Number     int64
	Name       string
	OrgNumber  string
	Email      string
	Phone      string
	Street     string
	PostalCode string
	City       string
	Country    string
	Bankgiro   string // NNN-NNNN or NNNN-NNNN
	Plusgiro   string // NNNNNN-N (2–8 digits)
	Notes      string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int
}

// SupplierInput is the typed supplier form, kept verbatim for redisplay.
type SupplierInput struct {
	Name, OrgNumber, Email, Phone, Street, PostalCode, City, Country, Bankgiro, Plusgiro, Notes string
}

// digitsOf keeps the digits of s, and reports whether s held nothing but digits, spaces and dashes.
func digitsOf(s string) (string, bool) {
	return Digits(s, "- ")
}

// ParseBankgiro accepts 7 or 8 digits with a valid check digit and returns NNN-NNNN or NNNN-NNNN.
func ParseBankgiro(s string) (string, error) {
	d, ok := digitsOf(strings.TrimSpace(s))
	if !ok || (len(d) != 7 && len(d) != 8) || !luhnOK(d) {
		return "", ErrInvalid
	}
	return d[:len(d)-4] + "-" + d[len(d)-4:], nil
}

// ParsePlusgiro accepts 2 to 8 digits with a valid check digit and returns them as NNNNNN-N.
func ParsePlusgiro(s string) (string, error) {
	d, ok := digitsOf(strings.TrimSpace(s))
	if !ok || len(d) < 2 || len(d) > 8 || !luhnOK(d) {
		return "", ErrInvalid
	}
	return d[:len(d)-1] + "-" + d[len(d)-1:], nil
}

// Validate checks the supplier form and returns the fields in canonical form, or FieldErrors.
func (in SupplierInput) Validate(now time.Time) (Supplier, error) {
	fe := FieldErrors{}
	CheckText(fe, map[string]string{"name": in.Name, "org_number": in.OrgNumber, "email": in.Email, "phone": in.Phone,
		"street": in.Street, "postal_code": in.PostalCode, "city": in.City, "country": in.Country,
		"bankgiro": in.Bankgiro, "plusgiro": in.Plusgiro, "notes": in.Notes}, "notes")
	if len(fe) > 0 {
		return Supplier{}, fe
	}
	// The address and contact fields follow the customer rules.
	c, err := CustomerInput{Kind: string(Company), Name: in.Name, IDNumber: in.OrgNumber, Email: in.Email,
		Phone: in.Phone, Street: in.Street, PostalCode: in.PostalCode, City: in.City, Country: in.Country,
		Notes: in.Notes}.Validate(now)
	if cfe, ok := err.(FieldErrors); ok {
		for k, v := range cfe {
			if k == "id_number" {
				k = "org_number"
			}
			fe[k] = v
		}
	}
	s := Supplier{Name: c.Name, OrgNumber: c.IDNumber, Email: c.Email, Phone: c.Phone, Street: c.Street,
		PostalCode: c.PostalCode, City: c.City, Country: c.Country, Notes: c.Notes}
	if v := strings.TrimSpace(in.Bankgiro); v != "" {
		if s.Bankgiro, err = ParseBankgiro(v); err != nil {
			fe["bankgiro"] = "error.bankgiro"
		}
	}
	if v := strings.TrimSpace(in.Plusgiro); v != "" {
		if s.Plusgiro, err = ParsePlusgiro(v); err != nil {
			fe["plusgiro"] = "error.plusgiro"
		}
	}
	if len(fe) > 0 {
		return Supplier{}, fe
	}
	return s, nil
}

// Input turns a stored supplier back into form values.
func (s Supplier) Input() SupplierInput {
	return SupplierInput{Name: s.Name, OrgNumber: s.OrgNumber, Email: s.Email, Phone: s.Phone, Street: s.Street,
		PostalCode: s.PostalCode, City: s.City, Country: s.Country, Bankgiro: s.Bankgiro, Plusgiro: s.Plusgiro, Notes: s.Notes}
}

// ChangedFields names the fields that differ between s and t, for the audit log.
func (s Supplier) ChangedFields(t Supplier) []string {
	var out []string
	for _, f := range []struct {
		name string
		a, b string
	}{{"name", s.Name, t.Name}, {"org_number", s.OrgNumber, t.OrgNumber}, {"email", s.Email, t.Email},
		{"phone", s.Phone, t.Phone}, {"street", s.Street, t.Street}, {"postal_code", s.PostalCode, t.PostalCode},
		{"city", s.City, t.City}, {"country", s.Country, t.Country}, {"bankgiro", s.Bankgiro, t.Bankgiro},
		{"plusgiro", s.Plusgiro, t.Plusgiro}, {"notes", s.Notes, t.Notes}} {
		if f.a != f.b {
			out = append(out, f.name)
		}
	}
	return out
}
