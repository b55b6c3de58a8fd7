// Package customer is the service for the customer register: validation, permissions, the transaction and
// the audit event of every change and every view.
package customer

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of the customer register.
const (
	Created        = "customer.created"
	Changed        = "customer.changed"
	Viewed         = audit.CustomerViewed
	ContactAdded   = "customer.contact_added"
	ContactRemoved = "customer.contact_removed"
	ConsentChanged = "customer.consent_changed"
	ErasedMatch    = "customer.erased_match" // a new customer's details matched an erased one's
	// IdentityViewed is a full personnummer shown on the customer page ("Visa"); details name nothing.
	IdentityViewed = "customer.identity_viewed"
)

const entity = audit.Customer

// PageSize is the number of customers per page of a list nobody has resized (and of a CRM segment).
const PageSize = domain.DefaultPageSize

// Service is the customer service.
type Service struct {
	DB  *postgres.DB
	Now func() time.Time
	// ErasureSalt keys the suppression list: creating a customer whose e-mail, phone or personal number
	// matches an erased one warns first.
	ErasureSalt []byte
	// Requests records a restriction on the data subject's request that asked for it (request.Actions).
	Requests Requests
}

// Requests finds a data subject's request by its number and records work done on it, in the
// transaction of the work.
type Requests interface {
	Resolve(ctx context.Context, tx pgx.Tx, actor authz.Actor, number string) (int64, error)
	Record(ctx context.Context, tx pgx.Tx, actor authz.Actor, now time.Time, id int64, a domain.RequestAction) (int64, error)
}

// ErasedBefore is the warning that the customer being created matches one erased on At (zero when the
// user may not know when): it is created only when the user confirms. Objection is the objection to direct
// marketing the erased customer had, which the new one will carry (nil if none).
type ErasedBefore struct {
	At        time.Time
	Objection *domain.ObjectionHit
}

func (e *ErasedBefore) Error() string { return "matches an erased customer" }

// ObjectedBefore refuses marketing consent for a new customer who, erased before, had objected to direct
// marketing: the consent is recorded only when the user confirms that the person's own new consent lifts
// the objection (NewConsent.LiftObjection).
type ObjectedBefore struct{ Objection domain.ObjectionHit }

func (e *ObjectedBefore) Error() string { return "objected to direct marketing before" }

// List returns a page of the register of f.Limit rows: one of domain.PageSizes, else PageSize.
func (s *Service) List(ctx context.Context, f domain.CustomerFilter) (domain.CustomerPage, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return domain.CustomerPage{}, err
	}
	f.ShowRestricted = authz.SeesRestricted(actor)
	if !slices.Contains(domain.PageSizes, f.Limit) {
		f.Limit = PageSize
	}
	return postgres.CustomerPage(ctx, s.DB.Pool, f)
}

// Segment returns a page of a CRM segment (sq.Limit rows, PageSize if 0), with the number of all that
// match and of the ticked customers among them.
func (s *Service) Segment(ctx context.Context, sq domain.SegmentQuery) (domain.SegmentPage, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return domain.SegmentPage{}, err
	}
	sq.Segment.ShowRestricted = authz.SeesRestricted(actor)
	if sq.Limit <= 0 {
		sq.Limit = PageSize
	}
	return postgres.SegmentPage(ctx, s.DB.Pool, sq)
}

// Detail is everything the customer page shows, read in one transaction. CreditReports is nil, not
// empty, for users who may not see them, so nothing shows that any exist.
type Detail struct {
	Customer      domain.Customer
	Contacts      []domain.Contact
	Consent       []domain.ConsentChange
	Objections    []domain.Objection // objections to direct marketing, newest first
	CreditReports []domain.CreditReport
	Access        []audit.Entry  // who viewed or changed the customer; only for those who may read the log
	Quotes        []domain.Quote // newest first: headers and totals, no lines
	Hold          domain.CustomerHold
	Rule          domain.Retention // the bookkeeping rule Hold follows, which the page words
}

