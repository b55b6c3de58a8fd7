package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/gdpr"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/privacy"
)

// RetentionRules is what the server needs of the retention rules (gdpr.Rules).
type RetentionRules interface {
	List(ctx context.Context) ([]domain.RetentionRule, error)
	Preview(ctx context.Context, id int64, after domain.CustomerID) (gdpr.RulePreview, error)
	Save(ctx context.Context, id int64, in domain.RuleInput) (domain.RetentionRule, error)
	RunNow(ctx context.Context, id int64) (domain.RuleRun, error)
	Approve(ctx context.Context, runID int64) error
}

func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) {
	rules, err := s.Rules.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]privacy.RuleRow, len(rules))
	for i, rule := range rules {
		rows[i] = privacy.RuleRow{Rule: rule, Period: i18n.N(r.Context(), "rules.period", rule.Months)}
	}
	s.renderPage(w, r, http.StatusOK, privacy.RulesPage(privacy.RulesView{Nav: navFor(r), Flash: s.flash(r), Rules: rows}))
}

func (s *Server) rulePage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID[int64](r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	s.renderRule(w, r, id, domain.CustomerID(after), http.StatusOK, nil, nil)
}

// renderRule shows rule id with its preview from customer after; in is what was typed (nil: the rule's
// own values) and errs what was wrong with it.
func (s *Server) renderRule(w http.ResponseWriter, r *http.Request, id int64, after domain.CustomerID, status int,
	in *domain.RuleInput, errs domain.FieldErrors) {
	ctx := r.Context()
	p, err := s.Rules.Preview(ctx, id, after)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := privacy.RuleView{Nav: navFor(r), Flash: s.flash(r), Rule: p.Rule, Errors: errs, Default: domain.RuleDefaults[p.Rule.Category],
		Cutoff: localDate(p.Cutoff), Total: p.Total}
	if in != nil {
		v.Input = *in
	} else {
		v.Input = domain.RuleInput{Months: strconv.Itoa(p.Rule.Months), Action: string(p.Rule.Action), Approval: p.Rule.Approval,
			Enabled: p.Rule.Enabled}
	}
	for _, c := range p.Customers {
		d := privacy.DueRow{Number: strconv.FormatInt(c.Number, 10), Name: c.Name, Date: localDate(c.LastActivity),
			HeldUntil: i18n.T(ctx, "rules.not_held")}
		if c.HeldUntil != nil {
			d.HeldUntil = i18n.Tf(ctx, "rules.held_until", c.HeldUntil.Format(domain.DateLayout))
		}
		v.Due = append(v.Due, d)
	}
	for _, c := range p.CreditReports {
		v.Due = append(v.Due, privacy.DueRow{Number: strconv.FormatInt(c.CustomerNumber, 10), Date: c.TakenOn.Format(domain.DateLayout)})
	}
	for _, u := range p.Users {
		v.Due = append(v.Due, privacy.DueRow{Name: u.Name, Date: localDate(u.DeactivatedAt)})
	}
	if p.More && len(p.Customers) > 0 {
		v.Next = ruleURL(id) + "?" + url.Values{"after": {strconv.FormatInt(int64(p.Customers[len(p.Customers)-1].ID), 10)}}.Encode()
	}
	a, _ := authz.ActorFrom(ctx)
	for _, run := range p.Runs {
		row := privacy.RunRow{ID: run.ID, At: localMinute(run.At), Cutoff: run.Cutoff.Format(domain.DateLayout), Found: run.Found,
			ByHand: run.ByHand, Outcome: i18n.T(ctx, "rules.outcome."+string(run.Outcome)),
			Waiting: run.Outcome == domain.RuleAwaitingApproval && run.JobID != nil}
		if run.JobID != nil && a.IsAdmin && a.Can(authz.CustomerBulkErase) {
			row.JobLink = bulkURL(*run.JobID)
		}
		if run.ByHand {
			row.Outcome += " " + i18n.T(ctx, "rules.by_hand")
		}
		v.Runs = append(v.Runs, row)
	}
	s.renderPage(w, r, status, privacy.RulePage(v))
}

func (s *Server) ruleSave(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[int64](s, w, r)
	if !ok {
		return
	}
	f := r.PostForm
	in := domain.RuleInput{Months: f.Get("months"), Action: f.Get("action"), Approval: f.Get("approval") == "yes",
		Enabled: f.Get("enabled") == "yes", Confirm: f.Get("confirm")}
	_, err := s.Rules.Save(r.Context(), id, in)
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		s.renderRule(w, r, id, 0, http.StatusUnprocessableEntity, &in, fe)
		return
	}
	s.done(w, r, err, "rules.saved", ruleURL(id))
}

func (s *Server) ruleRun(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[int64](s, w, r)
	if !ok {
		return
	}
	run, err := s.Rules.RunNow(r.Context(), id)
	s.done(w, r, err, "rules.outcome."+string(run.Outcome), ruleURL(id))
}

func (s *Server) ruleApprove(w http.ResponseWriter, r *http.Request) {
	id, ok := idForm[int64](s, w, r)
	if !ok {
		return
	}
	if err := s.Rules.Approve(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	back := r.Referer()
	if u, err := url.Parse(back); err != nil || u.Path == "" {
		back = "/privacy/rules"
	} else {
		back = u.Path
	}
	s.done(w, r, nil, "rules.approved", back)
}
