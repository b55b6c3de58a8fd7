package gdpr_test

import (
	"context"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/customer"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/testutil"
	"github.com/affar/affar/internal/testutil/svctest"
)

// at is noon (or the hour given) of a day in Sweden.
func at(y int, m time.Month, d, hour int) time.Time {
	return time.Date(y, m, d, hour, 0, 0, 0, domain.Stockholm)
}

// ruleOf returns the rule of a category.
func ruleOf(t *testing.T, r *gdpr.Rules, c domain.RuleCategory) domain.RetentionRule {
	t.Helper()
	rules, err := r.List(sys())
	must(t, err)
	for _, rule := range rules {
		if rule.Category == c {
			return rule
		}
	}
	t.Fatalf("no %s rule", c)
	return domain.RetentionRule{}
}

// nightly runs the rules as the scheduled river job does, and returns the runs.
func nightly(t *testing.T, r *gdpr.Rules) []domain.RuleRun {
	t.Helper()
	runs, err := r.RunScheduled(context.Background())
	must(t, err)
	return runs
}

func dueNumbers(t *testing.T, r *gdpr.Rules, id int64) []int64 {
	t.Helper()
	p, err := r.Preview(sys(), id, 0)
	must(t, err)
	var out []int64
	for _, c := range p.Customers {
		out = append(out, c.Number)
	}
	if p.Total != len(out) {
		t.Fatalf("preview counts %d, lists %d", p.Total, len(out))
	}
	return out
}

