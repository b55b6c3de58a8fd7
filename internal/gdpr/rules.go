package gdpr

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/affar/affar/internal/audit"
	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// Audit actions of retention rules (the customers a rule erases are audited by its bulk job).
const (
	RuleSaved           = "retention_rule.saved"
	RuleRan             = "retention_rule.ran"
	RuleApproved        = "retention_rule.approved"
	CreditReportsPurged = "customer.credit_reports_purged"
)

// RulePage is how many due customers or credit reports a rule's preview lists at a time.
const RulePage = 50

// RuleRunsShown is how many of a rule's runs its page lists.
const RuleRunsShown = 30

// Rules are the retention rules (GDPR art. 5(1)(e)): what each would do next, their settings, and their
// runs, which erase customers through the bulk engine (frozen selection, batches, verification, one
// erasure-register entry naming the rule) or remove credit reports in one transaction.
type Rules struct {
	Bulk *Bulk
	// Users erases departed system users in the run's transaction (user.Service); nil where not wired,
	// and then the departed-users rule finds nothing.
	Users DepartedUsers
}

// DepartedUsers erases the users deactivated before before, in tx, and returns their ids.
type DepartedUsers interface {
	EraseDeparted(ctx context.Context, tx pgx.Tx, actor authz.Actor, before time.Time) ([]domain.UserID, error)
}

// List returns every rule.
func (r *Rules) List(ctx context.Context) ([]domain.RetentionRule, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return nil, err
	}
	return postgres.RetentionRules(ctx, r.Bulk.DB.Pool)
}

// RulePreview is what a rule's next run would do on today, a page at a time, and its latest runs.
type RulePreview struct {
	Rule          domain.RetentionRule
	Cutoff        time.Time
	Total         int
	Customers     []domain.DueCustomer
	CreditReports []domain.DueCreditReport
	Users         []domain.DueUser
	More          bool
	Runs          []domain.RuleRun
}

// Preview shows rule id's next run: the customers it would erase after customer after (with the day an
// accepted quote's snapshot is held until), or the first credit reports it would remove.
func (r *Rules) Preview(ctx context.Context, id int64, after domain.CustomerID) (RulePreview, error) {
	if _, err := authz.Require(ctx, authz.PrivacyManage); err != nil {
		return RulePreview{}, err
	}
	rule, err := postgres.RetentionRule(ctx, r.Bulk.DB.Pool, id, false)
	if err != nil {
		return RulePreview{}, err
	}
	today := r.Bulk.today()
	p := RulePreview{Rule: rule, Cutoff: rule.Cutoff(today)}
	switch rule.Category {
	case domain.RuleInactiveCustomers:
		var decided []*time.Time
		seg, _ := rule.Segment(today)
		p.Customers, decided, p.Total, p.More, err = postgres.DueCustomers(ctx, r.Bulk.DB.Pool, seg, after, RulePage)
		if err != nil {
			return p, err
		}
		keep, err := postgres.Retention(ctx, r.Bulk.DB.Pool)
		if err != nil {
			return p, err
		}
		for i, d := range decided {
			if d != nil && keep.Held(*d, today) {
				until := domain.LastDayHeld(keep.ErasableFrom(*d))
				p.Customers[i].HeldUntil = &until
			}
		}
	case domain.RuleCreditReports:
		p.CreditReports, p.Total, err = postgres.DueCreditReports(ctx, r.Bulk.DB.Pool, p.Cutoff, RulePage)
		p.More = p.Total > len(p.CreditReports)
	case domain.RuleDepartedUsers:
		p.Users, p.Total, err = postgres.DepartedUsersDue(ctx, r.Bulk.DB.Pool, p.Cutoff, RulePage)
		p.More = p.Total > len(p.Users)
	}
	if err != nil {
		return p, err
	}
	p.Runs, err = postgres.RuleRuns(ctx, r.Bulk.DB.Pool, id, RuleRunsShown)
	return p, err
}

// Save changes rule id as typed; a period shorter than the category's default must be typed again.
func (r *Rules) Save(ctx context.Context, id int64, in domain.RuleInput) (domain.RetentionRule, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return domain.RetentionRule{}, err
	}
	now := r.Bulk.Now()
	var saved domain.RetentionRule
	err = r.Bulk.DB.InTx(ctx, func(tx pgx.Tx) error {
		old, err := postgres.RetentionRule(ctx, tx, id, true)
		if err != nil {
			return err
		}
		rule, fe := in.Apply(old)
		if fe != nil {
			saved = old
			return fe
		}
		if err := postgres.SaveRetentionRule(ctx, tx, rule, actor.AuditID(), now); err != nil {
			return err
		}
		saved = rule
		return audit.Record(ctx, tx, audit.Event(now, actor, RuleSaved, "retention_rule", &id, map[string]any{
			"category": string(rule.Category), "months": rule.Months, "action": string(rule.Action),
			"approval": rule.Approval, "enabled": rule.Enabled, "shorter_than_default": rule.Short()}))
	})
	return saved, err
}

