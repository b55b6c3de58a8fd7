package domain

import "time"

// Mail is an e-mail to send, with the files it carries.
type Mail struct {
	To          string
	Subject     string
	Body        string
	Attachments []Attachment
}

// Attachment is a file sent with an e-mail. Content is nil once the message has left by SMTP: the name
// and size stay for the outbox page.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int
	Content     []byte
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
