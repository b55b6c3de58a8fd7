package domain

import (
	"strings"
	"time"
)

// CompanyDetails are the company's own details, which its quote documents print: who sends them, how to reach
// it, its VAT registration number, the default terms, and the language documents are written in (no
// customer has a language of their own).
type CompanyDetails struct {
	Name       string `db:"company_name"`
	OrgNumber  string `db:"company_org_number"`
	Street     string `db:"company_street"`
	PostalCode string `db:"company_postal_code"`
	City       string `db:"company_city"`
	Email      string `db:"company_email"`
	Phone      string `db:"company_phone"`
	VATNumber  string `db:"company_vat_number"` // momsregistreringsnummer: SE + the organisation number + 01
	QuoteTerms string `db:"quote_terms"`        // printed under a quote's lines: payment terms and the like
	Language   string `db:"document_language"`  // "sv" or "en"
}

// CompanyInput is the typed company form, kept verbatim for redisplay.
type CompanyInput struct {
	Name       string `form:"company_name"`
	OrgNumber  string `form:"company_org_number"`
	Street     string `form:"company_street"`
	PostalCode string `form:"company_postal_code"`
	City       string `form:"company_city"`
	Email      string `form:"company_email"`
	Phone      string `form:"company_phone"`
	VATNumber  string `form:"company_vat_number"`
	QuoteTerms string `form:"quote_terms"`
	Language   string `form:"document_language"`
}

// maxTerms bounds the quote terms: a few paragraphs, which still leave the document's lines room.
const maxTerms = 2000

// CompanyFields are the company's columns of settings, in the order the form shows them and audit
// details name them.
var CompanyFields = Fields{
	{Name: "company_name", Label: "company.name", Input: InputText, Required: true, Max: maxName},
	{Name: "company_org_number", Label: "company.org_number", Input: InputText, Check: optional(checkOrgNumber)},
	{Name: "company_street", Label: "company.street", Input: InputText, Max: maxLine},
	{Name: "company_postal_code", Label: "company.postal_code", Input: InputText,
		Check: optional(parsed(ParsePostalCode, "error.postal_code"))},
	{Name: "company_city", Label: "company.city", Input: InputText, Max: maxLine},
	{Name: "company_email", Label: "company.email", Input: InputText, Check: optional(checkEmail)},
	{Name: "company_phone", Label: "company.phone", Input: InputText, Check: optional(checkPhone)},
	{Name: "company_vat_number", Label: "company.vat_number", Input: InputText, Canon: canonVATNumber,
		Check: optional(checkVATNumber)},
	{Name: "quote_terms", Label: "company.quote_terms", Input: InputLines, Max: maxTerms},
	{Name: "document_language", Label: "company.language", Input: InputChoice, Check: checkLanguage},
}

// Validate checks the company form and returns the details in canonical form, or FieldErrors.
func (in CompanyInput) Validate(now time.Time) (CompanyDetails, error) {
	return validate[CompanyDetails](CompanyFields, in, now)
}

// Input turns the stored details back into form values.
func (c CompanyDetails) Input() CompanyInput { return formInput[CompanyInput](CompanyFields, c) }

// ChangedFields names the fields that differ between c and d, for the audit log.
func (c CompanyDetails) ChangedFields(d CompanyDetails) []string {
	return changedFields(CompanyFields, c, d)
}

// canonVATNumber writes a VAT number as Skatteverket does: capitals, no spaces or dashes.
func canonVATNumber(v string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\u00a0", "").Replace(v))
}

// checkVATNumber accepts a Swedish VAT registration number, SE + twelve digits ending in 01, whose ten
// digits are the organisation number given beside it (a sole trader's: the personnummer without century).
func checkVATNumber(v string, other func(string) string, _ time.Time) (string, string) {
	digits, only := Digits(strings.TrimPrefix(v, "SE"), "")
	if !strings.HasPrefix(v, "SE") || !only || len(digits) != 12 || !strings.HasSuffix(digits, "01") {
		return "", "error.vat_number"
	}
	if org, _ := Digits(other("company_org_number"), "-+"); len(org) >= 10 && org[len(org)-10:] != digits[:10] {
		return "", "error.vat_number_org"
	}
	return v, ""
}

func checkLanguage(v string, _ func(string) string, _ time.Time) (string, string) {
	if !ValidLanguage(v) {
		return "", "error.language"
	}
	return v, ""
}
