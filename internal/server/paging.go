package server

import (
	"net/url"
	"strconv"
)

// cursorParam reads a paging cursor (a row id) from the query. Anything but a positive int64 (empty,
// malformed, negative, too large) is no cursor, so the list shows its first page instead of failing.
func cursorParam(q url.Values, key string) int64 {
	id, err := strconv.ParseInt(q.Get(key), 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}
