package seed

import (
	"testing"
	"time"

	"github.com/affar/affar/internal/domain"
)

// Generated customers must pass the same validation as typed ones, and be repeatable.
func TestGeneratedCustomersAreValid(t *testing.T) {
	g := Generator{Seed: 42, Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	kinds := map[domain.CustomerKind]int{}
	for i := 0; i < 2000; i++ {
		c := g.Customer(i)
		kinds[c.Kind]++
		if _, err := c.Input().Validate(g.Now); err != nil {
			t.Fatalf("customer %d %+v does not validate: %v", i, c.Customer, err)
		}
		for _, k := range c.Contacts {
			if _, err := (domain.ContactInput{Name: k.Name, Role: k.Role, Email: k.Email, Phone: k.Phone}).Validate(); err != nil {
				t.Fatalf("contact of %d %+v: %v", i, k, err)
			}
		}
		if c.LastActivityAt.Before(c.CreatedAt) || c.CreatedAt.After(g.Now) {
			t.Fatalf("customer %d: created %v, last activity %v", i, c.CreatedAt, c.LastActivityAt)
		}
	}
	for i := 0; i < 200; i++ {
		s := g.Supplier(i)
		if _, err := s.Input().Validate(g.Now); err != nil {
			t.Fatalf("supplier %d %+v does not validate: %v", i, s, err)
		}
	}
	quotes, accepted := 0, 0
	for i := 0; i < 2000; i++ {
		c := g.Customer(i)
		for _, q := range c.Quotes {
			quotes++
			if q.Status == domain.QuoteAccepted {
				accepted++
			}
			if q.Totals.TotalOre != domain.Totals(q.Lines).TotalOre || len(q.Lines) == 0 || q.UpdatedAt.After(c.LastActivityAt) {
				t.Fatalf("quote of customer %d: %+v", i, q)
			}
		}
	}
	if quotes < 700 || accepted < 250 {
		t.Fatalf("%d quotes, %d accepted for 2000 customers: want about a third with quotes, many accepted", quotes, accepted)
	}
	if kinds[domain.Company] < 300 || kinds[domain.Person] < 1200 {
		t.Fatalf("kinds %v: want about one company in four", kinds)
	}
	first, again, next := g.Customer(7), g.Customer(7), g.Customer(8)
	if first.Name != again.Name || first.IDNumber != again.IDNumber || first.IDNumber == next.IDNumber {
		t.Fatal("generation is not repeatable per index")
	}
}