// A rule with an injected clock: customers become due on the right day, the preview lists exactly them,
// the nightly run anonymises them through a bulk job that verifies, the register has one entry naming the
// rule, and a second run the same night does nothing and records that.
func TestInactiveCustomersRule(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	rules := e.Services.Rules
	e.Clock.Set(at(2021, time.January, 5, 12))
	held := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Hilda Håll", Email: "hilda@example.se"})
	q, err := e.Services.Quotes.Create(ctx, held.ID, domain.QuoteInput{QuoteDate: "2021-01-05", ValidUntil: "2021-02-05",
		Lines: []domain.QuoteLineInput{{Description: "Arbete", Quantity: "1", UnitPrice: "100", VATRate: "25"}}})
	must(t, err)
	must(t, e.Services.Quotes.SetStatus(ctx, q.ID, domain.QuoteSent))
	must(t, e.Services.Quotes.SetStatus(ctx, q.ID, domain.QuoteAccepted))
	e.Clock.Set(at(2022, time.March, 10, 12))
	first := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Anna Först", Email: "anna@example.se"})
	company := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "company", Name: "Gammalt Bolag AB"})
	edited := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Erik Ändrad"})
	e.Clock.Set(at(2022, time.March, 11, 12))
	next := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Nils Nästa"})
	e.Clock.Set(at(2023, time.June, 1, 12))
	in := domain.CustomerInput{Kind: "person", Name: "Erik Ändrad", Email: "erik@example.se"}
	_, err = e.Services.Customers.Update(ctx, edited.ID, in, int64(edited.Version))
	must(t, err)

	rule := ruleOf(t, rules, domain.RuleInactiveCustomers)
	if rule.Enabled || rule.Months != 36 {
		t.Fatalf("the rule starts %+v, want off with 36 months", rule)
	}
	_, err = rules.Save(ctx, rule.ID, domain.RuleInput{Months: "36", Action: "anonymise", Enabled: true})
	must(t, err)

	// 2025-03-10: 36 months after Anna's last day of activity, not yet after it.
	e.Clock.Set(at(2025, time.March, 10, 2))
	if got := dueNumbers(t, rules, rule.ID); len(got) != 1 || got[0] != held.Number {
		t.Fatalf("due on 10 March 2025: %v, want only %d", got, held.Number)
	}
	e.Clock.Set(at(2025, time.March, 11, 2))
	if got := dueNumbers(t, rules, rule.ID); len(got) != 2 || got[0] != held.Number || got[1] != first.Number {
		t.Fatalf("due on 11 March 2025: %v, want %d and %d", got, held.Number, first.Number)
	}
	p, err := rules.Preview(ctx, rule.ID, 0)
	must(t, err)
	if h := p.Customers[0].HeldUntil; h == nil || h.Format(domain.DateLayout) != "2028-12-31" {
		t.Errorf("the accepted quote of 2021 is held until %v, want 2028-12-31 (Bokföringslagen)", h)
	}

	runs := nightly(t, rules)
	if len(runs) != 1 || runs[0].Outcome != domain.RuleStarted || runs[0].Found != 2 || runs[0].JobID == nil {
		t.Fatalf("the night's run: %+v", runs)
	}
	job := *runs[0].JobID
	must(t, e.Services.Bulk.Run(context.Background(), job))
	j, _, _, err := e.Services.Bulk.Job(ctx, job)
	must(t, err)
	if j.Status != domain.BulkDone || j.Outcomes[domain.OutcomeAnonymised] != 2 || j.Violations == nil || *j.Violations != 0 {
		t.Fatalf("the rule's job: %s, %v, violations %v", j.Status, j.Outcomes, j.Violations)
	}
	everyCustomerOnce(t, e, job)
	for _, c := range []domain.Customer{held, first} {
		if count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NOT NULL`, c.ID) != 1 {
			t.Errorf("due customer %d was not anonymised", c.Number)
		}
	}
	for _, c := range []domain.Customer{company, edited, next} {
		if count(t, e, `SELECT count(*) FROM customers WHERE id = $1 AND anonymised_at IS NULL`, c.ID) != 1 {
			t.Errorf("customer %d, not due, was touched", c.Number)
		}
	}
	if count(t, e, `SELECT count(*) FROM quotes WHERE customer_id = $1 AND billing_name = 'Hilda Håll'`, held.ID) != 1 {
		t.Error("the held quote lost its snapshot")
	}
	if n := count(t, e, `SELECT count(*) FROM erasures WHERE job_id = $1 AND reason LIKE 'Lagringsregel ' || $2::bigint || ':%36 månader'
		AND actor_name = 'Lagringsregel ' || $2::bigint`, job, rule.ID); n != 1 {
		t.Errorf("%d register entries name the rule, want 1", n)
	}
	if n := count(t, e, `SELECT count(*) FROM erasures`); n != 1 {
		t.Errorf("%d register entries, want the run's one", n)
	}

	e.Clock.Advance(30 * time.Minute)
	again := nightly(t, rules)
	if len(again) != 1 || again[0].Outcome != domain.RuleNothing || again[0].Found != 0 || again[0].JobID != nil {
		t.Fatalf("a second run the same night: %+v, want nothing to do", again)
	}
	if n := count(t, e, `SELECT count(*) FROM retention_runs WHERE rule_id = $1 AND outcome = 'nothing' AND found = 0`, rule.ID); n != 1 {
		t.Errorf("%d 'nothing to do' records, want 1", n)
	}
	if n := count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2`, gdpr.RuleRan, rule.ID); n != 2 {
		t.Errorf("%d audited runs, want 2", n)
	}
	if n := count(t, e, `SELECT count(*) FROM bulk_jobs`); n != 1 {
		t.Errorf("%d bulk jobs, want the first run's one (an empty run leaves none)", n)
	}
	// The day after Nils's 36 months he is due, and nobody else.
	e.Clock.Set(at(2025, time.March, 12, 2))
	if got := dueNumbers(t, rules, rule.ID); len(got) != 1 || got[0] != next.Number {
		t.Errorf("due on 12 March 2025: %v, want %d", got, next.Number)
	}
	verifyChain(t, e)
}

