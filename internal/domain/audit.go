package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditEvent is one entry of the append-only, hash-chained audit log. Details carry ids and field names,
// never personal data.
type AuditEvent struct {
	ID         int64
	At         time.Time
	ActorID    *UserID
	Action     string
	EntityType string
	EntityID   *int64
	Details    map[string]any
}

// CanonicalDetails is the one serialisation of details that the hash covers: encoding/json of the decoded
// value (sorted keys, numbers kept as written), so it survives a round trip through jsonb unchanged.
func CanonicalDetails(raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("audit details: %w", err)
	}
	if err := plainValue(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// plainValue admits what jsonb stores and returns byte for byte: integers (ids, counts), strings without
// NUL, booleans, null, arrays and objects of them. jsonb rewrites other number forms (1e21), which would
// break the hash of an untouched event, and details hold ids and field names anyway.
func plainValue(v any) error {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
			return fmt.Errorf("audit details: %s is not an integer: %w", x, ErrInvalid)
		}
	case string:
		if strings.ContainsRune(x, 0) {
			return fmt.Errorf("audit details: NUL in a string: %w", ErrInvalid)
		}
	case []any:
		for _, e := range x {
			if err := plainValue(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) {
				return fmt.Errorf("audit details: NUL in a key: %w", ErrInvalid)
			}
			if err := plainValue(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// ChainHash is sha256(prev ‖ canonical event). The id is part of it, so an event cannot be moved.
func (e AuditEvent) ChainHash(prev []byte, canonicalDetails []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var num [8]byte
	writeInt := func(v int64) {
		binary.BigEndian.PutUint64(num[:], uint64(v))
		h.Write(num[:])
	}
	writeStr := func(s string) {
		writeInt(int64(len(s)))
		h.Write([]byte(s))
	}
	writeInt(e.ID)
	writeStr(e.At.UTC().Format(time.RFC3339Nano))
	if e.ActorID != nil {
		writeStr(fmt.Sprint(*e.ActorID))
	} else {
		writeStr("")
	}
	writeStr(e.Action)
	writeStr(e.EntityType)
	if e.EntityID != nil {
		writeStr(fmt.Sprint(*e.EntityID))
	} else {
		writeStr("")
	}
	writeStr(string(canonicalDetails))
	return h.Sum(nil)
}
