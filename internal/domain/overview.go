package domain

import "time"

// PrivacyOverview is what the start page tells a data protection officer: bulk work under way and lately,
// retention holds about to end, and where the processing agreement stands.
type PrivacyOverview struct {
	Jobs        []BulkJob        // the newest confirmed bulk jobs
	HoldsSoon   int              // quote snapshots whose hold ends within HoldsSoonDays
	NextRelease *time.Time       // the first day a held snapshot is cleared, nil with none held
	Agreement   string           // the newest version of the processing agreement, "" before the first
	Recipients  int              // … the admins it was sent to
	AcceptedBy  int              // … of whom have accepted it
	Requests    []SubjectRequest // the open data subjects' requests, soonest due first (OverviewRequests of them)
	OpenCount   int              // … how many are open in all
}

// OverviewRequests is how many open requests the start page lists.
const OverviewRequests = 5

// HoldsSoonDays is how far ahead the start page looks for holds that end.
const HoldsSoonDays = 30
