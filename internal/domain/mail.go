package domain

import "time"

// Mail is an e-mail to send.
type Mail struct {
	To      string
	Subject string
	Body    string
}

// OutboxMessage is a queued e-mail and what became of it.
type OutboxMessage struct {
	ID int64
	Mail
	CreatedAt time.Time
	SentAt    *time.Time
	Via       string // "smtp", "page" (no SMTP configured: shown on the outbox page) or "" while queued
	Attempts  int
	LastError string
}
