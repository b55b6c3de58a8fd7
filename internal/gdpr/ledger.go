package gdpr

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/affar/affar/internal/domain"
)

// Ledger is the erasure ledger: a file outside the database (AFFAR_ERASURE_LEDGER) recording every
// erasure, so one can be re-applied to a database restored from an older backup. It holds ids, never
// personal data.
//
// No committed erasure may be missing from it, so an erasure writes its intent (synced to disk) inside
// its transaction, before the commit, and its outcome after: committed, or aborted when the transaction
// surely rolled back. The intent names its transaction (id, cluster, database); an intent whose outcome
// is unknown (the process died, or the commit's answer was lost) is settled by Reconcile, which asks
// PostgreSQL's commit log about that transaction, never by looking for the erasure's rows: after a
// restore they are missing although the erasure committed. A replay treats an unsettled intent as
// committed, erring on the side of erasure.
type Ledger struct {
	path string
	mu   sync.Mutex
}

// NewLedger returns the ledger kept in the file at path.
func NewLedger(path string) *Ledger { return &Ledger{path: path} }

// Ledger entry states.
const (
	stateIntent    = "intent"
	stateCommitted = "committed"
	stateAborted   = "aborted"
)

// LedgerEntry is one line of the ledger. Intents carry the erasure; outcomes only Ref and State.
type LedgerEntry struct {
	Ref       string             `json:"ref"`
	State     string             `json:"state"`
	At        time.Time          `json:"at"`
	Kind      domain.ErasureKind `json:"kind,omitempty"`
	Customers []LedgerCustomer   `json:"customers,omitempty"`
	// The erasure's transaction, for Reconcile.
	Txid     int64  `json:"txid,omitempty"`
	System   string `json:"system,omitempty"`
	Database string `json:"database,omitempty"`
	// Register is the erasure register entry (no personal data), so a replay restores it too; Batch is
	// that of a bulk job's batch instead.
	Register *RegisterEntry `json:"register,omitempty"`
	Batch    *LedgerBatch   `json:"batch,omitempty"`
}

// LedgerCustomer is one customer an erasure covers. Created tells it from a customer created after a
// restore that got the same id and number again.
type LedgerCustomer struct {
	ID      domain.CustomerID  `json:"id"`
	Number  int64              `json:"number"`
	Created time.Time          `json:"created"`
	Kind    domain.ErasureKind `json:"kind,omitempty"` // in a bulk batch, when it differs from the entry's
}

// LedgerBatch is a bulk job's batch as the ledger records it: enough to restore the job's register
// entry and add the batch's counts to it once.
type LedgerBatch struct {
	JobID     int64              `json:"job_id"`
	JobRef    string             `json:"job_ref"`
	Kind      domain.ErasureKind `json:"job_kind"`
	Confirmed time.Time          `json:"confirmed"`
	ActorID   *domain.UserID     `json:"actor_id,omitempty"`
	ActorName string             `json:"actor_name"`
	Reason    string             `json:"reason"`
	Counts    map[string]int     `json:"counts"`
	Held      map[string]int     `json:"held,omitempty"`
}

// RegisterEntry is the part of an erasure register row a replay needs.
type RegisterEntry struct {
	ActorID   *domain.UserID `json:"actor_id,omitempty"`
	ActorName string         `json:"actor_name,omitempty"`
	Counts    map[string]int `json:"counts"`
	Holds     []LedgerHold   `json:"holds,omitempty"`
	Reason    string         `json:"reason"`
}

// LedgerHold is a hold as the ledger records it.
type LedgerHold struct {
	QuoteID domain.QuoteID `json:"quote_id"`
	Number  int64          `json:"quote"`
	Until   string         `json:"until"`
}

// ErrLedger marks every failure to write the ledger: the erasure it was for did not happen (its
// transaction rolls back), and will not until the ledger can be written again.
var ErrLedger = errors.New("erasure ledger cannot be written")

func ledgerErr(what string, err error) error {
	return fmt.Errorf("erasure ledger: %s: %w: %w", what, ErrLedger, err)
}

