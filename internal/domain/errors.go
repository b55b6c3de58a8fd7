// Package domain holds Affär's entities, value types and error kinds. It depends on the standard library only.
package domain

import "errors"

// Error kinds. Wrap them with context; the server maps them to HTTP status in one place.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid input")
	ErrForbidden       = errors.New("forbidden")
	ErrUnauthenticated = errors.New("not signed in")
	// ErrBadCredentials is the one answer for an unknown account, a wrong password and an inactive user.
	ErrBadCredentials = errors.New("bad credentials")
	// ErrThrottled means too many failed sign-ins for the account or the client address.
	ErrThrottled = errors.New("too many failed sign-ins")
	// ErrBusy means the server is overloaded for this kind of work; try again shortly.
	ErrBusy = errors.New("busy")
)

// FieldErrors maps a form field to the message id describing what is wrong with it.
// It is an ErrInvalid, so the server answers 422 and re-renders the form.
type FieldErrors map[string]string

func (f FieldErrors) Error() string { return "invalid input" }

func (f FieldErrors) Is(target error) bool { return target == ErrInvalid }

// ConflictError is an ErrConflict with a message id explaining it to the user.
type ConflictError struct{ Key string }

func (e *ConflictError) Error() string { return "conflict: " + e.Key }

// Is makes errors.Is(err, ErrConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Refusal is why the database refused a statement for the values it was given rather than for its own
// state (a connection, a deadlock, a lock): trying again changes nothing.
type Refusal string

// Refusals. Each value is also the suffix of its message id, "bulk.error." + Why, in the catalogue.
const (
	RefusedData       Refusal = "data"       // a value it cannot take
	RefusedConstraint Refusal = "constraint" // an integrity constraint
	RefusedByRule     Refusal = "refused"    // a rule of its own (a trigger)
)

// RefusedError is a database error that belongs to the data a statement was given (see Refusal): a
// bulk job marks the one customer whose erasure met it as failed, instead of retrying the job.
type RefusedError struct {
	Why Refusal
	Err error // the database's error, for logs
}

func (e *RefusedError) Error() string { return e.Err.Error() }

// Unwrap keeps the database's error.
func (e *RefusedError) Unwrap() error { return e.Err }
