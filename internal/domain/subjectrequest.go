package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RequestKind is a right a data subject's request invokes; its label is "requests.kind."+value.
type RequestKind string

// The rights of GDPR art. 15–21 a request may ask for; one request may ask several.
const (
	RequestAccess        RequestKind = "access"        // art. 15
	RequestRectification RequestKind = "rectification" // art. 16
	RequestErasure       RequestKind = "erasure"       // art. 17
	RequestRestriction   RequestKind = "restriction"   // art. 18
	RequestObjection     RequestKind = "objection"     // art. 21
	RequestPortability   RequestKind = "portability"   // art. 20
)

// RequestKinds are the kinds in the order forms and lists show them (the migration's check lists them too).
var RequestKinds = []RequestKind{RequestAccess, RequestRectification, RequestErasure, RequestRestriction,
	RequestObjection, RequestPortability}

// RequestChannel is how a request came in; its label is "requests.channel."+value.
type RequestChannel string

// Channels.
const (
	ChannelLetter   RequestChannel = "letter"
	ChannelEmail    RequestChannel = "email"
	ChannelPhone    RequestChannel = "phone"
	ChannelInPerson RequestChannel = "in_person"
	ChannelOther    RequestChannel = "other"
)

// RequestChannels are the channels in the order the form shows them.
var RequestChannels = []RequestChannel{ChannelLetter, ChannelEmail, ChannelPhone, ChannelInPerson, ChannelOther}

// RequestStatus is where a request stands; its label is "requests.status."+value.
type RequestStatus string

// Statuses. Answered and refused close a request (and start the requester's retention).
const (
	RequestOpen        RequestStatus = "open"
	RequestIdentifying RequestStatus = "identifying" // waiting for the person to identify themselves
	RequestInProgress  RequestStatus = "in_progress"
	RequestAnswered    RequestStatus = "answered"
	RequestRefused     RequestStatus = "refused" // with a reason, e.g. manifestly unfounded (art. 12(5))
)

// RequestStatuses are the statuses in the order the form shows them.
var RequestStatuses = []RequestStatus{RequestOpen, RequestIdentifying, RequestInProgress, RequestAnswered, RequestRefused}

// Closed reports whether the request has been answered or refused.
func (s RequestStatus) Closed() bool { return s == RequestAnswered || s == RequestRefused }

// RequestActionKind is a kind of thing done about a request; its label is "requests.action."+value. Work
// that acts on a request (an erasure, a copy) adds its kind here.
type RequestActionKind string

// Action kinds.
const (
	ActionCopySent   RequestActionKind = "copy_sent"
	ActionRectified  RequestActionKind = "rectified"
	ActionErased     RequestActionKind = "erased"
	ActionRestricted RequestActionKind = "restricted"
	ActionObjection  RequestActionKind = "objection_recorded"
	ActionAnswerSent RequestActionKind = "answer_sent"
	ActionOther      RequestActionKind = "other"
)

// RequestActionKinds are the kinds an action may have, in the order the form shows them.
var RequestActionKinds = []RequestActionKind{ActionCopySent, ActionRectified, ActionErased, ActionRestricted,
	ActionObjection, ActionAnswerSent, ActionOther}

// MaxExtensionMonths is how far art. 12(3) lets the period be extended.
const MaxExtensionMonths = 2

// DefaultRequesterRetentionDays is how long a closed request keeps the requester's details unless the
// company sets otherwise.
const DefaultRequesterRetentionDays = 90

// DueSoonDays is how far ahead the list flags requests and the daily reminder looks.
const DueSoonDays = 7

// Requester is the person as they presented themselves: personal data, cleared after the retention.
type Requester struct {
	Name, Address, Email string
}

// RequestCustomer is a customer a request concerns, by id and number (the number survives an erasure).
type RequestCustomer struct {
	ID     CustomerID
	Number int64
}

// RequestAction is one thing done about a request.
type RequestAction struct {
	ID     int64
	At     time.Time
	By     *UserID
	ByName string
	Kind   RequestActionKind
	Ref    string // what was done, by id or reference (an erasure's ref, a bulk job): never a person's data
	Note   string
}

// SubjectRequest is a data subject's request and its legal clock. Dates (received, closed, identity,
// notice) are calendar days in Swedish time, held as midnight UTC.
type SubjectRequest struct {
	ID                int64
	Year, Seq         int
	Kinds             []RequestKind
	Received          time.Time
	Channel           RequestChannel
	Requester         Requester
	RequesterCleared  *time.Time
	Customers         []RequestCustomer
	NoData            bool // the handler searched and found no data of the person
	ExtendedMonths    int
	ExtensionReason   string
	ExtensionNotice   string // how the person was told of the extension and why
	ExtensionNoticeOn *time.Time
	IdentityMethod    string
	IdentityCheckedOn *time.Time
	IdentityBy        *UserID
	IdentityByName    string
	Status            RequestStatus
	RefusalReason     string
	Closed            *time.Time
	Notes             string
	Handler           *UserID
	HandlerName       string
	RegisteredBy      *UserID
	RegisteredByName  string
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int
	Actions           []RequestAction
}

