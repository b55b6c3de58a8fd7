package customerimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions: the check of an upload (every probe of the suppression list leaves a trace), each batch
// imported (committed with its customers) and the import's end, with counts and row numbers, never values;
// and under each duplicate the import updated, the fields the file changed.
const (
	Checked          = "customer_import.checked"
	Confirmed        = "customer_import.confirmed" // with the choice for duplicates and the held rows let in, by number
	BatchImported    = "customer_import.batch"
	DuplicateUpdated = "customer_import.updated"
	Finished         = "customer_import.finished"
)

// Batch is how many rows one transaction checks or imports.
const Batch = 1000

// Inserter enqueues river jobs inside a transaction (an insert-only river.Client does).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Service imports customers.
type Service struct {
	DB          *postgres.DB
	Now         func() time.Time
	ErasureSalt []byte // keys the suppression and objection hashes (AFFAR_ERASURE_SALT)
	Queue       Inserter
}

// headingFields maps every heading a file may give a customer field (normal form) to the field: the
// register export's headings and the form's labels in both languages, and the fields' names.
var headingFields = headings()

func headings() map[string]string {
	out := map[string]string{"number": "number", normal(i18n.T(context.Background(), "export.col.number")): "number",
		normal(i18n.T(i18n.WithLang(context.Background(), "en"), "export.col.number")): "number"}
	for _, f := range domain.CustomerFields.Typed() {
		out[f.Name] = f.Name
		for _, lang := range []string{"sv", "en"} {
			ctx := i18n.WithLang(context.Background(), lang)
			for _, key := range []string{f.Heading, f.Label} {
				if key != "" {
					out[normal(i18n.T(ctx, key))] = f.Name
				}
			}
		}
	}
	return out
}

// kindCodes maps the words the export writes for a kind (and the codes) to the codes.
var kindCodes = kinds()

func kinds() map[string]string {
	out := map[string]string{}
	for _, k := range []domain.CustomerKind{domain.Person, domain.Company} {
		out[string(k)] = string(k)
		for _, lang := range []string{"sv", "en"} {
			out[normal(i18n.T(i18n.WithLang(context.Background(), lang), "customer.kind."+string(k)))] = string(k)
		}
	}
	return out
}

// Upload reads and checks a file and stores it as a preview; nothing is imported until Confirm. The rows
// are read, checked and stored a batch at a time, so a CSV costs the memory of one batch however long.
func (s *Service) Upload(ctx context.Context, f File) (int64, error) {
	actor, err := authz.Require(ctx, authz.CustomerCreate)
	if err != nil {
		return 0, err
	}
	rows, err := Open(f)
	if err != nil {
		return 0, unreadable(err)
	}
	head, err := rows.Read()
	if err == io.EOF {
		return 0, domain.FieldErrors{"file": "import.error.empty"}
	} else if err != nil {
		return 0, unreadable(err)
	}
	cols := Columns(head, headingFields)
	fields := imported(cols)
	if !slices.Contains(fields, "name") {
		return 0, domain.FieldErrors{"file": "import.error.no_name"}
	}
	now := s.Now()
	var id int64
	err = s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if id, err = postgres.CreateImport(ctx, tx, actor.AuditID(), fields, now); err != nil {
			return err
		}
		counts, total, err := s.checkAll(ctx, tx, id, rows, cols, now)
		if err != nil {
			return err
		}
		if err := postgres.SetImportTotal(ctx, tx, id, total); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Checked, "customer_import", &id, map[string]any{
			"rows": total, "fields": fields, "ok": counts[domain.ImportOK], "invalid": counts[domain.ImportInvalid],
			"duplicates": counts[domain.ImportDuplicate], "held": counts[domain.ImportHeld]}))
	})
	return id, err
}

// unreadable is the message for a file Open or a row's Read could not read.
func unreadable(err error) error {
	if errors.Is(err, ErrTooManyRows) {
		return domain.FieldErrors{"file": "import.error.too_many"}
	}
	return domain.FieldErrors{"file": "import.error.unreadable"}
}

// checkAll checks and stores the rows after the headings, a batch at a time, and counts them by state.
func (s *Service) checkAll(ctx context.Context, tx pgx.Tx, id int64, rows Rows, cols []string, now time.Time) (map[domain.ImportState]int, int, error) {
	counts := map[domain.ImportState]int{}
	line := 2 // the first row after the headings
	for {
		batch, err := next(rows, Batch)
		if err != nil {
			return nil, 0, unreadable(err)
		}
		if len(batch) == 0 && line == 2 {
			return nil, 0, domain.FieldErrors{"file": "import.error.empty"}
		}
		if len(batch) == 0 {
			return counts, line - 2, nil
		}
		checked, err := s.check(ctx, tx, batch, line, cols, now)
		if err != nil {
			return nil, 0, err
		}
		for _, r := range checked {
			counts[r.State]++
		}
		if counts[domain.ImportHeld] > MaxHeld {
			return nil, 0, domain.FieldErrors{"file": "import.error.too_many_held"}
		}
		if err := postgres.InsertImportRows(ctx, tx, id, checked); err != nil {
			return nil, 0, err
		}
		line += len(batch)
	}
}

