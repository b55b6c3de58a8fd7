package gdpr

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

// CopyPermissions are what producing a subject-access copy takes. A copy under GDPR art. 15 holds every
// kind of data, so it also needs the right to see credit reports: a user without it cannot produce a copy
// at all, rather than one that silently lacks a category (and the refusal does not tell whether this
// customer has credit reports). The copy holds the identity number in full, whether or not the user may
// see full numbers (customer.view_identity) elsewhere: it is the person's own data, handed to them, and a
// masked number would make it incomplete (issue 16 masks numbers on screens, labels and exports only).
var CopyPermissions = []authz.Permission{authz.CustomerView, authz.CustomerExport, authz.CreditReportAccess}

// Export is everything stored about one customer (GDPR art. 15 and 20), read through the inventory so a
// newly declared column is exported without further work, with what art. 15(1) asks to be told besides:
// the storage period (the bookkeeping hold) and the company's texts on purposes, bases and recipients.
type Export struct {
	GeneratedAt    time.Time
	CustomerID     domain.CustomerID
	CustomerNumber int64
	Tables         []ExportTable
	Events         []audit.Entry // the audit events about the customer and their quotes
	// Requests are the person's requests under art. 15–21 concerning the customer, without the requester's
	// details as typed (the copy's own tables hold the person's data).
	Requests []domain.SubjectRequest
	Hold     domain.CustomerHold
	Rule     domain.Retention
	Texts    map[string]string // the company's own privacy texts by topic (Topics); missing ones use the defaults
}

// ExportTable is one inventory table's rows of the customer.
type ExportTable struct {
	PII     domain.PIITable
	Columns []ExportColumn
	// Rows map column names to values: nil, string, int64, bool, a calendar day as "2006-01-02", or an
	// instant as time.Time.
	Rows []map[string]any
}

// ExportColumn is one exported column with its type as the database declares it.
type ExportColumn struct {
	Name string
	Type domain.ColumnType
	Unit string // what an integer counts: UnitOre, UnitThousandths, UnitPercent, or ""
	// Internal marks keys that mean nothing to the person (row ids, and a staff member's user id, shown by
	// name in StaffColumn's companion column).
	Internal bool
}

// Units of integer columns, named by the schema's column naming (amounts end in _ore, quantities in
// _milli).
const (
	UnitOre         = "ore"
	UnitThousandths = "thousandths"
	UnitPercent     = "percent"
)

func unitOf(column string) string {
	switch {
	case strings.HasSuffix(column, "_ore"):
		return UnitOre
	case strings.HasSuffix(column, "_milli"):
		return UnitThousandths
	case strings.HasSuffix(column, "_rate"):
		return UnitPercent
	}
	return ""
}

// StaffColumn is the column that names the user who recorded a row; the copy adds StaffColumn+"_name"
// beside it with the user's name.
const StaffColumn = "recorded_by"

// InternalKey is the inventory's reason for a column that is only a key.
const InternalKey = domain.InternalKey

// ExportColumns are the columns of t an export shows: the personal ones first (generated ones aside,
// they repeat the others), then the rest, by name.
func ExportColumns(t domain.PIITable) []string {
	var cols []string
	for _, c := range t.Personal {
		if c.Clear != domain.ClearDerived {
			cols = append(cols, c.Name)
		}
	}
	var rest []string
	for c := range t.NotPersonal {
		rest = append(rest, c)
	}
	slices.Sort(rest)
	return append(cols, rest...)
}

// Topic is one text of the information a copy gives the person, as the company may word it. Defaults
// are message ids of Affär's own wording, joined when there are several.
type Topic struct {
	Name     string
	Defaults []string
}

// General topics, and the per-table prefixes (topic "purpose.customers" …).
const (
	TopicController = "controller"
	TopicRecipients = "recipients"
	TopicTransfers  = "transfers"
	TopicPurpose    = "purpose."
	TopicBasis      = "basis."
	TopicSource     = "source."
)

