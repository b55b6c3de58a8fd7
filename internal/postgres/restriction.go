package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/domain"
)

// unrestricted keeps customers whose processing is restricted (GDPR art. 18) out of a query on customers c.
// It is the one condition every listing, search, export, label and bulk selection applies (segmentWhere
// adds it unless a screen asks for restricted customers too); TestEveryCustomerListingIsFiltered fails on
// a query of customers that neither applies it nor is a read by id. The restricted few are read once from
// the partial index customers_restricted and tested by id, which every sort index ends in, so walks along
// an index still read no table rows.
const unrestricted = "c.id NOT IN (SELECT r.id FROM customers r WHERE r.restricted_at IS NOT NULL)"

// restrictedCol is whether customer c is restricted, for the marks of those who may see them.
const restrictedCol = "c.restricted_at IS NOT NULL"

// visible is the unrestricted condition unless show asks for restricted customers too ("" then: and
// drops it).
func visible(show bool) string {
	if show {
		return ""
	}
	return unrestricted
}

// RestrictCustomer restricts processing of customer id (already locked in tx) for reason, linked to a
// subject request if requestID is not nil; a lifting before is forgotten (the audit log keeps it).
func RestrictCustomer(ctx context.Context, tx pgx.Tx, id domain.CustomerID, reason domain.RestrictionReason, requestID *int64,
	by *domain.UserID, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE customers SET restricted_at = $2, restricted_by = $3, restriction_reason = $4,
		restriction_request_id = $5, restriction_lifted_at = NULL, restriction_lifted_by = NULL, restriction_lift_told_at = NULL
		WHERE id = $1`, id, now, by, string(reason), requestID)
	return mapErr(err, "restrict customer")
}

// LiftRestriction lifts the restriction of customer id (already locked in tx), recording when and by whom;
// the person is then still to be told (restriction_lift_told_at stays NULL).
func LiftRestriction(ctx context.Context, tx pgx.Tx, id domain.CustomerID, by *domain.UserID, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE customers SET restricted_at = NULL, restricted_by = NULL, restriction_reason = NULL,
		restriction_lifted_at = $2, restriction_lifted_by = $3, restriction_lift_told_at = NULL WHERE id = $1`, id, now, by)
	return mapErr(err, "lift restriction")
}
