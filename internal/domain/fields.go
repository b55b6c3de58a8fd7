package domain

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Field declares one column of a register table (customers, suppliers) once: what it is called, how it
// is typed, checked, shown, exported and erased. A table's list of them (CustomerFields, SupplierFields)
// is what validation, the SQL, the forms, the customer page, the exports and the PII inventory derive
// from. The struct a row scans into (Customer, Supplier) holds each stored column in the field tagged
// db:"<Name>"; the form input (CustomerInput, SupplierInput) each typed one in the field tagged
// form:"<Name>".
type Field struct {
	Name    string // the column; also its form field, its FieldErrors key and its name in audit details
	Label   string // message id of its label on the form and the detail page
	Heading string // message id of its heading in the register export; "" when not exported
	Input   Input  // how it is typed in the form; InputNone: not typed

	// Validation: Canon makes the typed value canonical before any check (nil: strings.TrimSpace), then
	// Required, Check (with the other fields' canonical values at hand) and Max (in characters) apply.
	Canon    func(string) string
	Required bool
	Check    func(v string, other func(name string) string, now time.Time) (canonical, message string)
	Max      int

	Show Show // how the detail page shows it

	// Erasure: a personal column says how anonymisation clears it (Plain as in PIIColumn); any other
	// says in Keep why it is not personal data.
	Clear ClearWith
	Plain bool
	Keep  string

	Generated bool // computed by the database from other columns: in no struct, never written
}

// Input is how a field is typed in its form.
type Input int

// Inputs.
const (
	InputNone    Input = iota
	InputText          // one line of free text
	InputLines         // free text over several lines
	InputChoice        // one of fixed values (radio buttons): no free text to check
	InputCountry       // a country's ISO 3166-1 alpha-2 code, chosen by its name from a list
)

// Show is how the customer page shows a field.
type Show int

// Ways of showing a field.
const (
	ShowNot      Show = iota
	ShowText          // the value as it is
	ShowWord          // the message Label + "." + value (customer.kind.person)
	ShowIdentity      // labelled as a personnummer or an organisation number, by the customer's kind
	ShowAddress       // one "address" line with the fields before and after it that show so
	ShowMinute        // a time, to the minute
	ShowCountry       // a country code, by the country's name in the reader's language
)

// Fields is a table's declaration, in the order its columns are shown, exported and named in audit
// details.
type Fields []Field

// Personal reports whether the field holds personal data.
func (f Field) Personal() bool { return f.Clear != 0 }

// Stored lists the names of the columns a row scans (every one but the generated ones).
func (fs Fields) Stored() []string {
	var out []string
	for _, f := range fs {
		if !f.Generated {
			out = append(out, f.Name)
		}
	}
	return out
}

// Typed lists the fields typed in the form: the columns a create or an update writes.
func (fs Fields) Typed() Fields {
	var out Fields
	for _, f := range fs {
		if f.Input != InputNone {
			out = append(out, f)
		}
	}
	return out
}

// Names are the fields' names.
func (fs Fields) Names() []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// Exported lists the fields the register export carries, in its column order: the table's, with free
// text over several lines last (long notes would push apart the columns people read across).
func (fs Fields) Exported() Fields {
	var out, last Fields
	for _, f := range fs {
		switch {
		case f.Heading == "":
		case f.Input == InputLines:
			last = append(last, f)
		default:
			out = append(out, f)
		}
	}
	return append(out, last...)
}

// PII is the inventory's view of the table: its personal columns and why the others are not.
func (fs Fields) PII() ([]PIIColumn, map[string]string) {
	var personal []PIIColumn
	keep := map[string]string{}
	for _, f := range fs {
		if f.Personal() {
			personal = append(personal, PIIColumn{Name: f.Name, Clear: f.Clear, Plain: f.Plain})
		} else {
			keep[f.Name] = f.Keep
		}
	}
	return personal, keep
}

// ValidText reports whether s can be stored and shown: valid UTF-8 without control characters (line
// breaks and tabs allowed where multiline).
func ValidText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}