// A rule that needs approval leaves its run as a draft until a privacy.manage holder approves; the next
// night does not select the same customers again.
func TestRuleRunWaitsForApproval(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	rules := e.Services.Rules
	e.Clock.Set(at(2020, time.May, 4, 12))
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Vera Väntar"})
	rule := ruleOf(t, rules, domain.RuleInactiveCustomers)
	_, err := rules.Save(sys(), rule.ID, domain.RuleInput{Months: "24", Action: "delete", Approval: true, Enabled: true})
	if fe, ok := err.(domain.FieldErrors); !ok || fe["confirm"] == "" {
		t.Fatalf("a period under the default saved without its confirmation: %v", err)
	}
	_, err = rules.Save(sys(), rule.ID, domain.RuleInput{Months: "24", Action: "delete", Approval: true, Enabled: true, Confirm: "24"})
	must(t, err)
	e.Clock.Set(at(2023, time.January, 1, 2))
	runs := nightly(t, rules)
	if len(runs) != 1 || runs[0].Outcome != domain.RuleAwaitingApproval || runs[0].JobID == nil {
		t.Fatalf("run: %+v", runs)
	}
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, c.ID) != 1 {
		t.Fatal("erased before approval")
	}
	e.Clock.Advance(24 * time.Hour)
	if again := nightly(t, rules); again[0].Outcome != domain.RuleBusy {
		t.Fatalf("the next night while the draft waits: %+v", again)
	}
	must(t, rules.Approve(sys(), runs[0].ID))
	if err := rules.Approve(sys(), runs[0].ID); err == nil {
		t.Error("a run was approved twice")
	}
	must(t, e.Services.Bulk.Run(context.Background(), *runs[0].JobID))
	if count(t, e, `SELECT count(*) FROM customers WHERE id = $1`, c.ID) != 0 {
		t.Error("the approved delete rule left the customer")
	}
	verifyChain(t, e)
}

// The credit-report rule removes reports taken before its period, one audit event per customer, and
// keeps a restricted customer's.
func TestCreditReportRule(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	ctx := sys()
	rules := e.Services.Rules
	e.Clock.Set(at(2026, time.March, 1, 12))
	c := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Karl Kredit"})
	r := e.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Rut Begränsad"})
	for _, x := range []struct {
		id    domain.CustomerID
		taken string
	}{{c.ID, "2025-02-28"}, {c.ID, "2025-03-01"}, {r.ID, "2024-01-01"}} {
		must(t, e.Services.Customers.AddCreditReport(ctx, x.id, customer.CreditReportInput{Bureau: "UC", TakenOn: x.taken,
			Rating: "A", Limit: "1000", Need: string(domain.NeedCreditApplication), Reference: "UC-1"}))
	}
	must(t, e.Services.Customers.Restrict(ctx, r.ID, customer.RestrictInput{Reason: string(domain.RestrictAccuracy)}))
	rule := ruleOf(t, rules, domain.RuleCreditReports)
	p, err := rules.Preview(ctx, rule.ID, 0)
	must(t, err)
	if p.Total != 1 || p.CreditReports[0].TakenOn.Format(domain.DateLayout) != "2025-02-28" {
		t.Fatalf("due on 1 March 2026 with 12 months: %+v", p.CreditReports)
	}
	run, err := rules.RunNow(ctx, rule.ID)
	must(t, err)
	if run.Outcome != domain.RulePurged || run.Found != 1 {
		t.Fatalf("run: %+v", run)
	}
	if n := count(t, e, `SELECT count(*) FROM credit_reports`); n != 2 {
		t.Errorf("%d credit reports left, want the one of 1 March 2025 and the restricted customer's", n)
	}
	if n := count(t, e, `SELECT count(*) FROM audit_events WHERE action = $1 AND entity_id = $2
		AND details = jsonb_build_object('credit_reports', 1, 'retention_rule_id', $3::bigint)`, gdpr.CreditReportsPurged, c.ID, rule.ID); n != 1 {
		t.Errorf("%d audit events of the purge, want 1 with the count", n)
	}
	if run, err = rules.RunNow(ctx, rule.ID); err != nil || run.Outcome != domain.RuleNothing {
		t.Errorf("second run: %+v, %v", run, err)
	}
	verifyChain(t, e)
}