// Topics lists every text of a copy's information, from the inventory: the controller, recipients and
// transfers, then each table's purpose, legal basis and source.
func Topics() []Topic {
	out := []Topic{
		{TopicController, []string{"gdpr.info.controller_unset"}},
		{TopicRecipients, []string{"gdpr.info.recipients_default"}},
		{TopicTransfers, []string{"gdpr.info.transfers_default"}},
	}
	for _, t := range Inventory {
		bases := make([]string, len(t.Bases))
		for i, b := range t.Bases {
			bases[i] = "gdpr.basis." + string(b)
		}
		out = append(out, Topic{TopicPurpose + t.Name, []string{t.Purpose}}, Topic{TopicBasis + t.Name, bases},
			Topic{TopicSource + t.Name, []string{t.Source}})
	}
	return out
}

// Export reads everything stored about customer id, and records that it was exported (format says how:
// "page", "json" or "zip"). A copy made for a data subject's request (its number; "" for none) is recorded
// on the request as a copy sent, in the same transaction.
func (s *Service) Export(ctx context.Context, id domain.CustomerID, format, onRequest string) (Export, error) {
	actor, err := authz.RequireAll(ctx, CopyPermissions...)
	if err != nil {
		return Export{}, err
	}
	now := s.Now()
	x := Export{GeneratedAt: now, CustomerID: id}
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		c, err := visibleCustomer(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		x.CustomerNumber = c.Number
		var tables []any
		var quotes []int64
		var decided []domain.Quote // what the storage period needs of the quotes
		for _, t := range Inventory {
			et, err := exportTable(ctx, tx, t, id)
			if err != nil {
				return err
			}
			x.Tables = append(x.Tables, et)
			tables = append(tables, t.Name)
			if t.Name == "quotes" {
				for _, q := range et.Rows {
					qid, _ := q["id"].(int64)
					quotes = append(quotes, qid)
					decided = append(decided, decidedQuote(q))
				}
			}
		}
		if err := nameStaff(ctx, tx, x.Tables); err != nil {
			return err
		}
		if x.Events, err = subjectEvents(ctx, tx, id, quotes); err != nil {
			return err
		}
		if x.Requests, err = postgres.CustomerRequests(ctx, tx, id); err != nil {
			return err
		}
		for i := range x.Requests {
			x.Requests[i].Requester = domain.Requester{}
		}
		if x.Rule, err = postgres.Retention(ctx, tx); err != nil {
			return err
		}
		x.Hold = x.Rule.CustomerHold(decided, now)
		if x.Texts, err = postgres.PrivacyTexts(ctx, tx); err != nil {
			return err
		}
		details := map[string]any{"format": format, "tables": tables}
		if err := s.copyOnRequest(ctx, tx, actor, now, c.Number, onRequest, details); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Exported, audit.Customer, audit.ID(id), details))
	})
	return x, err
}

// subjectEvents are the events about customer id and about each of their quotes, two queries in all,
// oldest first.
func subjectEvents(ctx context.Context, tx pgx.Tx, id domain.CustomerID, quotes []int64) ([]audit.Entry, error) {
	var out []audit.Entry
	for _, about := range []struct {
		entity string
		ids    []int64
	}{{"customer", []int64{int64(id)}}, {"quote", quotes}} {
		events, names, err := postgres.EntitiesAudit(ctx, tx, about.entity, about.ids, 100000, audit.Hidden(ctx))
		if err != nil {
			return nil, err
		}
		for i := range events {
			out = append(out, audit.Entry{AuditEvent: events[i], ActorName: names[i]})
		}
	}
	slices.SortFunc(out, func(a, b audit.Entry) int { return a.At.Compare(b.At) })
	return out, nil
}

// copyOnRequest records a copy of customer number made for the request numbered onRequest, if any, and
// names the request in the export's audit details.
func (s *Service) copyOnRequest(ctx context.Context, tx pgx.Tx, actor authz.Actor, now time.Time, number int64,
	onRequest string, details map[string]any) error {
	id, err := s.request(ctx, tx, actor, onRequest)
	if err != nil || id == 0 {
		return err
	}
	details["request"], details["request_id"] = strings.TrimSpace(onRequest), id
	_, err = s.Requests.Record(ctx, tx, actor, now, id, domain.RequestAction{Kind: domain.ActionCopySent,
		Ref: strconv.FormatInt(number, 10)})
	return err
}

