package gdpr

import "github.com/affar/affar/internal/domain"

var row = domain.ClearRow

var customerPersonal, customerKept = domain.CustomerFields.PII()

// Plain reports whether the inventory declares column of table plain (validated so that it cannot start
// a formula): exports write such values without the formula guard.
func Plain(table, column string) bool {
	for _, t := range Inventory {
		for _, c := range t.Personal {
			if t.Name == table && c.Name == column {
				return c.Plain
			}
		}
	}
	return false
}

// Inventory is every table and column holding a customer's personal data (DESIGN.md §4). Anonymise,
// delete, the subject-access export and the completeness tests read it; TestInventoryCoversTheSchema
// fails when a column of a table that refers to customers is neither listed here as personal nor
// explained as not personal.
var Inventory = []domain.PIITable{
	{
		// The columns as domain.CustomerFields declares them.
		Name: "customers", Link: "id", Erase: domain.EraseFields,
		Personal: customerPersonal, NotPersonal: customerKept,
		// Marketing consent is a column here: direct marketing rests on it (art. 6(1)(a)).
		Bases:   []domain.LegalBasis{domain.BasisContract, domain.BasisConsent},
		Purpose: "gdpr.purpose.customers", Source: "gdpr.source.subject",
	},
	{
		Name: "customer_contacts", CountKey: "contacts", Link: "customer_id", Erase: domain.EraseRows,
		Personal: []domain.PIIColumn{{Name: "name", Clear: row}, {Name: "role", Clear: row},
			{Name: "email", Clear: row}, {Name: "phone", Clear: row, Plain: true}},
		NotPersonal: map[string]string{"id": InternalKey, "customer_id": InternalKey},
		Bases:       []domain.LegalBasis{domain.BasisLegitimateInterest},
		Purpose:     "gdpr.purpose.customer_contacts", Source: "gdpr.source.customer_company",
	},
	{
		Name: "customer_consents", CountKey: "consent_changes", Link: "customer_id", Erase: domain.EraseRows,
		Personal: []domain.PIIColumn{{Name: "given", Clear: row}, {Name: "at", Clear: row},
			{Name: "source", Clear: row}, {Name: "recorded_by", Clear: row}},
		NotPersonal: map[string]string{"id": InternalKey, "customer_id": InternalKey},
		// Art. 7(1): the controller must be able to show that consent was given.
		Bases:   []domain.LegalBasis{domain.BasisLegalObligation},
		Purpose: "gdpr.purpose.customer_consents", Source: "gdpr.source.subject",
	},
	{
		// Objections to direct marketing (art. 21(2)-(3)). Erasure removes the rows; the objection itself
		// outlives it as keyed hashes in objection_hashes (no personal data in clear, see keepHashes).
		Name: "marketing_objections", CountKey: "consent_changes", Link: "customer_id", Erase: domain.EraseRows,
		Personal: []domain.PIIColumn{{Name: "objected_on", Clear: row}, {Name: "channel", Clear: row},
			{Name: "recorded_at", Clear: row}, {Name: "recorded_by", Clear: row}, {Name: "carried_over", Clear: row},
			{Name: "lifted_at", Clear: row}},
		NotPersonal: map[string]string{"id": InternalKey, "customer_id": InternalKey,
			"request_id": "internal key of the data-subject request it came with"},
		// Art. 21(3) obliges the controller to stop; keeping the objection is how it does (art. 6(1)(c)).
		Bases:   []domain.LegalBasis{domain.BasisLegalObligation},
		Purpose: "gdpr.purpose.marketing_objections", Source: "gdpr.source.subject",
	},
	{
		Name: "credit_reports", CountKey: "credit_reports", Link: "customer_id", Erase: domain.EraseRows,
		Personal: []domain.PIIColumn{{Name: "bureau", Clear: row}, {Name: "taken_on", Clear: row},
			{Name: "rating", Clear: row}, {Name: "limit_ore", Clear: row}, {Name: "remarks", Clear: row},
			{Name: "need", Clear: row}, {Name: "reference", Clear: row},
			{Name: "recorded_at", Clear: row}, {Name: "recorded_by", Clear: row}},
		NotPersonal: map[string]string{"id": InternalKey, "customer_id": InternalKey},
		Bases:       []domain.LegalBasis{domain.BasisLegitimateInterest},
		Purpose:     "gdpr.purpose.credit_reports", Source: "gdpr.source.credit_bureau",
	},
	{
		Name: "quotes", Link: "customer_id", Erase: domain.EraseSnapshot,
		Personal: []domain.PIIColumn{
			{Name: "billing_name", Clear: domain.ClearPlaceholder},
			{Name: "billing_street", Clear: domain.ClearEmpty},
			{Name: "billing_postal_code", Clear: domain.ClearEmpty},
			{Name: "billing_city", Clear: domain.ClearEmpty},
			{Name: "billing_email", Clear: domain.ClearEmpty},
		},
		NotPersonal: map[string]string{
			"id": InternalKey, "customer_id": InternalKey,
			"number":      "quote number: an accounting reference",
			"status":      "statistics",
			"quote_date":  "date: statistics",
			"valid_until": "date: statistics",
			"net_ore":     "amount: statistics and bookkeeping",
			"vat_ore":     "amount: statistics and bookkeeping",
			"total_ore":   "amount: statistics and bookkeeping",
			"created_at":  "date: statistics",
			"updated_at":  "date: statistics",
			"sent_at":     "date: statistics",
			"decided_at":  "date: statistics and the retention period",
			"version":     "edit counter",
			"held_until":  "end of the retention hold on the billing snapshot",
		},
		// A quote is a step towards a contract; an accepted one is an accounting record (Bokföringslagen).
		Bases:   []domain.LegalBasis{domain.BasisContract, domain.BasisLegalObligation},
		Purpose: "gdpr.purpose.quotes", Source: "gdpr.source.subject",
	},
	{
		// Line descriptions are free text and may name the customer ("Badrum hos …"): cleared with the
		// billing snapshot, and kept as long as it is held.
		Name: "quote_lines", Parent: "quotes", Link: "quote_id", Erase: domain.EraseSnapshot,
		Personal: []domain.PIIColumn{{Name: "description", Clear: domain.ClearEmpty}},
		NotPersonal: map[string]string{
			"quote_id":       InternalKey,
			"position":       "line order",
			"qty_milli":      "quantity",
			"unit_price_ore": "price",
			"vat_rate":       "VAT rate",
		},
		Bases:   []domain.LegalBasis{domain.BasisContract, domain.BasisLegalObligation},
		Purpose: "gdpr.purpose.quotes", Source: "gdpr.source.quote_lines",
	},
}
