package server

// Formatting shared by the handlers: how dates and names appear on the pages.

import (
	"context"
	"strconv"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
)

// localDate shows t's day in Swedish time.
func localDate(t time.Time) string { return t.In(domain.Stockholm).Format(domain.DateLayout) }

// localMinute shows t to the minute in Swedish time.
func localMinute(t time.Time) string { return t.In(domain.Stockholm).Format(domain.MinuteLayout) }

// localSecond shows t to the second in Swedish time, as audit events are listed.
func localSecond(t time.Time) string { return t.In(domain.Stockholm).Format(domain.SecondLayout) }

// heldThrough is the last day of a hold that ends before until (the first day the data may be cleared).
func heldThrough(until time.Time) string { return domain.LastDayHeld(until).Format(domain.DateLayout) }

// displayName is the customer's name, or the placeholder in the reader's language once anonymised.
func displayName(ctx context.Context, c domain.Customer) string {
	return shownName(ctx, c.Number, c.Name, c.AnonymisedAt != nil)
}

// shownName is a customer's name as pages show it: the placeholder in the reader's language for an
// anonymised one (the stored placeholder is Swedish).
func shownName(ctx context.Context, number int64, name string, anonymised bool) string {
	if anonymised {
		return i18n.Tf(ctx, "customer.anonymised_name", strconv.FormatInt(number, 10))
	}
	return name
}
