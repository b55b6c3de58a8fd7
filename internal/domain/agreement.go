package domain

import "time"

// Agreement is a published version of the data processing agreement (personuppgiftsbiträdesavtal).
type Agreement struct {
	ID          int64
	Version     string
	Body        string
	SHA256      string // hex digest of Body as published
	PublishedBy string // name of the admin who published it; "" for the operator (the command line) or a removed user
	PublishedAt time.Time
	Recipients  []AgreementRecipient
}

// AgreementRecipient is an admin a version was sent to.
type AgreementRecipient struct {
	UserID     UserID
	Name       string
	Email      string // the address it was sent to
	SentAt     *time.Time
	Via        string     // "smtp" or "page"
	AcceptedAt *time.Time // by continued use (or explicitly, whichever came first)
	// AcceptedExplicitlyAt is when they pressed "Jag har läst avtalet".
	AcceptedExplicitlyAt *time.Time
}
