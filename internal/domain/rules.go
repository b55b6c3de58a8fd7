package domain

import (
	"strconv"
	"strings"
	"time"
)

// RuleCategory is the kind of personal data a retention rule (GDPR art. 5(1)(e), storage limitation)
// looks after; each has one rule.
type RuleCategory string

// Retention rule categories.
const (
	// RuleInactiveCustomers: private customers with no activity and no quote for the period are erased
	// through a bulk job (accepted quotes under Bokföringslagen keep their snapshot, as in any erasure).
	RuleInactiveCustomers RuleCategory = "inactive_customers"
	// RuleCreditReports: credit reports taken before the period are removed.
	RuleCreditReports RuleCategory = "credit_reports"
	// RuleDepartedUsers: system users deactivated before the period are erased ("Tidigare användare #12").
	RuleDepartedUsers RuleCategory = "departed_users"
)

// RuleAction is what a rule does with what is due.
type RuleAction string

// Retention rule actions.
const (
	RuleAnonymise RuleAction = "anonymise" // customers: anonymised
	RuleDelete    RuleAction = "delete"    // customers: deleted, anonymised instead when a quote is held
	RulePurge     RuleAction = "purge"     // credit reports: removed
	RuleErase     RuleAction = "erase"     // departed users: name and e-mail replaced, sessions and links gone
)

// RuleDefaults are the conservative periods a rule starts with, in months; a shorter one must be
// confirmed by typing it. Customers: preskriptionslagen (1981:130) 2 §, a consumer claim's period
// (the company may need the customer's data as long as a claim can be made against it or by it):
//
//	"En fordran preskriberas tio år efter tillkomsten, om inte preskriptionen avbryts dessförinnan. Om en
//	näringsidkare har en fordran mot en konsument avseende en vara, en tjänst eller någon annan nyttighet
//	som näringsidkaren har tillhandahållit konsumenten, är preskriptionstiden dock tre år."
//
// Credit reports: kreditupplysningslagen does not set a period; a report older than a year no longer
// tells a company of a person's standing, so twelve months is the default the company confirms.
// Departed users: a year after their deactivation, time enough for questions about their work; the audit
// log keeps pointing at their ids.
var RuleDefaults = map[RuleCategory]int{RuleInactiveCustomers: 36, RuleCreditReports: 12, RuleDepartedUsers: 12}

// RuleActions are the actions each category offers, the first the default.
var RuleActions = map[RuleCategory][]RuleAction{
	RuleInactiveCustomers: {RuleAnonymise, RuleDelete},
	RuleCreditReports:     {RulePurge},
	RuleDepartedUsers:     {RuleErase},
}

// MaxRuleMonths bounds a rule's period (fifty years).
const MaxRuleMonths = 600

// RetentionRule is one category's rule.
type RetentionRule struct {
	ID       int64
	Category RuleCategory
	Months   int
	Action   RuleAction
	Approval bool // a run waits as a draft for a privacy.manage holder
	Enabled  bool // runs at night; off, it runs only by hand
	Updated  *time.Time
}

// Cutoff is the first day whose data is not yet due on today: data last used before it is due. Counted
// in Swedish calendar days, so a customer last active on day D becomes due on D + 1 + the period.
func (r RetentionRule) Cutoff(today time.Time) time.Time {
	return Day(today).AddDate(0, -r.Months, 0)
}

// Short reports whether the rule's period is shorter than its category's conservative default.
func (r RetentionRule) Short() bool { return r.Months < RuleDefaults[r.Category] }

// Segment is the CRM segment of the customers rule r finds due on today, and the filter as the CRM
// screen types it (stored with the bulk job, which checks the selection against it at confirmation):
// private customers, not anonymised, last active before the cutoff, with no quote dated on or after it.
func (r RetentionRule) Segment(today time.Time) (Segment, map[string]string) {
	cut := r.Cutoff(today)
	lastDay := cut.AddDate(0, 0, -1) // the CRM's "to" dates include their day
	return Segment{Kind: Person, ActiveTo: &cut, NoQuotesSince: &cut, Anonymised: "no"}, map[string]string{
		"kind": string(Person), "active_to": lastDay.Format(DateLayout), "no_quotes_since": cut.Format(DateLayout),
		"anonymised": "no"}
}

// RuleInput is a rule as edited on its page.
type RuleInput struct {
	Months   string
	Action   string
	Approval bool
	Enabled  bool
	Confirm  string // the period typed again, when it is shorter than the default
}

// Apply checks in and returns rule r changed by it, or the field errors (message ids).
func (in RuleInput) Apply(r RetentionRule) (RetentionRule, FieldErrors) {
	fe := FieldErrors{}
	months, err := strconv.Atoi(strings.TrimSpace(in.Months))
	if err != nil || months < 1 || months > MaxRuleMonths {
		fe["months"] = "rules.error.months"
	}
	action := RuleAction(in.Action)
	ok := false
	for _, a := range RuleActions[r.Category] {
		ok = ok || a == action
	}
	if !ok {
		fe["action"] = "rules.error.action"
	}
	out := r
	out.Months, out.Action, out.Approval, out.Enabled = months, action, in.Approval, in.Enabled
	if len(fe) == 0 && out.Short() && strings.TrimSpace(in.Confirm) != strconv.Itoa(months) {
		fe["confirm"] = "rules.error.confirm"
	}
	if len(fe) > 0 {
		return r, fe
	}
	return out, nil
}

// RuleOutcome is what one run of a rule did.
type RuleOutcome string

// Outcomes of rule runs.
const (
	RuleNothing          RuleOutcome = "nothing"           // nothing was due: recorded so an auditor sees the rule ran
	RuleStarted          RuleOutcome = "started"           // a bulk job was started
	RuleAwaitingApproval RuleOutcome = "awaiting_approval" // a draft bulk job waits for approval
	RuleBusy             RuleOutcome = "busy"              // the previous run's job is not over: nothing started
	RulePurged           RuleOutcome = "purged"            // data was removed in the run's transaction
	RuleErased           RuleOutcome = "erased"            // departed users were erased in the run's transaction
)

// RuleRun is one run of a rule.
type RuleRun struct {
	ID         int64
	RuleID     int64
	At         time.Time
	ByHand     bool
	Cutoff     time.Time
	Found      int
	Outcome    RuleOutcome
	JobID      *int64
	ApprovedAt *time.Time
}

// DueCustomer is a customer a rule's next run would erase, with the day until which an accepted quote
// keeps its snapshot (Bokföringslagen), if one does.
type DueCustomer struct {
	ID           CustomerID
	Number       int64
	Name         string
	LastActivity time.Time
	HeldUntil    *time.Time
}

// DueCreditReport is a credit report a rule's next run would remove.
type DueCreditReport struct {
	CustomerID     CustomerID
	CustomerNumber int64
	TakenOn        time.Time
}

// DueUser is a departed user a rule's next run would erase.
type DueUser struct {
	ID            UserID
	Name          string
	DeactivatedAt time.Time
}
