// Package records is the record of processing activities (GDPR art. 30(1)): the categories of data
// subjects and personal data, generated from the PII inventory, with the company's own texts on purpose,
// legal basis, recipients and transfers, saved in versions.
package records

import (
	"sort"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
)

// Subject is a category of data subjects; its label is the message id "records.subject."+value.
type Subject string

// The categories of data subjects Affär stores data about.
const (
	SubjectCustomers        Subject = "customers"         // customers who are natural persons
	SubjectContacts         Subject = "contacts"          // the contact persons of customers
	SubjectSupplierContacts Subject = "supplier_contacts" // the contact persons of suppliers
	SubjectUsers            Subject = "users"             // the system's own users
	SubjectRequesters       Subject = "requesters"        // people who made a data subject's request
)

// Subjects are the categories in the order the record lists them.
var Subjects = []Subject{SubjectCustomers, SubjectContacts, SubjectSupplierContacts, SubjectUsers, SubjectRequesters}

// Data is a category of personal data; its label is the message id "records.data."+value.
type Data string

// The categories of personal data.
const (
	DataIdentity Data = "identity" // name, personal identity number, role
	DataContact  Data = "contact"  // address, e-mail, phone
	DataNotes    Data = "notes"    // free text the company writes
	DataConsent  Data = "consent"  // marketing consent and its history
	DataCredit   Data = "credit"   // credit reports
	DataSales    Data = "sales"    // quotes and their billing details
	DataSearch   Data = "search"   // values derived from the above for searching
	DataAccount  Data = "account"  // sign-in credentials and activity
)

// category is where a column belongs in the record.
type category struct {
	Subject Subject
	Data    Data
}

// tables outside the customer inventory (gdpr.Inventory) that hold personal data: suppliers' contact
// persons and the users. Their labels are "records.table.<table>" and "records.col.<table>.<column>".
var otherTables = []domain.PIITable{
	{Name: "supplier_contacts", Personal: []domain.PIIColumn{{Name: "name"}, {Name: "role"}, {Name: "email"}, {Name: "phone"}}},
	{Name: "users", Personal: []domain.PIIColumn{{Name: "name"}, {Name: "email"}, {Name: "password_hash"},
		{Name: "language"}, {Name: "last_login_at"}}},
	// The requester of a data subject's request as they presented themselves (internal/request): kept
	// while the request is open and for the register's retention after, then cleared by the daily job.
	{Name: "subject_requests", Personal: []domain.PIIColumn{{Name: "requester_name"}, {Name: "requester_address"},
		{Name: "requester_email"}}},
}