func TestRulesService(t *testing.T) {
	h := svctest.New(t)
	rules := h.Services.Rules
	rule := ruleOf(t, rules, domain.RuleCreditReports)
	// A run of the customer rule that waits for approval.
	h.Clock.Set(at(2020, time.May, 4, 12))
	h.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Vera Väntar"})
	customers := ruleOf(t, rules, domain.RuleInactiveCustomers)
	_, err := rules.Save(sys(), customers.ID, domain.RuleInput{Months: "36", Action: "anonymise", Approval: true, Enabled: true})
	must(t, err)
	h.Clock.Set(at(2024, time.May, 4, 2))
	waiting, err := rules.RunNow(sys(), customers.ID)
	must(t, err)
	var run domain.RuleRun
	svctest.Methods(t, rules, "Approve", "List", "Preview", "RunNow", "RunScheduled", "Save")
	for _, c := range []svctest.Case{
		{Name: "Approve", Perms: []authz.Permission{authz.PrivacyManage}, Audit: []string{gdpr.BulkConfirmed, gdpr.RuleApproved},
			Call: func(ctx context.Context) error { return rules.Approve(ctx, waiting.ID) }},
		{Name: "List", Perms: []authz.Permission{authz.PrivacyManage}, Call: func(ctx context.Context) error {
			_, err := rules.List(ctx)
			return err
		}},
		{Name: "Preview", Perms: []authz.Permission{authz.PrivacyManage}, Call: func(ctx context.Context) error {
			_, err := rules.Preview(ctx, rule.ID, 0)
			return err
		}},
		{Name: "Save", Perms: []authz.Permission{authz.PrivacyManage}, Audit: []string{gdpr.RuleSaved},
			Call: func(ctx context.Context) error {
				_, err := rules.Save(ctx, rule.ID, domain.RuleInput{Months: "18", Action: "purge", Enabled: true})
				return err
			}},
		{Name: "RunNow", Perms: []authz.Permission{authz.PrivacyManage}, Audit: []string{gdpr.RuleRan},
			Call: func(ctx context.Context) (err error) {
				run, err = rules.RunNow(ctx, rule.ID)
				return err
			},
			Check: func(t *testing.T) {
				if run.Outcome != domain.RuleNothing {
					t.Errorf("outcome %s, want nothing", run.Outcome)
				}
			}},
	} {
		h.Run(t, c)
	}
}

// The departed-users rule erases a user deactivated before its period, on the right day, and records it.
func TestDepartedUsersRule(t *testing.T) {
	e := testutil.NewEnv(t, nil)
	rules := e.Services.Rules
	e.Clock.Set(at(2025, time.March, 10, 12))
	gone, _ := e.MustCreateUser(t, "sigrid.slutat@example.se", false)
	must(t, e.Services.Users.SetActive(sys(), gone, false))
	stays, _ := e.MustCreateUser(t, "kvar@example.se", false)
	rule := ruleOf(t, rules, domain.RuleDepartedUsers)
	_, err := rules.Save(sys(), rule.ID, domain.RuleInput{Months: "12", Action: "erase", Enabled: true})
	must(t, err)
	e.Clock.Set(at(2026, time.March, 10, 2))
	if runs := nightly(t, rules); runs[len(runs)-1].Outcome != domain.RuleNothing {
		t.Fatalf("erased before a whole year had passed: %+v", runs)
	}
	e.Clock.Set(at(2026, time.March, 11, 2))
	p, err := rules.Preview(sys(), rule.ID, 0)
	must(t, err)
	if p.Total != 1 || len(p.Users) != 1 || p.Users[0].ID != gone {
		t.Fatalf("due on 11 March 2026: %+v", p.Users)
	}
	runs := nightly(t, rules)
	if last := runs[len(runs)-1]; last.Outcome != domain.RuleErased || last.Found != 1 {
		t.Fatalf("run: %+v", last)
	}
	if n := count(t, e, `SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NOT NULL AND email LIKE 'tidigare-anvandare-%'`, gone); n != 1 {
		t.Error("the departed user was not erased")
	}
	if n := count(t, e, `SELECT count(*) FROM users WHERE id = $1 AND erased_at IS NULL`, stays); n != 1 {
		t.Error("an active user was erased")
	}
	if n := count(t, e, `SELECT count(*) FROM audit_events WHERE action = 'user.erased' AND entity_id = $1`, gone); n != 1 {
		t.Errorf("%d audit events of the erasure, want 1", n)
	}
	verifyChain(t, e)
}
