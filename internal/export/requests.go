package export

import (
	"context"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// ActionRequests is the audit action of an export of the request register.
const ActionRequests = "export.requests"

// Requests exports the register of data subjects' requests for an auditor, counted against the user's
// export limit and recorded (export.requests, with the row count). The rows reach row without the
// requester's details: the register's export holds numbers, kinds, dates and outcomes only.
func (s *Service) Requests(ctx context.Context, row func(domain.SubjectRequest) error) error {
	actor, err := authz.Require(ctx, authz.PrivacyManage)
	if err != nil {
		return err
	}
	release, err := s.slot(ctx, actor)
	if err != nil {
		return err
	}
	defer release()
	n, err := postgres.CountSubjectRequests(ctx, s.DB.Pool)
	if err != nil {
		return err
	}
	if err := s.record(ctx, actor, ActionRequests, "subject_request", map[string]any{"rows": n}); err != nil {
		return err
	}
	return postgres.EachSubjectRequest(ctx, s.DB.Pool, func(r domain.SubjectRequest) error {
		r.Requester = domain.Requester{}
		return row(r)
	})
}