// accessLogSize is how many audit events the customer page lists.
const accessLogSize = 20

// View loads the customer page and records the view (and the credit reports shown) in the audit log:
// one transaction and one view event per page shown. A restricted customer is shown, and its view
// recorded, only to those who may see restricted customers; to others it is ErrRestricted ("not found").
func (s *Service) View(ctx context.Context, id domain.CustomerID) (Detail, error) {
	actor, err := authz.Require(ctx, authz.CustomerView)
	if err != nil {
		return Detail{}, err
	}
	now := s.Now()
	var d Detail
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		// One statement for what the page shows (with the credit reports only for those who may see them).
		sheet, err := postgres.CustomerSheetOf(ctx, tx, id, actor.Can(authz.CreditReportAccess))
		if err != nil {
			return err
		}
		if err = sheet.Customer.VisibleTo(authz.SeesRestricted(actor)); err != nil {
			return err
		}
		d = Detail{Customer: sheet.Customer, Contacts: sheet.Contacts, Consent: sheet.Consent, Objections: sheet.Objections,
			Quotes: sheet.Quotes, Rule: sheet.Rule}
		evs := []domain.AuditEvent{audit.Event(now, actor, Viewed, entity, audit.ID(id), nil)}
		if actor.Can(authz.CreditReportAccess) {
			d.CreditReports = sheet.CreditReports
			evs = append(evs, reportsShown(actor, id, sheet.CreditReports, now)...)
		}
		if actor.Can(authz.AuditView) {
			if d.Access, err = accessLog(ctx, tx, id); err != nil {
				return err
			}
		}
		d.Hold = d.Rule.CustomerHold(d.Quotes, now)
		return audit.Record(ctx, tx, evs...)
	})
	return d, err
}

// reportsShown is the audit event of showing the customer's credit reports, none when there are none.
func reportsShown(actor authz.Actor, id domain.CustomerID, reports []domain.CreditReport, now time.Time) []domain.AuditEvent {
	if len(reports) == 0 {
		return nil
	}
	ids := make([]int64, len(reports))
	for i, r := range reports {
		ids[i] = r.ID
	}
	return []domain.AuditEvent{audit.Event(now, actor, audit.CreditReportViewed, entity, audit.ID(id),
		map[string]any{"credit_report_ids": ids})}
}

// accessLog is the newest audit events about the customer, with who caused them.
func accessLog(ctx context.Context, tx pgx.Tx, id domain.CustomerID) ([]audit.Entry, error) {
	events, names, err := postgres.EntityAudit(ctx, tx, entity, int64(id), accessLogSize, audit.Hidden(ctx))
	if err != nil {
		return nil, err
	}
	var out []audit.Entry
	for i := range events {
		out = append(out, audit.Entry{AuditEvent: events[i], ActorName: names[i]})
	}
	return out, nil
}

// ForEdit loads a customer for a form that shows it (the edit form, the new quote's), audited as a view of
// the record as the customer page is; anonymised and restricted customers are locked.
func (s *Service) ForEdit(ctx context.Context, id domain.CustomerID) (domain.Customer, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return domain.Customer{}, err
	}
	now := s.Now()
	var c domain.Customer
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if c, err = postgres.Customer(ctx, tx, id); err != nil {
			return err
		}
		if err = c.Editable(); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Viewed, entity, audit.ID(id), nil))
	})
	return c, err
}

// NewConsent is the consent part of the create form. LiftObjection confirms that consent given by a person
// who objected to direct marketing before being erased is the person's own new consent, which lifts the
// objection.
type NewConsent struct {
	Given         bool
	Source        string
	LiftObjection bool
}

