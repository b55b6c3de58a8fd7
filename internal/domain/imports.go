package domain

import "time"

// ImportState is what the check of an imported row found.
type ImportState string

// Import row states.
const (
	ImportOK        ImportState = "ok"
	ImportInvalid   ImportState = "invalid"   // a field breaks the form's rules: never imported
	ImportDuplicate ImportState = "duplicate" // an existing customer has its number, identity number or e-mail
	ImportHeld      ImportState = "held"      // matches the suppression list or a kept objection: confirmed one by one
)

// ImportOutcome is what the import did with a row.
type ImportOutcome string

// Import row outcomes.
const (
	ImportCreated ImportOutcome = "created"
	ImportUpdated ImportOutcome = "updated"
	ImportSkipped ImportOutcome = "skipped"  // a duplicate, skipped as chosen
	ImportLeftOut ImportOutcome = "left_out" // invalid, or held and not confirmed
	ImportFailed  ImportOutcome = "failed"   // it could not be written (a duplicate's customer gone, a rule broken since)
)

// ImportRow is one row of a file being imported.
type ImportRow struct {
	Row         int               // the file's line, the headings being 1
	Input       map[string]string // field → value as in the file (nil once the import has ended)
	State       ImportState
	Problems    map[string]string // field → message id
	MatchID     CustomerID        // duplicate: the existing customer
	MatchNumber int64             // its number (shown)
	MatchOn     string            // the field that matched
	ErasedAt    time.Time         // held: the erasure it matches (zero for an objection alone)
	Objected    bool              // held: a kept objection matches
	Include     bool              // held: confirmed to be imported all the same
}

// Import is an upload of customers, previewed and then imported.
type Import struct {
	ID          int64
	CreatedBy   *UserID
	CreatedAt   time.Time
	Total       int
	Status      string // preview, queued or done
	Duplicates  string // skip or update, once confirmed
	Fields      []string
	ConfirmedAt *time.Time
	FinishedAt  *time.Time
	States      map[ImportState]int
	Outcomes    map[ImportOutcome]int
}
