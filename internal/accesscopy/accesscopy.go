// Package accesscopy writes a subject-access copy (GDPR art. 15 and 20) for the person it is about: the
// information art. 15(1) asks for in the reader's language, each stored value as a reader understands it,
// and a ZIP for portability (a JSON document with the schema it follows, one CSV per table, the printable
// page, and a manifest of SHA-256 sums).
package accesscopy

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
)

// Information words what art. 15(1) asks to be told, from the company's texts or Affär's defaults.
func Information(ctx context.Context, x gdpr.Export) domain.CopyInformation {
	topics := map[string]gdpr.Topic{}
	for _, t := range gdpr.Topics() {
		topics[t.Name] = t
	}
	text := func(topic string) string {
		if s := x.Texts[topic]; s != "" {
			return s
		}
		return DefaultText(ctx, topics[topic])
	}
	info := domain.CopyInformation{
		Controller: text(gdpr.TopicController), Recipients: text(gdpr.TopicRecipients), Transfers: text(gdpr.TopicTransfers),
		ErasableFrom: x.Hold.ErasableFrom.Format(domain.DateLayout), Rule: i18n.T(ctx, "gdpr.rule"),
		Automated: i18n.T(ctx, "gdpr.info.automated"),
	}
	for _, t := range x.Tables {
		info.Categories = append(info.Categories, domain.CopyCategory{Table: t.PII.Name, Title: i18n.T(ctx, "gdpr.table."+t.PII.Name),
			Purpose: text(gdpr.TopicPurpose + t.PII.Name), Basis: text(gdpr.TopicBasis + t.PII.Name), Source: text(gdpr.TopicSource + t.PII.Name)})
	}
	info.Storage = Storage(ctx, x.Rule, x.Hold) + " " + i18n.T(ctx, "gdpr.info.storage_other")
	for _, k := range rights {
		info.Rights = append(info.Rights, i18n.T(ctx, k))
	}
	return info
}

// Storage words how long a customer's personal data is kept: from which day it may be erased and, while
// an accepted quote holds it, the quote's dates under the bookkeeping rule. The customer page says the same.
func Storage(ctx context.Context, rule domain.Retention, h domain.CustomerHold) string {
	from := h.ErasableFrom.Format(domain.DateLayout)
	q := h.Quote
	if q == nil {
		return i18n.Tf(ctx, "customer.erasable_now", from)
	}
	end := rule.FiscalYearEndOf(*q.DecidedAt)
	return i18n.Tf(ctx, "customer.erasable_from", from) + " " + i18n.N(ctx, "customer.held_by", rule.Years,
		strconv.FormatInt(q.Number, 10), domain.Day(*q.DecidedAt).Format(domain.DateLayout), end.Format(domain.DateLayout),
		strconv.Itoa(end.Year()), domain.LastDayHeld(h.ErasableFrom).Format(domain.DateLayout))
}

// DefaultText is Affär's wording of a topic in the reader's language (several legal bases joined).
func DefaultText(ctx context.Context, t gdpr.Topic) string {
	words := make([]string, len(t.Defaults))
	for i, k := range t.Defaults {
		words[i] = i18n.T(ctx, k)
	}
	return strings.Join(words, "; ")
}

// rights are the person's rights a copy names (art. 15(1)(e), (f); art. 7(3), 20).
var rights = []string{"gdpr.right.rectification", "gdpr.right.erasure", "gdpr.right.restriction",
	"gdpr.right.objection", "gdpr.right.portability", "gdpr.right.withdraw", "gdpr.right.complaint"}

// ColumnLabel is the message id of a column's label in the reader's language.
func ColumnLabel(table, column string) string { return "gdpr.col." + table + "." + column }

// coded are columns holding a code whose label is the message id prefix + value.
var coded = map[[2]string]string{
	{"customers", "kind"}:               "customer.kind.",
	{"quotes", "status"}:                "quote.status.",
	{"customer_consents", "source"}:     "consent.source.",
	{"marketing_objections", "channel"}: "objection.channel.",
}

// Cell shows a stored value as a reader understands it: Ja/Nej, days as days, instants in Swedish
// time, amounts in kronor, quantities and rates as numbers, codes by their label.
func Cell(ctx context.Context, table string, c gdpr.ExportColumn, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return i18n.T(ctx, "export.yes")
		}
		return i18n.T(ctx, "export.no")
	case time.Time:
		return x.In(domain.Stockholm).Format(domain.MinuteLayout)
	case int64:
		switch c.Unit {
		case gdpr.UnitOre:
			return domain.FormatKronor(x)
		case gdpr.UnitThousandths:
			return domain.FormatQuantity(x)
		case gdpr.UnitPercent:
			return strconv.FormatInt(x, 10) + " %"
		}
		return strconv.FormatInt(x, 10)
	case string:
		if prefix, ok := coded[[2]string{table, c.Name}]; ok && x != "" && i18n.Has(prefix+x) {
			return i18n.T(ctx, prefix+x)
		}
		return x
	}
	return ""
}

// machineValue is a value as the JSON and CSV files hold it: instants in Swedish time with their offset,
// days as "2006-01-02", everything else as stored.
func machineValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return instant(t)
	}
	return v
}

// instant is a time as the JSON and CSV files write it: RFC 3339 in Swedish time, with its offset.
func instant(t time.Time) string { return t.In(domain.Stockholm).Format(time.RFC3339) }