// RequestNumber is a request's human number: the year it was registered and its place in that year.
func RequestNumber(year, seq int) string { return fmt.Sprintf("%d-%04d", year, seq) }

// ParseRequestNumber reads a request number as RequestNumber writes it ("2026-0001").
func ParseRequestNumber(s string) (year, seq int, ok bool) {
	y, n, found := strings.Cut(strings.TrimSpace(s), "-")
	year, err1 := strconv.Atoi(y)
	seq, err2 := strconv.Atoi(n)
	return year, seq, found && err1 == nil && err2 == nil && seq > 0 && year > 0
}

// Number is the request's human number, e.g. "2026-0001".
func (r SubjectRequest) Number() string { return RequestNumber(r.Year, r.Seq) }

// CalendarDay is the calendar day of t in Swedish time as midnight UTC, how date columns are read.
func CalendarDay(t time.Time) time.Time {
	y, m, d := t.In(Stockholm).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AddMonths is day d plus n months as the GDPR counts them (Regulation 1182/71 art. 3(2)(c), which
// governs its periods): the same day of the month n months on, or that month's last day when it has no
// such day (31 January + 1 month = 28 or 29 February).
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC)
}

// The legal clock, GDPR art. 12(3):
//
//	"The controller shall provide information on action taken on a request under Articles 15 to 22 to the
//	data subject without undue delay and in any event within one month of receipt of the request. That
//	period may be extended by two further months where necessary, taking into account the complexity and
//	number of the requests. The controller shall inform the data subject of any such extension within one
//	month of receipt of the request, together with the reasons for the delay."
//
// The period runs from receipt, not from the identity check.

// FirstMonthEnd is the last day of the first month: the due date without extension, and the last day an
// extension may be decided and told.
func (r SubjectRequest) FirstMonthEnd() time.Time { return AddMonths(r.Received, 1) }

// Due is the day the answer is due: one month from receipt, plus the extension.
func (r SubjectRequest) Due() time.Time { return AddMonths(r.Received, 1+r.ExtendedMonths) }

// CanExtend reports whether an extension may still be decided on day today (within the first month).
func (r SubjectRequest) CanExtend(today time.Time) bool {
	return !r.Status.Closed() && !CalendarDay(today).After(r.FirstMonthEnd()) && r.ExtendedMonths < MaxExtensionMonths
}

// DaysLeft is how many days remain on day today until the due date: 0 on the due day, negative when
// overdue.
func (r SubjectRequest) DaysLeft(today time.Time) int {
	return DaysBetween(CalendarDay(today), r.Due())
}

// DaysTaken is how many days a closed request took from receipt to its answer (0 while open).
func (r SubjectRequest) DaysTaken() int {
	if r.Closed == nil {
		return 0
	}
	return DaysBetween(r.Received, *r.Closed)
}

// DaysBetween counts the calendar days from day a to day b (both midnight UTC).
func DaysBetween(a, b time.Time) int { return int(b.Sub(a).Hours() / 24) }

// RequestClock is how a request's clock reads on a day.
type RequestClock int

// Clock readings.
const (
	ClockClosed  RequestClock = iota // answered or refused
	ClockRunning                     // due later than DueSoonDays
	ClockSoon                        // due within DueSoonDays (today included)
	ClockOverdue                     // the due day has passed
)

// Clock reads the request's clock on day today.
func (r SubjectRequest) Clock(today time.Time) RequestClock {
	switch n := r.DaysLeft(today); {
	case r.Status.Closed():
		return ClockClosed
	case n < 0:
		return ClockOverdue
	case n <= DueSoonDays:
		return ClockSoon
	}
	return ClockRunning
}

// Ways an answer letter is sent.
const (
	LetterPrinted = "printed"
	LetterEmailed = "email"
)

// RequestLetter is an answer letter as sent. Body and PDF are empty once cleared with the requester.
type RequestLetter struct {
	ID         int64
	RequestID  int64
	Language   string // "sv" or "en"
	Body       string
	PDF        []byte
	SentAt     time.Time
	SentBy     *UserID
	SentByName string
	Method     string
	MailID     int64
	ClearedAt  *time.Time
}
