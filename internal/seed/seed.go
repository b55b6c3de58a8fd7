// Package seed generates realistic Swedish demo and volume data: customers with valid personnummer and
// organisation numbers, addresses, contacts, consent history and credit reports. Phone numbers and e-mail
// addresses are fictional by construction; personnummer are random valid numbers, so some will exist. Each row is derived from
// its index, so a run streams rows into COPY without holding them in memory and is repeatable.
package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Generator derives customers from an index.
type Generator struct {
	Seed uint64
	Now  time.Time
}

// Customer is one generated customer with what belongs to it.
type Customer struct {
	domain.Customer
	ConsentHistory []domain.ConsentChange
	Contacts       []domain.Contact
	CreditReports  []domain.CreditReport
	Quotes         []domain.Quote
}

func (g Generator) rng(i int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.Seed^uint64(i)*0x9e3779b97f4a7c15, stream))
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func personnummer(r *rand.Rand, now time.Time) string {
	born := now.AddDate(-18-r.IntN(70), 0, -r.IntN(365))
	nine := fmt.Sprintf("%s%03d", born.Format("060102"), 1+r.IntN(999)) // födelsenummer 001–999
	return fmt.Sprintf("%s-%s%d", born.Format(domain.BirthDateLayout), nine[6:], domain.LuhnDigit(nine))
}

func orgNumber(r *rand.Rand) string {
	nine := fmt.Sprintf("55%d%06d", 6+r.IntN(4), r.IntN(1000000))
	return fmt.Sprintf("%s-%s%d", nine[:6], nine[6:], domain.LuhnDigit(nine))
}

// Phone numbers come from the ranges the Swedish telecom regulator (PTS) keeps for fiction, so demo data
// never rings a real person. E-mail addresses use example domains for the same reason.
func mobile(r *rand.Rand) string { return fmt.Sprintf("070-174 06 %02d", 5+r.IntN(95)) }

func landline(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return fmt.Sprintf("08-465 004 %02d", r.IntN(100))
	}
	return fmt.Sprintf("031-390 06 %02d", r.IntN(100))
}

var mailSafe = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "Å", "a", "Ä", "a", "Ö", "o", " ", "", "&", "")

func mailbox(s string) string { return strings.ToLower(mailSafe.Replace(s)) }