// CheckText marks every field whose raw value cannot be stored, before other checks look at it.
func CheckText(fe FieldErrors, fields map[string]string, multiline ...string) {
	for name, v := range fields {
		if !ValidText(v, slices.Contains(multiline, name)) {
			fe[name] = "error.text"
		}
	}
}

// validate checks the typed values of in against fs and returns the record R holding them in canonical
// form, or FieldErrors naming the message id per field. Every field is checked in the same round, so one
// submit shows every message (a field that cannot be stored does not hide another's mistake).
func validate[R, In any](fs Fields, in In, now time.Time) (R, error) {
	var rec R
	typed := fs.Typed()
	fe := FieldErrors{}
	vals := map[string]string{}
	for _, f := range typed {
		raw := Text(&in, "form", f.Name)
		if f.Input != InputChoice && !ValidText(raw, f.Input == InputLines) {
			fe[f.Name] = "error.text"
			continue
		}
		canon := strings.TrimSpace
		if f.Canon != nil {
			canon = f.Canon
		}
		vals[f.Name] = canon(raw)
	}
	other := func(name string) string { return vals[name] }
	for _, f := range typed {
		if fe[f.Name] != "" {
			continue
		}
		v, msg := vals[f.Name], ""
		switch {
		case f.Required && v == "":
			msg = "error.required"
		case f.Check != nil:
			v, msg = f.Check(v, other, now)
		}
		if msg == "" && f.Max > 0 && utf8.RuneCountInString(v) > f.Max {
			msg = "error.too_long"
		}
		if msg != "" {
			fe[f.Name] = msg
		}
		vals[f.Name] = v
	}
	if len(fe) > 0 {
		return rec, fe
	}
	for _, f := range typed {
		SetText(&rec, "db", f.Name, vals[f.Name])
	}
	return rec, nil
}

// formInput turns a stored record back into form values for editing.
func formInput[In, R any](fs Fields, rec R) In {
	var in In
	for _, f := range fs.Typed() {
		SetText(&in, "form", f.Name, Text(&rec, "db", f.Name))
	}
	return in
}

