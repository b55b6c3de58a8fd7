package domain

import "time"

// RecordEntry is what the company states about one category of data subjects in its record of
// processing activities (GDPR art. 30(1) b, c–e): the purpose, the legal basis (art. 6(1), "a"–"f"),
// the recipients and the transfers outside the EU/EEA.
type RecordEntry struct {
	Purpose    string `json:"purpose"`
	Basis      string `json:"basis"`
	Recipients string `json:"recipients"`
	Transfers  string `json:"transfers"`
}

// RecordVersion is one saved version of the record: its number, when and by whom it was saved, and the
// entries by category of data subjects.
type RecordVersion struct {
	Number      int
	SavedAt     time.Time
	SavedBy     *UserID
	SavedByName string
	Entries     map[string]RecordEntry
}

// RecordDocument is a version of the record as it is read and printed, every text already translated.
type RecordDocument struct {
	Controller []string // the company's name, organisation number, address and contact, one line each
	DPO        string   // the contact for data protection the company wrote in its privacy texts; "" if none
	Version    int      // 0 when nothing has been saved yet
	SavedAt    string
	SavedBy    string
	Sections   []RecordSection
	Measures   []string // the technical and organisational measures Affär takes
}

// RecordSection is one category of data subjects: what the company stated and what Affär stores.
type RecordSection struct {
	Key        string // the category's key, the form's field prefix
	Title      string
	Purpose    string
	Basis      string // the legal basis's label; "" when not chosen
	Recipients string
	Transfers  string
	Retention  string
	Data       []RecordDataGroup
}

// RecordDataGroup is a category of personal data and the stored columns that hold it.
type RecordDataGroup struct {
	Title   string
	Columns []string // "table: column" labels
}