// Create validates and stores a new customer with its initial marketing consent. If the customer matches
// one on the suppression list, nothing is stored and the error is *ErasedBefore, unless confirmErased. If
// the erased one had objected to direct marketing, the new customer carries the objection; consent for
// them is refused (*ObjectedBefore) unless consent.LiftObjection.
func (s *Service) Create(ctx context.Context, in domain.CustomerInput, consent NewConsent, confirmErased bool) (domain.Customer, error) {
	actor, err := authz.Require(ctx, authz.CustomerCreate)
	if err != nil {
		return domain.Customer{}, err
	}
	now := s.Now()
	c, err := validNew(in, consent, now)
	if err != nil {
		return domain.Customer{}, err
	}
	objection, err := s.carriedObjection(ctx, c)
	if err != nil {
		return domain.Customer{}, err
	}
	matched, err := s.erasedMatch(ctx, actor, c, objection, confirmErased, now)
	if err != nil {
		return domain.Customer{}, err
	}
	if objection != nil && consent.Given && !consent.LiftObjection {
		return domain.Customer{}, &ObjectedBefore{Objection: *objection}
	}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if c, err = postgres.CreateCustomer(ctx, tx, c, now); err != nil {
			return err
		}
		details := map[string]any{"fields": filledFields(c)}
		if len(matched) > 0 { // created although an erased customer had these: confirmed by the user
			details["erased_match"] = matched
		}
		evs := []domain.AuditEvent{audit.Event(now, actor, Created, entity, audit.ID(c.ID), details)}
		more, err := s.newConsent(ctx, tx, actor, c.ID, consent, objection, now)
		if err != nil {
			return err
		}
		c.Consent = consent.Given
		return audit.Record(ctx, tx, append(evs, more...)...)
	})
	return c, err
}

// validNew validates a new customer and its consent.
func validNew(in domain.CustomerInput, consent NewConsent, now time.Time) (domain.Customer, error) {
	c, err := in.Validate(now)
	if consent.Given && !slices.Contains(domain.ConsentSources, consent.Source) {
		fe, _ := err.(domain.FieldErrors)
		if fe == nil {
			fe = domain.FieldErrors{}
		}
		fe["consent_source"] = "error.consent_source"
		err = fe
	}
	return c, err
}

// newConsent records a new customer's carried objection (lifted again by consent when given) and consent,
// and returns their audit events.
func (s *Service) newConsent(ctx context.Context, tx pgx.Tx, actor authz.Actor, id domain.CustomerID, consent NewConsent,
	objection *domain.ObjectionHit, now time.Time) ([]domain.AuditEvent, error) {
	var evs []domain.AuditEvent
	if objection != nil {
		more, err := addObjection(ctx, tx, actor, domain.Objection{CustomerID: id, ObjectedOn: objection.ObjectedOn,
			Channel: objection.Channel, RecordedAt: now, CarriedOver: true}, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, more...)
	}
	if !consent.Given {
		return evs, nil
	}
	if objection != nil {
		more, err := liftObjection(ctx, tx, actor, id, now)
		if err != nil {
			return nil, err
		}
		evs = append(evs, more...)
	}
	if err := postgres.SetConsent(ctx, tx, id, true, consent.Source, actor.AuditID(), now); err != nil {
		return nil, err
	}
	return append(evs, audit.Event(now, actor, ConsentChanged, entity, audit.ID(id),
		map[string]any{"fields": []string{"marketing_consent"}})), nil
}

// erasedMatch checks c against the suppression list: the fields that matched an erased customer's, or
// *ErasedBefore (with the objection the new customer will carry) unless confirmErased.
func (s *Service) erasedMatch(ctx context.Context, actor authz.Actor, c domain.Customer, objection *domain.ObjectionHit,
	confirmErased bool, now time.Time) ([]string, error) {
	if len(s.ErasureSalt) == 0 {
		return nil, nil
	}
	at, fields, err := postgres.SuppressionMatch(ctx, s.DB.Pool, domain.SuppressionFields(s.ErasureSalt, c.Email, c.Phone, c.IDNumber))
	if err != nil {
		return nil, err
	}
	if at != nil && !confirmErased {
		return nil, s.erasedBefore(ctx, actor, *at, fields, objection, now)
	}
	return fields, nil
}