// decidedQuote is a quote row of the copy as the storage period reads it: number, status, decision.
func decidedQuote(row map[string]any) domain.Quote {
	q := domain.Quote{}
	q.Number, _ = row["number"].(int64)
	status, _ := row["status"].(string)
	q.Status = domain.QuoteStatus(status)
	if d, ok := row["decided_at"].(time.Time); ok {
		q.DecidedAt = &d
	}
	return q
}

// exportTable reads table t's rows of the customer, with its column types, dates as days.
func exportTable(ctx context.Context, tx pgx.Tx, t domain.PIITable, id domain.CustomerID) (ExportTable, error) {
	names := ExportColumns(t)
	rows, types, err := postgres.SubjectRows(ctx, tx, Inventory, t, names, id)
	if err != nil {
		return ExportTable{}, err
	}
	et := ExportTable{PII: t, Rows: rows}
	for i, n := range names {
		et.Columns = append(et.Columns, ExportColumn{Name: n, Type: types[i], Unit: unitOf(n),
			Internal: t.NotPersonal[n] == InternalKey || n == StaffColumn})
		if n == StaffColumn {
			et.Columns = append(et.Columns, ExportColumn{Name: StaffColumn + "_name", Type: domain.ColumnText})
		}
		if types[i] != domain.ColumnDate {
			continue
		}
		for _, r := range rows { // a day, not midnight UTC
			if d, ok := r[n].(time.Time); ok {
				r[n] = d.Format(domain.DateLayout)
			}
		}
	}
	return et, nil
}

// nameStaff fills each StaffColumn's name column with the current name of the user it refers to.
func nameStaff(ctx context.Context, tx pgx.Tx, tables []ExportTable) error {
	var ids []int64
	for _, t := range tables {
		for _, r := range t.Rows {
			if id, ok := r[StaffColumn].(int64); ok {
				ids = append(ids, id)
			}
		}
	}
	names, err := postgres.UserNames(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if !slices.ContainsFunc(t.Columns, func(c ExportColumn) bool { return c.Name == StaffColumn }) {
			continue
		}
		for _, r := range t.Rows {
			r[StaffColumn+"_name"] = nil
			if id, ok := r[StaffColumn].(int64); ok {
				r[StaffColumn+"_name"] = names[id]
			}
		}
	}
	return nil
}

// Texts are the company's privacy texts by topic, for the data protection officer's page.
func (s *Service) Texts(ctx context.Context) (map[string]string, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return nil, err
	}
	return postgres.PrivacyTexts(ctx, s.DB.Pool)
}

// MaxTextLength bounds one privacy text.
const MaxTextLength = 4000

// SetTexts stores the company's privacy texts (an empty one falls back to the default), audited with
// the topics changed.
func (s *Service) SetTexts(ctx context.Context, texts map[string]string) error {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, t := range Topics() {
		known[t.Name] = true
	}
	fe := domain.FieldErrors{}
	for topic, body := range texts {
		switch {
		case !known[topic]:
			fe[topic] = "error.unknown_topic"
		case !domain.ValidText(body, true):
			fe[topic] = "error.text"
		case len([]rune(strings.TrimSpace(body))) > MaxTextLength:
			fe[topic] = "error.too_long"
		}
	}
	if len(fe) > 0 {
		return fe
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		old, err := postgres.PrivacyTexts(ctx, tx)
		if err != nil {
			return err
		}
		var changed []any
		for _, t := range Topics() {
			body, ok := texts[t.Name]
			if body = strings.TrimSpace(body); !ok || body == old[t.Name] {
				continue
			}
			if err := postgres.SetPrivacyText(ctx, tx, t.Name, body, actor.AuditID(), now); err != nil {
				return err
			}
			changed = append(changed, t.Name)
		}
		if len(changed) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, TextsChanged, "privacy", nil, map[string]any{"topics": changed}))
	})
}

// visibleCustomer loads customer id, refusing a restricted one to those who may not see it.
func visibleCustomer(ctx context.Context, q postgres.Querier, actor authz.Actor, id domain.CustomerID) (domain.Customer, error) {
	c, err := postgres.Customer(ctx, q, id)
	if err == nil {
		err = c.VisibleTo(authz.SeesRestricted(actor))
	}
	return c, err
}
