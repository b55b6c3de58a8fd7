package server

import (
	"net/url"
	"strconv"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/components"
)

// The parts every sorted, paged list shares: which column it is sorted by and which way ("sort", "dir"),
// the keyset cursor ("after", "before", "page=last"), the position ("at") and rows per page ("size").

// sortColumn is a column a list can be sorted by: its sort name, its heading's message id and whether it
// sorts newest or largest first when chosen (times in a log).
type sortColumn struct {
	sort, key string
	firstDesc bool
}

// listRequest reads the sort and the page a list's query asks for; an unknown sort is the list's default
// sort (cols[def]), and with no "dir" the column sorts its first way.
func listRequest(q url.Values, cols []sortColumn, def int) (domain.ListRequest, sortColumn) {
	col := cols[def]
	for _, c := range cols {
		if c.sort == q.Get("sort") {
			col = c
		}
	}
	r := domain.ListRequest{Sort: col.sort, Desc: col.firstDesc, Limit: pageSizeParam(q)}
	switch q.Get("dir") {
	case "desc":
		r.Desc = true
	case "asc":
		r.Desc = false
	}
	if id := cursorParam(q, "after"); id != 0 {
		r.After = id
	} else if id := cursorParam(q, "before"); id != 0 {
		r.Before = id
	} else if q.Get("page") == "last" {
		r.Last = true
	}
	return r, col
}

// direction is the "dir" of a link sorting by col, desc or not: none for the way col first sorts.
func direction(col sortColumn, desc bool) string {
	switch {
	case desc == col.firstDesc:
		return ""
	case desc:
		return "desc"
	}
	return "asc"
}

// sortLinks are the headings of cols, each a link sorting by its column (the other way round for the
// column the list is sorted by), from the first page.
func sortLinks(cols []sortColumn, r domain.ListRequest, urlFor func(set map[string]string) string) []components.SortLink {
	var out []components.SortLink
	for _, c := range cols {
		active := c.sort == r.Sort
		dir := ""
		if active {
			dir = direction(c, !r.Desc)
		}
		out = append(out, components.SortLink{Key: c.key, Active: active, Desc: active && r.Desc,
			URL: urlFor(map[string]string{"sort": c.sort, "dir": dir})})
	}
	return out
}

// pager is where a page of a keyset list sits and the links on from it.
type pager struct {
	Showing                 components.Showing
	First, Prev, Next, Last string
}

// pageLinks places a page of n rows (ids first and last) that the query q asked for with r: its position
// ("Visar 26–50 av 60") and the links to the first, previous, next and last pages, which carry the
// position of their first row.
func pageLinks(q url.Values, r domain.ListRequest, n int, first, last int64, hasPrev, hasNext bool, total int, capped bool,
	urlFor func(set map[string]string) string) pager {
	var p pager
	p.Showing = showing(positionParam(q), n, total, capped, !hasNext && (hasPrev || r.Last))
	if r.After != 0 || r.Before != 0 || r.Last {
		p.First = urlFor(nil) // also from an empty page, e.g. after its cursor row was deleted
	}
	if n == 0 {
		return p
	}
	if hasPrev {
		at := ""
		if from := p.Showing.From - r.Limit; from > 1 {
			at = strconv.Itoa(from)
		}
		p.Prev = urlFor(map[string]string{"before": strconv.FormatInt(first, 10), "at": at})
	}
	if hasNext {
		p.Next = urlFor(map[string]string{"after": strconv.FormatInt(last, 10), "at": strconv.Itoa(p.Showing.To + 1)})
		p.Last = urlFor(map[string]string{"page": "last"})
	}
	return p
}

// pages is the pager under the list, all four links in place, greyed where there is no page.
func (p pager) pages() components.Pages {
	out := components.ListPages(p.First, p.Prev, p.Next, p.Last)
	out.Fixed = true
	return out
}

// queryURL is path with the parameters of q named in keep and the given changes ("" removes one).
func queryURL(path string, q url.Values, keep []string, set map[string]string) string {
	v := url.Values{}
	for _, k := range keep {
		if q.Get(k) != "" {
			v.Set(k, q.Get(k))
		}
	}
	for k, val := range set {
		if val == "" {
			v.Del(k)
		} else {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// listKeep are the parameters every list carries from link to link: its order and rows per page.
var listKeep = []string{"sort", "dir", "size"}

// positionPage pages a list read whole (a short one, sorted as shown) by position: the rows [from, to)
// of its total the query asks for ("at", or the last page) and the pager's links.
func positionPage(q url.Values, r domain.ListRequest, total int, urlFor func(set map[string]string) string) (from, to int, p pager) {
	from = min(positionParam(q), max(total, 1)) - 1
	if r.Last && total > 0 {
		from = (total - 1) / r.Limit * r.Limit
	}
	to = min(from+r.Limit, total)
	p.Showing = showing(from+1, to-from, total, false, false)
	if from > 0 {
		p.First = urlFor(nil)
		at := ""
		if prev := from + 1 - r.Limit; prev > 1 {
			at = strconv.Itoa(prev)
		}
		p.Prev = urlFor(map[string]string{"at": at})
	}
	if to < total {
		p.Next = urlFor(map[string]string{"at": strconv.Itoa(to + 1)})
		p.Last = urlFor(map[string]string{"page": "last"})
	}
	return from, to, p
}
