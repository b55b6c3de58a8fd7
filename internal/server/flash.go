package server

import "github.com/affar/affar/templates/layout"

// flashKinds says what a flash message reports when it is not that a change was made, so the page colours
// it accordingly. The session keeps only the message id; a message not listed here is a success.
var flashKinds = map[string]layout.FlashKind{
	// Nothing was done, and the reader can put that right.
	"bulk.nothing_selected": layout.FlashWarning,
	"users.confirm_needed":  layout.FlashWarning,
	"exports.yours_running": layout.FlashWarning, // the conflicts an export may be refused with
	"exports.nothing":       layout.FlashWarning,
	"exports.too_many":      layout.FlashWarning,
	"crm.ticks_full":        layout.FlashWarning,
	// A request's form refused for what happened to it meanwhile or the clock.
	"requests.error.changed":       layout.FlashWarning,
	"requests.error.extend_late":   layout.FlashWarning,
	"requests.error.has_customers": layout.FlashWarning,

	// Neither done nor refused: under way, or left to someone else.
	"bulk.cancel_requested":       layout.FlashInfo,
	"users.link_in_outbox":        layout.FlashInfo,
	"users.permissions_unchanged": layout.FlashInfo,
}

// flashKind is what the flash message key reports.
func flashKind(key string) layout.FlashKind {
	if k, ok := flashKinds[key]; ok {
		return k
	}
	return layout.FlashSuccess
}
