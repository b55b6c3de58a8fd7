package gdpr

import (
	"context"
	"fmt"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
)

// overviewJobs is how many bulk jobs the start page lists.
const overviewJobs = 5

// Overview is the start page's privacy card, for whoever reads the audit log or manages data protection:
// it names no customer, only jobs, counts and dates.
func (s *Service) Overview(ctx context.Context) (domain.PrivacyOverview, error) {
	var o domain.PrivacyOverview
	if _, err := authz.RequireAny(ctx, authz.PrivacyReaders...); err != nil {
		return o, fmt.Errorf("privacy overview: %w", err)
	}
	var err error
	if o.Jobs, err = postgres.BulkJobs(ctx, s.DB.Pool, nil, overviewJobs); err != nil {
		return o, err
	}
	soon := s.Now().AddDate(0, 0, domain.HoldsSoonDays)
	if o.HoldsSoon, o.NextRelease, err = postgres.HoldsEnding(ctx, s.DB.Pool, soon); err != nil {
		return o, err
	}
	if o.Agreement, o.Recipients, o.AcceptedBy, err = postgres.AgreementStatus(ctx, s.DB.Pool); err != nil {
		return o, err
	}
	// Numbers and dates only: the requester is not on the start page.
	o.Requests, o.OpenCount, err = postgres.OpenRequests(ctx, s.DB.Pool, domain.OverviewRequests)
	for i := range o.Requests {
		o.Requests[i].Requester = domain.Requester{}
	}
	return o, err
}
