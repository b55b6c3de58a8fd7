package domain

import "time"

// ChainCheck is one verification of the audit chain by the daily job: whether it held, how far it went,
// and the head (event id and hash) that was mailed out as an anchor.
type ChainCheck struct {
	ID          int64
	At          time.Time
	OK          bool
	Events      int64
	HeadID      int64  // 0 on an empty log
	HeadHash    []byte // nil on an empty log
	BrokenEvent int64  // the first event that does not hold, when !OK
	Reason      string // why it does not hold (no personal data: the verifier's own words)
	Recipients  int
}
