package gdpr_test

import (
	"context"
	"testing"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil/svctest"
)

// The preview's list of the frozen selection is authorised by the service, pages in id order and leaves
// out the customers that were not ticked.
func TestBulkSelection(t *testing.T) {
	h := svctest.New(t)
	var ticked []domain.CustomerID
	for i := range gdpr.SelectionPage + 2 {
		c := h.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Vald Kund"})
		if i != 1 {
			ticked = append(ticked, c.ID)
		}
	}
	b := h.Services.Bulk
	j, err := b.Draft(h.As(authz.CustomerBulkErase, authz.CustomerView, authz.CustomerAnonymise), domain.Segment{}, map[string]string{}, ticked)
	must(t, err)
	var (
		first, rest []domain.Customer
		more        bool
	)
	h.Run(t, svctest.Case{Name: "Selection", Perms: []authz.Permission{authz.CustomerBulkErase, authz.CustomerView},
		Call: func(ctx context.Context) (err error) {
			if first, more, err = b.Selection(ctx, j.ID, 0); err != nil || !more {
				return err
			}
			rest, more, err = b.Selection(ctx, j.ID, first[len(first)-1].ID)
			return err
		},
		Check: func(t *testing.T) {
			got := append(first, rest...)
			if len(first) != gdpr.SelectionPage || more || len(got) != len(ticked) {
				t.Fatalf("pages of %d and %d (more after: %v), want %d in all", len(first), len(rest), more, len(ticked))
			}
			for i, c := range got {
				if c.ID != ticked[i] || c.Name != "Vald Kund" {
					t.Errorf("row %d is customer %d %q, want %d", i, c.ID, c.Name, ticked[i])
				}
			}
		}})
}
