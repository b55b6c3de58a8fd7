package domain

// SegmentSort names an order of the CRM screen's table: every column sorts it.
type SegmentSort string

// Orders of the CRM table.
const (
	SegmentByNumber   SegmentSort = "number"
	SegmentByName     SegmentSort = "name"
	SegmentByKind     SegmentSort = "kind"
	SegmentByCity     SegmentSort = "city"
	SegmentByActivity SegmentSort = "activity"
)

// SegmentSorts are the orders of the CRM table, in the order of its columns.
var SegmentSorts = []SegmentSort{SegmentByNumber, SegmentByName, SegmentByKind, SegmentByCity, SegmentByActivity}

// SegmentQuery asks for one page of a CRM segment: keyset paging after a customer (an id, so no personal
// data is in the link) in the chosen order, and the ticked customers, whose number in the segment the
// page reports.
type SegmentQuery struct {
	Segment Segment
	Sort    SegmentSort // "" is SegmentByNumber
	Desc    bool
	After   CustomerID
	Limit   int
	Ticked  []CustomerID
}
