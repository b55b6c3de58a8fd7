package domain

// PageSizes are the rows per page a list offers, smallest first; DefaultPageSize is the one it opens with.
var PageSizes = []int{25, 50, 100}

// DefaultPageSize is the rows per page of a list nobody has resized.
const DefaultPageSize = 50

// ListRequest asks for one page of a list ordered by a sort column and then id: After and Before are the
// id of the row the page follows or precedes (keyset paging, so a page deep in a long list costs what the
// first does), Last the list's last page. Sort is one of the list's sort names ("" for its default).
type ListRequest struct {
	Sort   string
	Desc   bool
	After  int64
	Before int64
	Last   bool
	Limit  int
}

// Backwards reports whether the page is read against the order (to the row before Before, or the last
// page) and turned round afterwards.
func (r ListRequest) Backwards() bool { return r.Before != 0 || (r.Last && r.After == 0) }

// ListPage is one page of a list in display order, with the number of matching rows up to TotalCap.
type ListPage[T any] struct {
	Rows    []T
	HasPrev bool
	HasNext bool
	Total   int
	Capped  bool // more than TotalCap match
}