// changedFields lists the names of the typed fields that differ between a and b, for the audit log.
func changedFields[R any](fs Fields, a, b R) []string {
	var out []string
	for _, f := range fs.Typed() {
		if Text(&a, "db", f.Name) != Text(&b, "db", f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}

// FormInput reads a form (get is url.Values.Get) into In, one typed field of fs at a time.
func FormInput[In any](fs Fields, get func(name string) string) In {
	var in In
	for _, f := range fs.Typed() {
		SetText(&in, "form", f.Name, get(f.Name))
	}
	return in
}

// Value is the struct field tagged tag:"name" of *ptr (Value(&c, "db", "email")).
func Value[T any](ptr *T, tag, name string) reflect.Value { return Getter[T](tag, name)(ptr) }

// Getter is Value with the field looked up once, for use on many rows.
func Getter[T any](tag, name string) func(*T) reflect.Value {
	t := reflect.TypeFor[T]()
	i, ok := tagged(t, tag)[name]
	if !ok {
		// A declaration without its struct field: a programming error every test of the table finds.
		panic(fmt.Sprintf("domain: %s has no field tagged %s:%q", t, tag, name))
	}
	return func(ptr *T) reflect.Value { return reflect.ValueOf(ptr).Elem().Field(i) }
}

// Text is a string-typed field of *ptr by tag (Value), as text.
func Text[T any](ptr *T, tag, name string) string { return Value(ptr, tag, name).String() }

// SetText sets a string-typed field of *ptr by tag (Value).
func SetText[T any](ptr *T, tag, name, v string) { Value(ptr, tag, name).SetString(v) }

type tagKey struct {
	t   reflect.Type
	tag string
}

var tags sync.Map // tagKey → map[string]int

// tagged maps the values of struct type t's tag to the fields' indexes, once per type and tag.
func tagged(t reflect.Type, tag string) map[string]int {
	k := tagKey{t, tag}
	if m, ok := tags.Load(k); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		if n := t.Field(i).Tag.Get(tag); n != "" && n != "-" {
			m[n] = i
		}
	}
	tags.Store(k, m)
	return m
}

// Tagged lists the values of a struct type's tag (for the tests that keep a table and its structs in step).
func Tagged[T any](tag string) []string {
	var out []string
	for n := range tagged(reflect.TypeFor[T](), tag) {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Checks shared by the customer and supplier fields. Each gets the canonical value (never empty where
// optional) and returns it in stored form, or a message id.

// optional skips check for an empty value.
func optional(check func(v string, other func(string) string, now time.Time) (string, string)) func(string, func(string) string, time.Time) (string, string) {
	return func(v string, other func(string) string, now time.Time) (string, string) {
		if v == "" {
			return "", ""
		}
		return check(v, other, now)
	}
}

// parsed is a Check from a parser of the value alone: its canonical form, or message when it fails.
func parsed(parse func(string) (string, error), message string) func(string, func(string) string, time.Time) (string, string) {
	return func(v string, _ func(string) string, _ time.Time) (string, string) {
		if c, err := parse(v); err == nil {
			return c, ""
		}
		return "", message
	}
}

// The value checks that need nothing but the value.
var (
	checkEmail    = parsed(NormalizeEmail, "error.email")
	checkPhone    = parsed(ParsePhone, "error.phone")
	checkBankgiro = parsed(ParseBankgiro, "error.bankgiro")
	checkPlusgiro = parsed(ParsePlusgiro, "error.plusgiro")
)

// checkPostalCode reads a Swedish postal code as such; one abroad is free text. A country that is not a
// country code (it has its own message) counts as Sweden, the default, so that both messages show at once.
func checkPostalCode(v string, other func(string) string, _ time.Time) (string, string) {
	if c := other("country"); validCountry(c) && c != HomeCountry {
		return v, ""
	}
	if p, err := ParsePostalCode(v); err == nil {
		return p, ""
	}
	return "", "error.postal_code"
}

// HomeCountry is the country of an address unless another is chosen.
const HomeCountry = "SE"

// CountryCode is a country field's value as stored: an ISO 3166-1 alpha-2 code in capitals, Sweden
// unless another is chosen.
func CountryCode(v string) string {
	if v = strings.ToUpper(strings.TrimSpace(v)); v == "" {
		return HomeCountry
	}
	return v
}

// checkCountry takes any two-letter code, not only those the form lists: an address saved before the list
// (or under a code since withdrawn) can still be saved unchanged.
func checkCountry(v string, _ func(string) string, _ time.Time) (string, string) {
	if !validCountry(v) {
		return v, "error.country"
	}
	return v, ""
}

func validCountry(v string) bool {
	return len(v) == 2 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z'
}

// Columns reads the fields of a T tagged tag:"<name>" for each of names, in order, with the fields
// looked up once (a missing one panics here, which every test of the table finds), for use on many rows.
type Columns[T any] []int

// ColumnsOf looks the named fields of T up.
func ColumnsOf[T any](tag string, names []string) Columns[T] {
	t, idx := reflect.TypeFor[T](), tagged(reflect.TypeFor[T](), tag)
	out := make(Columns[T], len(names))
	for i, n := range names {
		j, ok := idx[n]
		if !ok {
			panic(fmt.Sprintf("domain: %s has no field tagged %s:%q", t, tag, n))
		}
		out[i] = j
	}
	return out
}

// Targets are pointers to the fields of *ptr: scan targets for a row of those columns.
func (cs Columns[T]) Targets(ptr *T) []any {
	v, out := reflect.ValueOf(ptr).Elem(), make([]any, len(cs))
	for i, j := range cs {
		out[i] = v.Field(j).Addr().Interface()
	}
	return out
}

// Values are the values of the fields of *ptr: the arguments that store them.
func (cs Columns[T]) Values(ptr *T) []any {
	v, out := reflect.ValueOf(ptr).Elem(), make([]any, len(cs))
	for i, j := range cs {
		out[i] = v.Field(j).Interface()
	}
	return out
}
