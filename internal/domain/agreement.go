package domain

import "time"

// Agreement is a published version of the data processing agreement (personuppgiftsbiträdesavtal).
type Agreement struct {
	ID          int64
	Version     string
	Body        string
	SHA256      string // hex digest of Body as published
	PublishedBy string // name of the admin, "" if since removed
	PublishedAt time.Time
	Recipients  []AgreementRecipient
}

// AgreementRecipient is an admin a version was sent to.
type AgreementRecipient struct {
	UserID     UserID
	Name       string
	Email      string // the address it was sent to
	SentAt     *time.Time
	Via        string // "smtp" or "page"
	AcceptedAt *time.Time
}