// erasedBefore records that the details typed for a new customer match an erased one's (which fields,
// never their values) and returns the warning. Anyone who may create customers learns that such a
// person was erased; when, only those who may read the erasure register (audit.view). Every probe of
// the suppression list leaves this trace.
func (s *Service) erasedBefore(ctx context.Context, actor authz.Actor, at time.Time, fields []string,
	objection *domain.ObjectionHit, now time.Time) error {
	err := s.DB.InTx(ctx, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Event(now, actor, ErasedMatch, entity, nil, map[string]any{"fields": fields}))
	})
	if err != nil {
		return err
	}
	if !actor.Can(authz.AuditView) {
		at = time.Time{}
	}
	return &ErasedBefore{At: at, Objection: objection}
}

// filledFields names the fields that hold a value, for the audit log (names only, never values).
func filledFields(c domain.Customer) []string {
	return domain.Customer{Country: c.Country}.ChangedFields(c)
}

// Stale is the conflict of an edit made on details someone else has changed since the form was opened.
var Stale = &domain.ConflictError{Key: "customer.stale"}

// Version identifies the state of a customer an edit form was made from.
func Version(c domain.Customer) int64 { return int64(c.Version) }

// Update stores edited details and records which fields changed. version is Version of the customer the
// form showed; if the customer changed since, nothing is stored and the error is Stale. Anonymised
// customers are locked.
func (s *Service) Update(ctx context.Context, id domain.CustomerID, in domain.CustomerInput, version int64) (domain.Customer, error) {
	c, _, err := s.Rectify(ctx, id, in, version, "")
	return c, err
}

// Rectify is Update made for the data subject's request numbered onRequest (art. 16; "" for none): a
// change it makes is recorded on the request as a rectification, naming the changed fields, in the same
// transaction. It returns the request's id (0 for none).
func (s *Service) Rectify(ctx context.Context, id domain.CustomerID, in domain.CustomerInput, version int64,
	onRequest string) (domain.Customer, int64, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return domain.Customer{}, 0, err
	}
	now := s.Now()
	// A masked identity number posted back (see keepMaskedIdentity) is checked once the stored one is read;
	// everything else before the transaction.
	probe := in
	if strings.Contains(in.IDNumber, "*") && !actor.Can(authz.CustomerViewIdentity) {
		probe.IDNumber = ""
	}
	next, err := probe.Validate(now)
	if err != nil {
		return domain.Customer{}, 0, err
	}
	var request int64
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		cur, err := postgres.EditableCustomer(ctx, tx, id)
		if err != nil {
			return err
		}
		on, err := s.onRequest(ctx, tx, actor, strings.TrimSpace(onRequest))
		if err != nil {
			return err
		}
		if on != nil {
			request = *on
		}
		if probe != in {
			if next, err = keepMaskedIdentity(actor, in, cur).Validate(now); err != nil {
				return err
			}
		}
		if Version(cur) != version {
			return Stale
		}
		next.ID = id
		changed := cur.ChangedFields(next)
		if len(changed) == 0 {
			next = cur
			return nil
		}
		if err := postgres.UpdateCustomer(ctx, tx, next, now); err != nil {
			return err
		}
		details := map[string]any{"fields": changed}
		if request != 0 {
			details["request"], details["request_id"] = strings.TrimSpace(onRequest), request
			if _, err := s.Requests.Record(ctx, tx, actor, now, request, domain.RequestAction{Kind: domain.ActionRectified,
				Ref: strconv.FormatInt(cur.Number, 10), Note: strings.Join(changed, ", ")}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Changed, entity, audit.ID(id), details))
	})
	return next, request, err
}