// RunNow runs rule id by hand.
func (r *Rules) RunNow(ctx context.Context, id int64) (domain.RuleRun, error) {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return domain.RuleRun{}, err
	}
	return r.run(ctx, actor, id, true)
}

// RunScheduled runs every enabled rule, as the nightly job does.
func (r *Rules) RunScheduled(ctx context.Context) ([]domain.RuleRun, error) {
	rules, err := postgres.RetentionRules(ctx, r.Bulk.DB.Pool)
	if err != nil {
		return nil, err
	}
	var runs []domain.RuleRun
	for _, rule := range rules {
		if !rule.Enabled {
			continue
		}
		run, err := r.run(ctx, authz.System(), rule.ID, false)
		if err != nil {
			return runs, fmt.Errorf("retention rule %d: %w", rule.ID, err)
		}
		runs = append(runs, run)
	}
	return runs, nil
}

// run does one run of rule id in one transaction, under the rule's row lock (two runs at once happen one
// after the other, and the second finds the first's work), and records it, also when nothing was due.
func (r *Rules) run(ctx context.Context, actor authz.Actor, id int64, byHand bool) (domain.RuleRun, error) {
	now := r.Bulk.Now()
	today := now.In(domain.Stockholm)
	var run domain.RuleRun
	err := r.Bulk.DB.InTx(ctx, func(tx pgx.Tx) error {
		rule, err := postgres.RetentionRule(ctx, tx, id, true)
		if err != nil {
			return err
		}
		run = domain.RuleRun{RuleID: id, At: now, ByHand: byHand, Cutoff: rule.Cutoff(today), Outcome: domain.RuleNothing}
		switch rule.Category {
		case domain.RuleInactiveCustomers:
			err = r.runCustomers(ctx, tx, actor, rule, today, &run)
		case domain.RuleCreditReports:
			err = r.purgeCreditReports(ctx, tx, actor, &run)
		case domain.RuleDepartedUsers:
			err = r.eraseDeparted(ctx, tx, actor, &run)
		}
		if err != nil {
			return err
		}
		if run.ID, err = postgres.InsertRuleRun(ctx, tx, run); err != nil {
			return err
		}
		details := map[string]any{"run_id": run.ID, "category": string(rule.Category), "months": rule.Months,
			"found": run.Found, "outcome": string(run.Outcome), "by_hand": byHand}
		if run.JobID != nil {
			details["bulk_job_id"] = *run.JobID
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, RuleRan, "retention_rule", &id, details))
	})
	return run, err
}

// runCustomers freezes the customers rule finds due into a bulk job, and starts it unless the rule wants
// approval; nothing when its previous job is not over, or nobody is due.
func (r *Rules) runCustomers(ctx context.Context, tx pgx.Tx, actor authz.Actor, rule domain.RetentionRule, today time.Time,
	run *domain.RuleRun) error {
	open, err := postgres.RuleJobOpen(ctx, tx, rule.ID)
	if err != nil {
		return err
	}
	if open {
		run.Outcome = domain.RuleBusy
		return nil
	}
	seg, filter := rule.Segment(today)
	j := domain.BulkJob{Ref: newRef(), Kind: domain.EraseAnonymise, Filter: filter, RequestedName: ruleName(rule),
		Status: domain.BulkDraft, CreatedAt: run.At}
	if j.ID, j.Total, err = postgres.CreateBulkJob(ctx, tx, j, seg, nil, run.At); err != nil {
		return err
	}
	if run.Found = j.Total; j.Total == 0 {
		return postgres.DeleteBulkJob(ctx, tx, j.ID)
	}
	run.JobID = &j.ID
	if rule.Approval {
		run.Outcome = domain.RuleAwaitingApproval
		return nil
	}
	run.Outcome = domain.RuleStarted
	return r.startRuleJob(ctx, tx, actor, rule, j, run.At)
}