// Customer returns the i-th customer. About one in four is a company with contact persons; a third have
// given marketing consent; one in twenty has credit reports.
func (g Generator) Customer(i int) Customer {
	r := g.rng(i, 1)
	var c Customer
	town := pick(r, towns)
	c.Street = fmt.Sprintf("%s %d", pick(r, streets), 1+r.IntN(120))
	c.PostalCode = fmt.Sprintf("%03d %02d", town.prefix, r.IntN(100))
	c.City, c.Country = town.name, "SE"
	c.CreatedAt = g.Now.Add(-time.Duration(r.Int64N(int64(10 * 365 * 24 * time.Hour))))
	c.LastActivityAt = c.CreatedAt.Add(time.Duration(r.Int64N(int64(g.Now.Sub(c.CreatedAt)) + 1)))
	c.UpdatedAt = c.LastActivityAt
	if r.IntN(4) == 0 {
		c.Kind = domain.Company
		c.Name = fmt.Sprintf("%s %s %s", pick(r, lastNames), pick(r, companyWords), pick(r, companySuffixes))
		c.IDNumber = orgNumber(r)
		c.Email = "info@" + mailbox(strings.Fields(c.Name)[0]+strings.Fields(c.Name)[1]) + ".example"
		c.Phone = landline(r)
		for n := 1 + r.IntN(3); n > 0; n-- {
			first, last := pick(r, firstNames), pick(r, lastNames)
			c.Contacts = append(c.Contacts, domain.Contact{Name: first + " " + last, Role: pick(r, roles),
				Email: mailbox(first) + "." + mailbox(last) + "@" + strings.TrimPrefix(c.Email, "info@"), Phone: mobile(r)})
		}
	} else {
		c.Kind = domain.Person
		first, last := pick(r, firstNames), pick(r, lastNames)
		c.Name = first + " " + last
		c.IDNumber = personnummer(r, g.Now)
		c.Email = fmt.Sprintf("%s.%s%d@%s", mailbox(first), mailbox(last), r.IntN(100), pick(r, []string{"example.com", "example.se", "example.net", "example.org"}))
		c.Phone = mobile(r)
	}
	if r.IntN(10) == 0 {
		c.Notes = pick(r, []string{"Föredrar kontakt via e-post.", "Faktura till kontoret.", "Ring efter kl. 10.",
			"Stamkund sedan länge.", "Vill ha offert varje vår."})
	}
	if r.IntN(3) == 0 {
		at := c.CreatedAt.Add(time.Duration(r.Int64N(int64(g.Now.Sub(c.CreatedAt)) + 1)))
		c.ConsentHistory = append(c.ConsentHistory, domain.ConsentChange{At: at, Given: true, Source: pick(r, consentSources)})
		c.Consent = true
		if r.IntN(6) == 0 {
			c.ConsentHistory = append(c.ConsentHistory, domain.ConsentChange{At: at.Add(time.Duration(r.Int64N(int64(g.Now.Sub(at)) + 1))),
				Given: false, Source: pick(r, consentSources)})
			c.Consent = false
		}
	}
	if r.IntN(20) == 0 {
		for n := 1 + r.IntN(2); n > 0; n-- {
			taken := c.CreatedAt.Add(time.Duration(r.Int64N(int64(g.Now.Sub(c.CreatedAt)) + 1)))
			c.CreditReports = append(c.CreditReports, domain.CreditReport{Bureau: pick(r, bureaus),
				TakenOn: time.Date(taken.Year(), taken.Month(), taken.Day(), 0, 0, 0, 0, time.UTC), Rating: pick(r, ratings),
				LimitOre: int64(r.IntN(500)) * 100_000, Remarks: pick(r, remarks), RecordedAt: taken,
				Need: domain.CreditNeeds[r.IntN(len(domain.CreditNeeds))], Reference: fmt.Sprintf("REF-%06d", r.IntN(1_000_000))})
		}
	}
	g.quotes(r, &c)
	return c
}

var articles = []struct {
	text  string
	price int64 // öre
	vat   int
}{{"Konsulttimme", 95000, 25}, {"Installation", 65000, 25}, {"Servicebesök", 120000, 25}, {"Material", 34900, 25},
	{"Handbok", 19900, 6}, {"Utbildningsdag", 450000, 25}, {"Livsmedel, representation", 12500, 12},
	{"Resa", 150000, 25}, {"Licens, årsavgift", 240000, 25}, {"Frakt", 4900, 25}}

// quotes gives about a third of the customers one or two quotes over their time as customers; most
// sent ones are decided, many accepted (sales that hold personal data for the retention period).
func (g Generator) quotes(r *rand.Rand, c *Customer) {
	if r.IntN(3) != 0 {
		return
	}
	for n := 1 + r.IntN(2); n > 0; n-- {
		at := c.CreatedAt.Add(time.Duration(r.Int64N(int64(g.Now.Sub(c.CreatedAt)) + 1)))
		day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
		q := domain.Quote{Status: domain.QuoteDraft, QuoteDate: day, ValidUntil: day.AddDate(0, 0, 30), CreatedAt: at, UpdatedAt: at}
		for l := 1 + r.IntN(3); l > 0; l-- {
			a := pick(r, articles)
			q.Lines = append(q.Lines, domain.QuoteLine{Description: a.text, QtyMilli: int64(1+r.IntN(10)) * 1000,
				UnitPriceOre: a.price, VATRate: a.vat})
		}
		q.Totals = domain.Totals(q.Lines)
		if p := r.IntN(10); p > 0 { // 90 % sent
			sent := at.Add(time.Duration(r.IntN(72)) * time.Hour)
			q.Status, q.SentAt = domain.QuoteSent, &sent
			q.Billing = c.Billing()
			decided := sent.Add(time.Duration(r.IntN(20*24)) * time.Hour)
			switch {
			case p <= 5:
				q.Status, q.DecidedAt = domain.QuoteAccepted, &decided
			case p <= 7:
				q.Status, q.DecidedAt = domain.QuoteRejected, &decided
			case p == 8:
				q.Status, q.DecidedAt = domain.QuoteExpired, &decided
			}
			last := sent
			if q.DecidedAt != nil {
				last = *q.DecidedAt
			}
			if last.After(g.Now) { // still open
				q.Status, q.DecidedAt, last = domain.QuoteSent, nil, sent
			}
			q.UpdatedAt = last
		}
		if q.UpdatedAt.After(c.LastActivityAt) {
			c.LastActivityAt = q.UpdatedAt
		}
		c.Quotes = append(c.Quotes, q)
	}
}