// keepMaskedIdentity is in with the stored identity number when a user who may not see full numbers posts
// back the masked one the form showed (domain.MaskedIDNumber): left unchanged it keeps the number, typed
// in full it replaces it. A user who may see full numbers is shown, and posts, the full number.
func keepMaskedIdentity(actor authz.Actor, in domain.CustomerInput, cur domain.Customer) domain.CustomerInput {
	masked := domain.MaskedIDNumber(cur.IDNumber)
	if !actor.Can(authz.CustomerViewIdentity) && masked != cur.IDNumber && strings.TrimSpace(in.IDNumber) == masked {
		in.IDNumber = cur.IDNumber
	}
	return in
}

// AddContact adds a contact person to a company customer.
func (s *Service) AddContact(ctx context.Context, id domain.CustomerID, in domain.ContactInput) error {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return err
	}
	c, err := in.Validate()
	if err != nil {
		return err
	}
	c.CustomerID = id
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		cust, err := postgres.EditableCustomer(ctx, tx, id)
		if err != nil {
			return err
		}
		if cust.Kind != domain.Company {
			return &domain.ConflictError{Key: "contacts.company_only"}
		}
		contactID, err := postgres.AddContact(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := postgres.TouchCustomer(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, ContactAdded, entity, audit.ID(id),
			map[string]any{"contact_id": contactID}))
	})
}

// RemoveContact removes a contact person.
func (s *Service) RemoveContact(ctx context.Context, id domain.CustomerID, contactID int64) error {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := postgres.EditableCustomer(ctx, tx, id); err != nil {
			return err
		}
		if err := postgres.DeleteContact(ctx, tx, id, contactID); err != nil {
			return err
		}
		if err := postgres.TouchCustomer(ctx, tx, id, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, ContactRemoved, entity, audit.ID(id),
			map[string]any{"contact_id": contactID}))
	})
}

// SetConsent records that marketing consent was given or withdrawn, and how. Consent for a customer whose
// objection to direct marketing is in force is refused (a field error on lift_objection): see ConsentLiftingObjection.
func (s *Service) SetConsent(ctx context.Context, id domain.CustomerID, given bool, source string) error {
	return s.setConsent(ctx, id, given, source, false)
}

// ConsentLiftingObjection records marketing consent that a person who objected to direct marketing gave
// anew: only the person's own consent lifts an objection (art. 21), so the user confirms it on purpose,
// and the objection stays in the history as lifted.
func (s *Service) ConsentLiftingObjection(ctx context.Context, id domain.CustomerID, source string) error {
	return s.setConsent(ctx, id, true, source, true)
}

func (s *Service) setConsent(ctx context.Context, id domain.CustomerID, given bool, source string, lift bool) error {
	actor, err := authz.RequireAll(ctx, authz.CustomerEdit, authz.CustomerView)
	if err != nil {
		return err
	}
	if !slices.Contains(domain.ConsentSources, source) {
		return domain.FieldErrors{"consent_source": "error.consent_source"}
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := postgres.EditableCustomer(ctx, tx, id); err != nil {
			return err
		}
		var evs []domain.AuditEvent
		if given {
			objected, err := objectionInForce(ctx, tx, id)
			if err != nil {
				return err
			}
			if objected && !lift {
				return liftNeeded()
			}
			if evs, err = liftObjection(ctx, tx, actor, id, now); err != nil {
				return err
			}
		}
		if err := postgres.SetConsent(ctx, tx, id, given, source, actor.AuditID(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, append(evs, audit.Event(now, actor, ConsentChanged, entity, audit.ID(id),
			map[string]any{"fields": []string{"marketing_consent"}}))...)
	})
}

// CreditReportInput is the typed credit report form.
type CreditReportInput struct {
	Bureau, TakenOn, Rating, Limit, Remarks string
	Need, Reference                         string // domain.CreditNeeds; the bureau's reference
}

// Bureaus are the Swedish credit bureaus offered in the form.
var Bureaus = []string{"UC", "Creditsafe", "Dun & Bradstreet", "Syna", "Other"}

