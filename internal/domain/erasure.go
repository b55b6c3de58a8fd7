package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"strings"
	"time"
)

// ErasureKind is how a customer's personal data was erased.
type ErasureKind string

// Erasure kinds.
const (
	EraseDelete    ErasureKind = "delete"
	EraseAnonymise ErasureKind = "anonymise"
)

// Hold is a quote whose billing snapshot is kept after anonymisation because it is an accounting record:
// Until is the first day it may be cleared.
type Hold struct {
	QuoteID     QuoteID
	QuoteNumber int64
	Decided     time.Time // when the quote was accepted (zero in the register and for bulk counts)
	Until       time.Time // the first day its personal data may be erased (Retention.ErasableFrom)
	Quotes      int       // bulk jobs count their holds per date: how many quotes until Until (QuoteID is 0)
}

// Erasure is one entry of the erasure register. It holds no personal data.
type Erasure struct {
	ID             int64
	Ref            string // also in the erasure ledger
	At             time.Time
	ActorID        *UserID
	ActorName      string
	Kind           ErasureKind
	CustomerID     CustomerID // 0 for a bulk job
	CustomerNumber int64
	JobID          int64          // a bulk job's entry
	Counts         map[string]int // per kind of data, keys as in ErasureCountKeys
	Holds          []Hold
	Reason         string
	RequestID      int64  // the data subject's request it answered, 0 if none
	RequestNumber  string // that request's number, "2026-0001"
}

// ErasureCountKeys are the kinds of data an erasure counts, in the order they are shown.
var ErasureCountKeys = []string{"customer_fields", "contacts", "consent_changes", "credit_reports", "quotes",
	"quote_snapshots"}

// ErasureFacts is what is stored about one customer, counted, for planning an erasure.
type ErasureFacts struct {
	Customer Customer
	Rows     map[string]int // rows per inventory table whose rows an erasure removes
	Quotes   []QuoteFact
}

// QuoteFact is a quote as an erasure sees it.
type QuoteFact struct {
	ID        QuoteID
	Number    int64
	Status    QuoteStatus
	DecidedAt *time.Time
	HeldUntil *time.Time
	Snapshot  bool // holds billing details
}

// AnonymisedPrefix and the customer number make the neutral placeholder stored as an anonymised
// customer's name (and on its quotes), in Swedish, the language of the register; pages show it in the
// reader's language.
const AnonymisedPrefix = "Anonymiserad kund "

// AnonymisedSupplierPrefix starts the name an anonymised supplier gets, followed by its number.
const AnonymisedSupplierPrefix = "Anonymiserad leverantör "

// AnonymisedName is the placeholder of the customer with number. The erasure writes it in SQL from
// AnonymisedPrefix (postgres), so only tests call this, to expect what it wrote.
func AnonymisedName(number int64) string {
	return AnonymisedPrefix + strconv.FormatInt(number, 10)
}

// SuppressionHashes are the keyed hashes kept of an erased customer's e-mail, phone and personal or
// organisation number, normalised as the register searches them, so the same person typed slightly
// differently still matches. Empty values give no hash.
func SuppressionHashes(key []byte, email, phone, idNumber string) [][]byte {
	var out [][]byte
	for _, h := range SuppressionFields(key, email, phone, idNumber) {
		out = append(out, h.Hash)
	}
	return out
}

// SuppressionHash is the hash of one identifier, with the customer field it comes from.
type SuppressionHash struct {
	Field string // "email", "phone" or "id_number"
	Hash  []byte
}

// SuppressionFields are SuppressionHashes with the field each comes from, so that a match can be told
// by field name (an audit detail) and never by value.
func SuppressionFields(key []byte, email, phone, idNumber string) []SuppressionHash {
	var out []SuppressionHash
	add := func(field, kind, v string) {
		if v == "" {
			return
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(kind + ":" + v))
		out = append(out, SuppressionHash{Field: field, Hash: m.Sum(nil)})
	}
	add("email", "email", strings.ToLower(strings.TrimSpace(email)))
	p, _ := Digits(phone, "")
	if strings.HasPrefix(p, "46") {
		p = "0" + p[2:]
	}
	add("phone", "phone", p)
	id, _ := Digits(idNumber, "")
	if len(id) > 10 {
		id = id[len(id)-10:]
	}
	add("id_number", "id", id)
	return out
}

// PIITable declares one table holding customers' personal data: internal/gdpr's inventory is a list of
// these, and anonymise, delete, the subject-access export and the completeness tests all read it.
type PIITable struct {
	Name        string
	CountKey    string // for EraseRows tables: the key of ErasureCountKeys its removed rows are counted under
	Link        string // the column holding the customer's id ("id" in customers itself)
	Parent      string // for a table reached through another one (quote_lines through quotes): that table; Link is its key
	Erase       EraseRule
	Personal    []PIIColumn
	NotPersonal map[string]string // every other column, with why it is not personal data

	// What a subject-access copy tells the person about this kind of data (GDPR art. 15(1) a, c, g): the
	// legal bases, and the message ids of the default purpose and source texts, which a company may
	// replace with its own (privacy texts).
	Bases   []LegalBasis
	Purpose string
	Source  string
}

// LegalBasis is a ground of GDPR art. 6(1) for processing personal data; its label is the message id
// "gdpr.basis."+value.
type LegalBasis string

// The legal bases Affär's data rests on.
const (
	BasisConsent            LegalBasis = "consent"             // art. 6(1)(a)
	BasisContract           LegalBasis = "contract"            // art. 6(1)(b)
	BasisLegalObligation    LegalBasis = "legal_obligation"    // art. 6(1)(c)
	BasisLegitimateInterest LegalBasis = "legitimate_interest" // art. 6(1)(f)
)

// ColumnType is how a stored value is typed, as the database declares it: what a subject-access copy
// writes and its schema describes.
type ColumnType string

// Column types.
const (
	ColumnText      ColumnType = "text"
	ColumnInteger   ColumnType = "integer"
	ColumnBoolean   ColumnType = "boolean"
	ColumnDate      ColumnType = "date"      // a calendar day
	ColumnTimestamp ColumnType = "timestamp" // an instant
)

// EraseRule is what anonymisation does to a table's personal data.
type EraseRule int

// Erase rules.
const (
	EraseFields   EraseRule = iota + 1 // the customer row stays; personal columns are cleared
	EraseRows                          // the rows are removed
	EraseSnapshot                      // personal columns are cleared unless the row (or its parent quote) is under a retention hold
	EraseNothing                       // holds no personal data (declared so the completeness test knows)
)

// PIIColumn is a column holding personal data and how anonymisation clears it.
type PIIColumn struct {
	Name  string
	Clear ClearWith
	// Plain says every value was validated to characters that cannot make a spreadsheet formula on their
	// own (a phone number, a personal or organisation number: digits, spaces, dashes, parentheses, one
	// leading +), so exports write it as it is, without the formula guard's apostrophe.
	Plain bool
}

// ClearWith is the neutral value an anonymised column gets.
type ClearWith int

// Clear values.
const (
	ClearEmpty       ClearWith = iota + 1 // ''
	ClearPlaceholder                      // AnonymisedName(number)
	ClearFalse                            // false
	ClearDerived                          // a generated column: the database recomputes it from the cleared ones
	ClearRow                              // the row is removed (EraseRows tables)
)

// Columns are a table's personal columns' names.
func (t PIITable) Columns() []string {
	out := make([]string, len(t.Personal))
	for i, c := range t.Personal {
		out[i] = c.Name
	}
	return out
}
