package server

import (
	"net/url"
	"slices"
	"strconv"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/components"
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

// pageSizeParam reads the rows per page ("size"); anything but one of domain.PageSizes is the default,
// so no one can ask a list for a million rows.
func pageSizeParam(q url.Values) int {
	n, err := strconv.Atoi(q.Get("size"))
	if err != nil || !slices.Contains(domain.PageSizes, n) {
		return domain.DefaultPageSize
	}
	return n
}

// positionParam reads the position of a page's first row ("at"), which the pager carries because keyset
// paging does not count the rows before a page. Anything but a positive number is the first row.
func positionParam(q url.Values) int {
	n, err := strconv.Atoi(q.Get("at"))
	if err != nil || n <= 0 {
		return 1
	}
	return n
}

// showing is the "Visar 51–100 av 302" of a page of n rows that starts at position at. The last page is
// counted back from the total when that is known; a position past a capped total is not shown as certain.
func showing(at, n, total int, capped, lastPage bool) components.Showing {
	if lastPage && !capped {
		at = total - n + 1
	}
	at = max(at, 1)
	if !capped && at+n-1 > total {
		at = max(total-n+1, 1) // rows were added or removed since the pager counted
	}
	return components.Showing{From: at, To: at + n - 1, Total: total, Capped: capped}
}

// pageSizes are the list's rows-per-page choices; urlFor gives the list with the changes applied. A new size
// starts again from the first page, since the old cursor and position belong to the old size.
func pageSizes(current int, urlFor func(set map[string]string) string) []components.PageSize {
	var out []components.PageSize
	for _, n := range domain.PageSizes {
		size := strconv.Itoa(n)
		if n == domain.DefaultPageSize {
			size = ""
		}
		out = append(out, components.PageSize{N: n, Current: n == current,
			URL: urlFor(map[string]string{"size": size, "after": "", "before": "", "at": "", "page": ""})})
	}
	return out
}