// categories declares, once, the category of every personal column of gdpr.Inventory and otherTables;
// TestEveryColumnHasACategory fails when a column is missing here.
var categories = map[string]map[string]category{
	"customers": {
		"name": {SubjectCustomers, DataIdentity}, "id_number": {SubjectCustomers, DataIdentity},
		"email": {SubjectCustomers, DataContact}, "phone": {SubjectCustomers, DataContact},
		"street": {SubjectCustomers, DataContact}, "postal_code": {SubjectCustomers, DataContact},
		"city": {SubjectCustomers, DataContact}, "notes": {SubjectCustomers, DataNotes},
		"marketing_consent": {SubjectCustomers, DataConsent}, "city_key": {SubjectCustomers, DataSearch},
		"search_text": {SubjectCustomers, DataSearch}, "phone_digits": {SubjectCustomers, DataSearch},
		"id_digits": {SubjectCustomers, DataSearch},
	},
	"customer_contacts": {
		"name": {SubjectContacts, DataIdentity}, "role": {SubjectContacts, DataIdentity},
		"email": {SubjectContacts, DataContact}, "phone": {SubjectContacts, DataContact},
	},
	"customer_consents": {
		"given": {SubjectCustomers, DataConsent}, "at": {SubjectCustomers, DataConsent},
		"source": {SubjectCustomers, DataConsent}, "recorded_by": {SubjectCustomers, DataConsent},
	},
	"marketing_objections": {
		"objected_on": {SubjectCustomers, DataConsent}, "channel": {SubjectCustomers, DataConsent},
		"recorded_at": {SubjectCustomers, DataConsent}, "recorded_by": {SubjectCustomers, DataConsent},
		"carried_over": {SubjectCustomers, DataConsent}, "lifted_at": {SubjectCustomers, DataConsent},
	},
	"credit_reports": {
		"bureau": {SubjectCustomers, DataCredit}, "taken_on": {SubjectCustomers, DataCredit},
		"rating": {SubjectCustomers, DataCredit}, "limit_ore": {SubjectCustomers, DataCredit},
		"remarks": {SubjectCustomers, DataCredit}, "recorded_at": {SubjectCustomers, DataCredit},
		"recorded_by": {SubjectCustomers, DataCredit}, "need": {SubjectCustomers, DataCredit},
		"reference": {SubjectCustomers, DataCredit},
	},
	"quotes": {
		"billing_name": {SubjectCustomers, DataSales}, "billing_street": {SubjectCustomers, DataSales},
		"billing_postal_code": {SubjectCustomers, DataSales}, "billing_city": {SubjectCustomers, DataSales},
		"billing_email": {SubjectCustomers, DataSales},
	},
	"quote_lines": {"description": {SubjectCustomers, DataSales}},
	"supplier_contacts": {
		"name": {SubjectSupplierContacts, DataIdentity}, "role": {SubjectSupplierContacts, DataIdentity},
		"email": {SubjectSupplierContacts, DataContact}, "phone": {SubjectSupplierContacts, DataContact},
	},
	"users": {
		"name": {SubjectUsers, DataIdentity}, "email": {SubjectUsers, DataContact},
		"password_hash": {SubjectUsers, DataAccount}, "language": {SubjectUsers, DataAccount},
		"last_login_at": {SubjectUsers, DataAccount},
	},
	"subject_requests": {
		"requester_name": {SubjectRequesters, DataIdentity}, "requester_address": {SubjectRequesters, DataContact},
		"requester_email": {SubjectRequesters, DataContact},
	},
}

// Column is a personal column and its categories.
type Column struct {
	Table, Name string
	Subject     Subject
	Data        Data
	Label       string // message id of the column's label
	TableLabel  string // message id of the table's label
}

// Tables are every table holding personal data: the customer inventory, then the others.
func Tables() []domain.PIITable {
	return append(append([]domain.PIITable{}, gdpr.Inventory...), otherTables...)
}

// Columns are every personal column of tables with its categories (empty when undeclared).
func Columns(tables []domain.PIITable) []Column {
	inventory := map[string]bool{}
	for _, t := range gdpr.Inventory {
		inventory[t.Name] = true
	}
	var out []Column
	for _, t := range tables {
		prefix := "records."
		if inventory[t.Name] {
			prefix = "gdpr."
		}
		for _, c := range t.Personal {
			cat := categories[t.Name][c.Name]
			label := prefix + "col." + t.Name + "." + c.Name
			if c.Clear == domain.ClearDerived { // generated columns have no label of their own in the copy
				label = "records.col." + t.Name + "." + c.Name
			}
			out = append(out, Column{Table: t.Name, Name: c.Name, Subject: cat.Subject, Data: cat.Data,
				Label: label, TableLabel: prefix + "table." + t.Name})
		}
	}
	return out
}

// Unmapped are the "table.column" names of tables' personal columns that have no category.
func Unmapped(tables []domain.PIITable) []string {
	var out []string
	for _, c := range Columns(tables) {
		if c.Subject == "" || c.Data == "" {
			out = append(out, c.Table+"."+c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Measures are the message ids of the technical and organisational measures Affär itself takes (art.
// 30(1)(g), art. 32): each describes what the code does.
var Measures = []string{
	"records.tom.permissions", "records.tom.audit_chain", "records.tom.erasure", "records.tom.passwords",
	"records.tom.sessions", "records.tom.csrf", "records.tom.tls", "records.tom.minimal_logs",
	"records.tom.objection_hashes",
}

// Bases are the grounds of art. 6(1), "a" to "f"; a label is "records.basis."+value.
var Bases = []string{"a", "b", "c", "d", "e", "f"}