// startRuleJob confirms rule's draft job j. Customers that stopped being due since the draft (a new
// activity or quote) are taken out first.
func (r *Rules) startRuleJob(ctx context.Context, tx pgx.Tx, actor authz.Actor, rule domain.RetentionRule, j domain.BulkJob, now time.Time) error {
	j.Kind, j.OnRetention, j.Reason = domain.EraseAnonymise, domain.RetentionSkip, ruleReason(rule)
	if rule.Action == domain.RuleDelete {
		j.Kind, j.OnRetention = domain.EraseDelete, domain.RetentionAnonymise
	}
	for range 2 { // the second time nothing is taken out: the selection is frozen
		changed, err := r.Bulk.start(ctx, tx, actor, j, now)
		if err != nil || changed == 0 {
			return err
		}
	}
	return nil
}

// purgeCreditReports removes the credit reports taken before the run's cutoff, auditing each customer
// who lost some with the count.
func (r *Rules) purgeCreditReports(ctx context.Context, tx pgx.Tx, actor authz.Actor, run *domain.RuleRun) error {
	gone, err := postgres.PurgeCreditReports(ctx, tx, run.Cutoff)
	if err != nil || len(gone) == 0 {
		return err
	}
	var evs []domain.AuditEvent
	for id, n := range gone {
		run.Found += n
		evs = append(evs, audit.Event(run.At, actor, CreditReportsPurged, audit.Customer, audit.ID(id),
			map[string]any{"credit_reports": n, "retention_rule_id": run.RuleID}))
	}
	run.Outcome = domain.RulePurged
	return audit.Record(ctx, tx, evs...)
}

// eraseDeparted erases the users deactivated before the run's cutoff. Only the system (the nightly run)
// or an admin may: erasing users is an admin's power (user.Service.Erase).
func (r *Rules) eraseDeparted(ctx context.Context, tx pgx.Tx, actor authz.Actor, run *domain.RuleRun) error {
	if r.Users == nil {
		return nil
	}
	if !actor.IsAdmin {
		return &domain.ConflictError{Key: "rules.admin_only"}
	}
	ids, err := r.Users.EraseDeparted(ctx, tx, actor, run.Cutoff)
	if run.Found = len(ids); run.Found > 0 {
		run.Outcome = domain.RuleErased
	}
	return err
}

// Approve starts the draft job of a run that waits for approval.
func (r *Rules) Approve(ctx context.Context, runID int64) error {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return err
	}
	now := r.Bulk.Now()
	return r.Bulk.DB.InTx(ctx, func(tx pgx.Tx) error {
		run, err := postgres.RuleRunForUpdate(ctx, tx, runID)
		if err != nil {
			return err
		}
		if run.Outcome != domain.RuleAwaitingApproval || run.JobID == nil {
			return &domain.ConflictError{Key: "rules.not_awaiting"}
		}
		rule, err := postgres.RetentionRule(ctx, tx, run.RuleID, true)
		if err != nil {
			return err
		}
		j, err := postgres.BulkJobForUpdate(ctx, tx, *run.JobID)
		if err != nil {
			return err
		}
		if err := r.startRuleJob(ctx, tx, actor, rule, j, now); err != nil {
			return err
		}
		if err := postgres.ApproveRuleRun(ctx, tx, runID, actor.AuditID(), now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Event(now, actor, RuleApproved, "retention_rule", &rule.ID,
			map[string]any{"run_id": runID, "bulk_job_id": *run.JobID}))
	})
}

// ruleName is who requested a rule's bulk job: the rule, by its number.
func ruleName(rule domain.RetentionRule) string {
	return "Lagringsregel " + strconv.FormatInt(rule.ID, 10)
}

// ruleReason is the reason a rule's erasures carry into the register: the rule and its period, never a
// person's data.
func ruleReason(rule domain.RetentionRule) string {
	return fmt.Sprintf("%s: privatkunder utan aktivitet eller offert på %d månader", ruleName(rule), rule.Months)
}

// RetentionRulesArgs is the nightly run of the enabled rules.
type RetentionRulesArgs struct{}

// Kind names the job for river.
func (RetentionRulesArgs) Kind() string { return "retention_rules" }

// RetentionRulesWorker runs the enabled rules.
type RetentionRulesWorker struct {
	river.WorkerDefaults[RetentionRulesArgs]
	Rules *Rules
}

// Work runs the rules.
func (w *RetentionRulesWorker) Work(ctx context.Context, _ *river.Job[RetentionRulesArgs]) error {
	_, err := w.Rules.RunScheduled(ctx)
	return err
}