// Validate checks a credit report; today bounds the date.
func (in CreditReportInput) Validate(now time.Time) (domain.CreditReport, error) {
	fe := domain.FieldErrors{}
	domain.CheckText(fe, map[string]string{"bureau": in.Bureau, "taken_on": in.TakenOn, "rating": in.Rating,
		"limit": in.Limit, "remarks": in.Remarks, "credit_reference": in.Reference}, "remarks")
	if len(fe) > 0 {
		return domain.CreditReport{}, fe
	}
	r := domain.CreditReport{Bureau: strings.TrimSpace(in.Bureau), Rating: strings.TrimSpace(in.Rating),
		Remarks: strings.TrimSpace(in.Remarks), Need: domain.CreditNeed(in.Need), Reference: strings.TrimSpace(in.Reference)}
	if !slices.Contains(domain.CreditNeeds, r.Need) {
		fe["credit_need"] = "credit.error.need"
	}
	if r.Reference == "" {
		fe["credit_reference"] = "error.required"
	} else if len([]rune(r.Reference)) > 100 {
		fe["credit_reference"] = "error.too_long"
	}
	if !slices.Contains(Bureaus, r.Bureau) {
		fe["bureau"] = "error.bureau"
	}
	taken, err := time.Parse(domain.DateLayout, strings.TrimSpace(in.TakenOn))
	today := now.In(domain.Stockholm).Format(domain.DateLayout) // the date in Sweden, whatever the server's zone
	switch {
	case err != nil:
		fe["taken_on"] = "error.date"
	case taken.Format(domain.DateLayout) > today:
		fe["taken_on"] = "error.date_future"
	}
	r.TakenOn = taken
	if r.Rating == "" {
		fe["rating"] = "error.required"
	} else if len([]rune(r.Rating)) > 50 {
		fe["rating"] = "error.too_long"
	}
	if r.LimitOre, err = domain.ParseKronor(in.Limit); err != nil {
		fe["limit"] = "error.amount"
	}
	if len([]rune(r.Remarks)) > 2000 {
		fe["remarks"] = "error.too_long"
	}
	if len(fe) > 0 {
		return domain.CreditReport{}, fe
	}
	return r, nil
}

// AddCreditReport records a credit report taken on a customer.
func (s *Service) AddCreditReport(ctx context.Context, id domain.CustomerID, in CreditReportInput) error {
	actor, err := authz.RequireAll(ctx, authz.CreditReportAccess, authz.CustomerView)
	if err != nil {
		return err
	}
	now := s.Now()
	r, err := in.Validate(now)
	if err != nil {
		return err
	}
	r.CustomerID, r.RecordedAt = id, now
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := postgres.EditableCustomer(ctx, tx, id); err != nil {
			return err
		}
		reportID, err := postgres.AddCreditReport(ctx, tx, r, actor.AuditID())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, audit.CreditReportRecorded, entity, audit.ID(id),
			map[string]any{"credit_report_id": reportID}))
	})
}

// IdentityNumber is the customer's full identity number, for the customer page's "Visa": it needs
// customer.view_identity besides customer.view, and every time is recorded in the audit log with the
// customer's id alone (never the number).
func (s *Service) IdentityNumber(ctx context.Context, id domain.CustomerID) (string, error) {
	actor, err := authz.RequireAll(ctx, authz.CustomerView, authz.CustomerViewIdentity)
	if err != nil {
		return "", err
	}
	now := s.Now()
	var n string
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		c, err := postgres.Customer(ctx, tx, id)
		if err == nil {
			err = c.VisibleTo(authz.SeesRestricted(actor))
		}
		if err != nil {
			return err
		}
		n = c.IDNumber
		return audit.Record(ctx, tx, audit.Event(now, actor, IdentityViewed, entity, audit.ID(id), nil))
	})
	return n, err
}