// Writable tells, cheaply and writing nothing, whether the ledger can be appended to: the file opens for
// appending or, before the first erasure, its directory can take it (readiness, /readyz). As root, a
// read-only mode is no obstacle, and none is reported: only what would stop a write.
func (l *Ledger) Writable() error {
	if l.path == "" {
		return ledgerErr("AFFAR_ERASURE_LEDGER", errors.New("not set"))
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, os.ErrNotExist) {
		return ledgerErr("open", err)
	}
	dir := filepath.Dir(l.path)
	const writeSearch = 0x2 | 0x1 // W_OK | X_OK
	if err := syscall.Access(dir, writeSearch); err != nil {
		return ledgerErr("directory", &os.PathError{Op: "access", Path: dir, Err: err})
	}
	return nil
}

// append writes one entry and syncs it to disk. An exclusive lock on the file keeps lines whole when
// several server processes on one machine share it.
func (l *Ledger) append(e LedgerEntry) error {
	if l.path == "" {
		return ledgerErr("AFFAR_ERASURE_LEDGER", errors.New("not set"))
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, statErr := os.Stat(l.path)
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return ledgerErr("open", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return ledgerErr("lock", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		// A line torn by a crash mid-write ends without a newline: end it, so this entry stays whole.
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return ledgerErr("write", err)
	}
	if err := f.Sync(); err != nil {
		return ledgerErr("sync", err)
	}
	if errors.Is(statErr, os.ErrNotExist) { // a new file: make its directory entry durable too
		if d, err := os.Open(filepath.Dir(l.path)); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return nil
}

// Intend records an erasure about to commit.
func (l *Ledger) Intend(e LedgerEntry) error {
	e.State = stateIntent
	return l.append(e)
}

// Settle records the outcome of an intent.
func (l *Ledger) Settle(ref string, committed bool, at time.Time) error {
	state := stateAborted
	if committed {
		state = stateCommitted
	}
	return l.append(LedgerEntry{Ref: ref, State: state, At: at})
}

// LedgerRecord is an erasure as the ledger knows it: its intent and the last outcome written ("" if none).
type LedgerRecord struct {
	LedgerEntry
	Outcome string
}

// Records reads the whole ledger into memory, in the order erasures were made (tests and small ledgers;
// Walk streams).
func (l *Ledger) Records() ([]LedgerRecord, error) {
	var out []LedgerRecord
	err := l.Walk(func(r LedgerRecord) error {
		out = append(out, r)
		return nil
	}, false)
	return out, err
}

// Walk calls fn for each erasure of the ledger, in the order they were made, with its last outcome
// ("" if none); with openOnly, only for those without one. A bulk job writes hundreds of customers per
// line, so the file is read twice rather than held: first the outcomes (a few bytes per erasure), then
// the intents, one at a time. A missing file is an empty ledger.
func (l *Ledger) Walk(fn func(LedgerRecord) error, openOnly bool) error {
	type head struct {
		Ref   string `json:"ref"`
		State string `json:"state"`
	}
	// Intents are the long lines; each pass decodes only what it needs of them.
	isIntent := func(line []byte) bool { return bytes.Contains(line, []byte(`"state":"intent"`)) }
	outcomes := map[string]string{}
	if err := l.scan(func(line []byte) error {
		if isIntent(line) {
			return nil
		}
		var e head
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		if e.State != stateIntent {
			outcomes[e.Ref] = e.State
		}
		return nil
	}); err != nil {
		return err
	}
	return l.scan(func(line []byte) error {
		if !isIntent(line) {
			return nil
		}
		if openOnly {
			var h head
			if err := json.Unmarshal(line, &h); err != nil {
				return err
			}
			if outcomes[h.Ref] != "" {
				return nil
			}
		}
		var e LedgerEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		if e.State != stateIntent || (openOnly && outcomes[e.Ref] != "") {
			return nil
		}
		return fn(LedgerRecord{LedgerEntry: e, Outcome: outcomes[e.Ref]})
	})
}

// scan calls fn with each whole line of the ledger file.
func (l *Ledger) scan(fn func(line []byte) error) error {
	f, err := os.Open(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("erasure ledger: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20) // a bulk batch lists hundreds of customers on one line
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			// A line torn by a crash mid-write (append ends it with a newline afterwards). It was never
			// synced, so its intent never reached a commit; an outcome torn so stays unsettled.
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("erasure ledger: %w", err)
		}
	}
	return sc.Err()
}