// Suppliers is how many suppliers a register of n customers gets.
func Suppliers(n int) int { return max(5, n/50) }

// Supplier returns the i-th generated supplier.
func (g Generator) Supplier(i int) domain.Supplier {
	r := g.rng(i, 2)
	town := pick(r, towns)
	name := fmt.Sprintf("%s %s %s", pick(r, lastNames), pick(r, companyWords), pick(r, companySuffixes))
	bg := fmt.Sprintf("%07d", 1000000+r.IntN(8999999))
	return domain.Supplier{Name: name, OrgNumber: orgNumber(r), Email: "order@" + mailbox(strings.Fields(name)[0]) + ".example",
		Phone: landline(r), Street: fmt.Sprintf("%s %d", pick(r, streets), 1+r.IntN(120)),
		PostalCode: fmt.Sprintf("%03d %02d", town.prefix, r.IntN(100)), City: town.name, Country: "SE",
		Bankgiro: bg[:3] + "-" + bg[3:6] + strconv.Itoa(domain.LuhnDigit(bg[:6])), CreatedAt: g.Now.AddDate(0, 0, -r.IntN(3650))}
}

// Action is the audit action of a seed run.
const Action = "seed.customers"

// Run adds n generated customers with their contacts, consent history and credit reports, in one
// transaction with its audit event. Each table is filled with one COPY, generating rows as it goes.
func Run(ctx context.Context, db *postgres.DB, g Generator, n int) error {
	if _, err := authz.RequireAdmin(ctx); err != nil {
		return err
	}
	actor, _ := authz.ActorFrom(ctx)
	return db.InTx(ctx, func(tx pgx.Tx) error {
		// Vacuum can mark the loaded pages all-visible (for index-only scans) only once this commit is on
		// disk; with asynchronous commit it may not be yet when the caller vacuums right after.
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = on"); err != nil {
			return err
		}
		indexes, err := postgres.DropIndexesForLoad(ctx, tx)
		if err != nil {
			return err
		}
		ids, err := postgres.CopyCustomers(ctx, tx, n, func(i int) domain.Customer { return g.Customer(i).Customer })
		if err != nil {
			return err
		}
		if len(ids) != n {
			return fmt.Errorf("seed: copied %d customers, got %d ids", n, len(ids))
		}
		err = postgres.CopyCustomerExtras(ctx, tx, ids, func(i int) postgres.CustomerExtras {
			c := g.Customer(i)
			return postgres.CustomerExtras{Contacts: c.Contacts, Consent: c.ConsentHistory, CreditReports: c.CreditReports,
				Quotes: c.Quotes}
		})
		if err != nil {
			return err
		}
		suppliers := Suppliers(n)
		if err := postgres.CopySuppliers(ctx, tx, suppliers, g.Supplier); err != nil {
			return err
		}
		if err := postgres.RebuildIndexes(ctx, tx, indexes); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(g.Now, actor, Action, "", nil,
			map[string]any{"customers": n, "suppliers": suppliers}))
	})
}