// next reads up to n rows; none at the end of the file.
func next(rows Rows, n int) ([][]string, error) {
	var out [][]string
	for len(out) < n {
		row, err := rows.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, nil
}

// imported are the customer fields of a file's columns, each once, in their order.
func imported(cols []string) []string {
	var out []string
	for _, c := range cols {
		if c != "" && c != "number" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// values is one row's values by field.
func values(row, cols []string) map[string]string {
	out := map[string]string{}
	for i, f := range cols {
		if f != "" && i < len(row) && strings.TrimSpace(row[i]) != "" {
			out[f] = strings.TrimSpace(row[i])
		}
	}
	return out
}

// customerOf validates a row's values by the form's rules. A kind written as a word is read as its code;
// without a kind, an identity number that is an organisation number (its third digit 2 or more) makes a
// company, anything else a private person.
func customerOf(v map[string]string, now time.Time) (domain.Customer, error) {
	if k, ok := kindCodes[normal(v["kind"])]; ok {
		v["kind"] = k
	} else if v["kind"] == "" {
		v["kind"] = string(domain.Person)
		if d, _ := domain.Digits(v["id_number"], ""); len(d) == 10 && d[2] >= '2' {
			v["kind"] = string(domain.Company)
		}
	}
	return domain.FormInput[domain.CustomerInput](domain.CustomerFields, func(name string) string { return v[name] }).Validate(now)
}

// check checks rows (the first being line first of the file): the form's rules, then, for valid rows,
// the suppression list and kept objections (held), then existing customers (duplicates).
func (s *Service) check(ctx context.Context, q postgres.Querier, rows [][]string, first int, cols []string, now time.Time) ([]domain.ImportRow, error) {
	out := make([]domain.ImportRow, len(rows))
	valids := map[int]valid{}
	var (
		numbers          []int64
		idNumbers, email []string
		hashes           [][]byte
	)
	for i, row := range rows {
		v := values(row, cols)
		out[i] = domain.ImportRow{Row: first + i, Input: v, State: domain.ImportOK, Problems: map[string]string{}}
		c, err := customerOf(v, now)
		var fe domain.FieldErrors
		switch {
		case errors.As(err, &fe):
			out[i].State, out[i].Problems = domain.ImportInvalid, fe
			continue
		case err != nil:
			return nil, err
		}
		h := domain.SuppressionHashes(s.ErasureSalt, c.Email, c.Phone, c.IDNumber)
		valids[i] = valid{c: c, hashes: h}
		if n, err := strconv.ParseInt(v["number"], 10, 64); err == nil {
			numbers = append(numbers, n)
		}
		idNumbers, email = append(idNumbers, c.IDNumber), append(email, c.Email)
		hashes = append(hashes, h...)
	}
	matches, err := postgres.ImportMatches(ctx, q, numbers, idNumbers, email)
	if err != nil {
		return nil, err
	}
	suppressed, objected, err := s.erased(ctx, q, hashes)
	if err != nil {
		return nil, err
	}
	for i, v := range valids {
		mark(&out[i], v, suppressed, objected, matches)
	}
	return out, nil
}

// valid is a row that passed the form's rules, with its identifiers' suppression hashes.
type valid struct {
	c      domain.Customer
	hashes [][]byte
}

// mark makes row r held when its hashes are on the suppression list or among the kept objections (with
// the latest erasure's time), else a duplicate when an existing customer has its number, identity
// number or e-mail.
func mark(r *domain.ImportRow, v valid, suppressed map[string]time.Time, objected map[string]bool, matches map[string]domain.CustomerID) {
	for _, h := range v.hashes {
		if at, ok := suppressed[string(h)]; ok && at.After(r.ErasedAt) {
			r.State, r.ErasedAt = domain.ImportHeld, at
		}
		if objected[string(h)] {
			r.State, r.Objected = domain.ImportHeld, true
		}
	}
	if r.State == domain.ImportHeld {
		return
	}
	for _, m := range []struct{ on, value string }{{"number", r.Input["number"]}, {"id_number", v.c.IDNumber}, {"email", v.c.Email}} {
		if id, ok := matches[m.on+":"+m.value]; ok && m.value != "" {
			r.State, r.MatchID, r.MatchOn = domain.ImportDuplicate, id, m.on
			return
		}
	}
}

// erased looks hashes up on the suppression list and among the kept objections; without a salt
// (nothing was ever hashed) neither can match.
func (s *Service) erased(ctx context.Context, q postgres.Querier, hashes [][]byte) (map[string]time.Time, map[string]bool, error) {
	if len(s.ErasureSalt) == 0 || len(hashes) == 0 {
		return nil, nil, nil
	}
	suppressed, err := postgres.SuppressedHashes(ctx, q, hashes)
	if err != nil {
		return nil, nil, err
	}
	objected, err := postgres.ObjectedHashes(ctx, q, hashes)
	return suppressed, objected, err
}

// ProblemPage is how many rows with errors or duplicates the preview lists at a time.
const ProblemPage = 100

// MaxHeld is how many held rows the preview lists, all on its first page, each to be confirmed; a file
// with more is refused (an import of a register erased before is no import to confirm row by row).
const MaxHeld = 1000

// Preview is an import with its rows that need a look: every held row, and a page of the rows with errors
// or duplicates.
type Preview struct {
	Import   domain.Import
	Held     []domain.ImportRow
	Problems []domain.ImportRow
	More     bool
}

// Preview returns an import with its held rows and a page of its other problem rows, after row after.
func (s *Service) Preview(ctx context.Context, id int64, after int) (Preview, error) {
	actor, err := authz.Require(ctx, authz.CustomerCreate)
	if err != nil {
		return Preview{}, err
	}
	var p Preview
	if p.Import, err = s.own(ctx, s.DB.Pool, actor, id, false); err != nil {
		return p, err
	}
	if p.Held, _, err = postgres.ImportProblems(ctx, s.DB.Pool, id, []domain.ImportState{domain.ImportHeld}, 0, MaxHeld); err != nil {
		return p, err
	}
	p.Problems, p.More, err = postgres.ImportProblems(ctx, s.DB.Pool, id,
		[]domain.ImportState{domain.ImportInvalid, domain.ImportDuplicate}, after, ProblemPage)
	return p, err
}

// own loads an import of the actor's (an admin's: anyone's); others' are not found.
func (s *Service) own(ctx context.Context, q postgres.Querier, actor authz.Actor, id int64, lock bool) (domain.Import, error) {
	im, err := postgres.Import(ctx, q, id, lock)
	if err == nil && !actor.IsAdmin && (im.CreatedBy == nil || actor.AuditID() == nil || *im.CreatedBy != *actor.AuditID()) {
		err = fmt.Errorf("import %d: %w", id, domain.ErrNotFound)
	}
	return im, err
}

// ConfirmInput is what the user chose on the preview.
type ConfirmInput struct {
	Duplicates string // skip or update
	Include    []int  // held rows to import all the same, each confirmed
}

// ImportArgs is the river job that imports a confirmed import.
type ImportArgs struct {
	ID int64 `json:"id"`
}

// Kind names the job for river.
func (ImportArgs) Kind() string { return "customer_import" }

// Confirm queues a previewed import with the user's choices; updating duplicates needs customer.edit.
func (s *Service) Confirm(ctx context.Context, id int64, in ConfirmInput) error {
	need := []authz.Permission{authz.CustomerCreate}
	switch in.Duplicates {
	case "update":
		need = append(need, authz.CustomerEdit)
	case "skip":
	default:
		return domain.FieldErrors{"duplicates": "import.error.duplicates"}
	}
	actor, err := authz.RequireAll(ctx, need...)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.DB.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := s.own(ctx, tx, actor, id, true); err != nil {
			return err
		}
		if err := postgres.ConfirmImport(ctx, tx, id, in.Duplicates, in.Include, now); err != nil {
			return err
		}
		if _, err := s.Queue.InsertTx(ctx, tx, ImportArgs{ID: id}, nil); err != nil {
			return err
		}
		include := in.Include
		if include == nil {
			include = []int{}
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, Confirmed, "customer_import", &id, map[string]any{
			"duplicates": in.Duplicates, "held_rows_included": include}))
	})
}

// Resume enqueues every confirmed import that has not ended: after a crash its river job may sit as
// running until river rescues it. An extra run is harmless: rows are claimed with SKIP LOCKED. Serve runs
// it at start.
func (s *Service) Resume(ctx context.Context) (int, error) {
	ids, err := postgres.OpenImports(ctx, s.DB.Pool)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return len(ids), s.DB.InTx(ctx, func(tx pgx.Tx) error {
		for _, id := range ids {
			if _, err := s.Queue.InsertTx(ctx, tx, ImportArgs{ID: id}, nil); err != nil {
				return err
			}
		}
		return nil
	})
}
