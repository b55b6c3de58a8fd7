package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
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
	PrevHash   []byte
	Hash       []byte
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
	return json.Marshal(v)
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
