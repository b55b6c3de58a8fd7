package domain

import "time"

// Segment selects customers on the CRM screen by structured filters only: no free-text search, so a
// segment holds no personal data and is stored with the bulk jobs made from it.
type Segment struct {
	Kind          CustomerKind // "" for both
	City          string
	Consent       string // "", "yes" or "no"
	CreatedFrom   *time.Time
	CreatedTo     *time.Time // exclusive
	ActiveFrom    *time.Time
	ActiveTo      *time.Time // exclusive
	Quotes        string     // "", "any" (has quotes) or "none" (has none)
	NoQuotesSince *time.Time // no quote dated on or after this day
	QuoteStatus   QuoteStatus
	Anonymised    string // "", "yes" or "no"
	// ShowRestricted lists restricted customers too (art. 18), marked: set by the services for those who
	// may see them (authz.SeesRestricted), on screens only. The zero value hides them; exports, labels
	// and bulk selections ignore it and never select them. Never read from a form or stored with a job.
	ShowRestricted bool `json:"-"`
}

// BulkStatus is where a bulk job is in its life: draft → queued → running → done | cancelled.
type BulkStatus string

// Bulk job statuses.
const (
	BulkDraft     BulkStatus = "draft"   // a frozen selection, previewed, not confirmed
	BulkQueued    BulkStatus = "queued"  // confirmed, no batch committed yet
	BulkRunning   BulkStatus = "running" // a batch has committed
	BulkDone      BulkStatus = "done"
	BulkCancelled BulkStatus = "cancelled"
)

// Open reports whether a job is confirmed and not over: its work goes on.
func (s BulkStatus) Open() bool { return s == BulkQueued || s == BulkRunning }

// RetentionChoice is what a delete job does with the customers under retention, which cannot be deleted.
type RetentionChoice string

// Retention choices of delete jobs (anonymise jobs have RetentionSkip).
const (
	RetentionSkip      RetentionChoice = "skip"
	RetentionAnonymise RetentionChoice = "anonymise" // anonymise them instead
)

// BulkJob is a bulk delete or anonymise of a frozen selection of customers.
type BulkJob struct {
	ID              int64
	Ref             string
	Kind            ErasureKind
	OnRetention     RetentionChoice   // delete jobs: what happens to the customers under retention
	Filter          map[string]string // the segment as the user set it, for display
	RequestedBy     *UserID
	RequestedName   string
	Reason          string
	Status          BulkStatus
	CancelRequested bool
	Total           int
	Processed       int
	Outcomes        map[string]int
	VerifiedAt      *time.Time
	Violations      *int
	CreatedAt       time.Time
	ConfirmedAt     *time.Time
	StartedAt       *time.Time
	FinishedAt      *time.Time
	ErasureID       int64 // its erasure register entry, once it has one
	// The last failure of its work, retried by itself: a message id (nil once a batch committed after
	// it), when, and on which attempt.
	RetryError   *string
	RetryAt      *time.Time
	RetryAttempt int
}

// Bulk job outcomes per customer.
const (
	OutcomeAnonymised        = "anonymised"
	OutcomeDeleted           = "deleted"
	OutcomeSkippedRetention  = "skipped_retention"
	OutcomeSkippedAnonymised = "skipped_anonymised"
	OutcomeSkippedRestricted = "skipped_restricted" // restricted (art. 18) after the selection was frozen
	OutcomeGone              = "gone"               // deleted by someone else after the selection was frozen
	OutcomeFailed            = "failed"
)

// BulkOutcomes are the outcomes in the order a report shows them.
var BulkOutcomes = []string{OutcomeAnonymised, OutcomeDeleted, OutcomeSkippedRetention, OutcomeSkippedAnonymised,
	OutcomeSkippedRestricted, OutcomeGone, OutcomeFailed}

// BulkPreview is what a bulk job will do to its frozen selection.
type BulkPreview struct {
	Total          int
	Anonymised     int           // already anonymised: skipped by anonymise jobs
	UnderRetention int           // cannot be deleted (delete jobs skip or anonymise them, as OnRetention says)
	Holds          []HoldsByDate // quote snapshots that will be kept, per release date
	HeldQuotes     int           // their sum
}

// HoldsByDate counts quote snapshots kept until one date.
type HoldsByDate struct {
	Until  time.Time
	Quotes int
}

// BulkFailure is a customer a job could not process, and why (a message id).
type BulkFailure struct {
	CustomerNumber int64
	Error          string
}

// QuoteSummary is a quote as the CRM screen lists it, with its customer.
type QuoteSummary struct {
	Quote          Quote
	CustomerNumber int64
	CustomerName   string
	Anonymised     bool
	Restricted     bool // the customer's processing is restricted (shown only to those who may see it)
}

// SegmentPage is one page of a CRM segment, in the order asked for.
type SegmentPage struct {
	Rows   []Customer
	More   bool
	Total  int
	Ticked int // how many of the ticked customers are in the segment
}

// SegmentKeys are the filter fields of the CRM screen, in the order a filter is summarised.
var SegmentKeys = []string{"kind", "city", "consent", "created_from", "created_to", "active_from", "active_to",
	"quotes", "no_quotes_since", "quote_status", "anonymised"}

// QuoteStatuses are the statuses a quote may have, in their order.
var QuoteStatuses = []string{string(QuoteDraft), string(QuoteSent), string(QuoteAccepted), string(QuoteRejected),
	string(QuoteExpired)}

// maxTown is longer than any town name (the longest Swedish ones have some 30 letters).
const maxTown = 100

// ParseSegment turns the CRM filter as typed (SegmentKeys → value) into a segment. It returns the
// filter without the values it does not know (kept for showing again and for storing with a job) and a
// message id per field whose date cannot be read (that field is ignored). Dates are days in Sweden;
// "to" dates include the whole day.
func ParseSegment(typed map[string]string) (Segment, map[string]string, map[string]string) {
	kept, errs := map[string]string{}, map[string]string{}
	for k, v := range typed {
		if v != "" {
			kept[k] = v
		}
	}
	// The town is the one free-text field. It is kept with jobs and in export events, so it is held to
	// what a town name can be: cut at maxTown characters (a longer text is no town and matches none).
	if c, ok := kept["city"]; ok {
		if r := []rune(c); len(r) > maxTown {
			kept["city"] = string(r[:maxTown])
		}
		if !ValidText(kept["city"], false) {
			delete(kept, "city")
		}
	}
	var s Segment
	one := func(key string, dst *string, allowed ...string) {
		for _, a := range allowed {
			if kept[key] == a {
				*dst = a
				return
			}
		}
		delete(kept, key)
	}
	var kind, status string
	one("kind", &kind, string(Person), string(Company))
	s.Kind = CustomerKind(kind)
	s.City = kept["city"]
	one("consent", &s.Consent, "yes", "no")
	one("anonymised", &s.Anonymised, "yes", "no")
	one("quotes", &s.Quotes, "any", "none")
	one("quote_status", &status, QuoteStatuses...)
	s.QuoteStatus = QuoteStatus(status)
	date := func(name string, endOfDay bool) *time.Time {
		if kept[name] == "" {
			return nil
		}
		t, err := time.ParseInLocation(DateLayout, kept[name], Stockholm)
		if err != nil {
			errs[name] = "error.date"
			return nil
		}
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return &t
	}
	s.CreatedFrom, s.CreatedTo = date("created_from", false), date("created_to", true)
	s.ActiveFrom, s.ActiveTo = date("active_from", false), date("active_to", true)
	s.NoQuotesSince = date("no_quotes_since", false)
	return s, kept, errs
}
