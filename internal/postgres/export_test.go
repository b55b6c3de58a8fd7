package postgres

import "github.com/affar/affar/internal/domain"

// SegmentPageSQL is the page query SegmentPage runs for sq, for tests that read its plan.
func SegmentPageSQL(sq domain.SegmentQuery) (string, []any) {
	var args []any
	where := and(segmentWhere(sq.Segment, &args)...)
	return segmentPageSQL(sq, where, args)
}
