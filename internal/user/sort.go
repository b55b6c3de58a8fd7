package user

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/affar/affar/internal/domain"
)

// swedish compares names as Swedish sorts them (å, ä, ö after z); a Collator is not safe for concurrent use.
var (
	swedishMu sync.Mutex
	swedish   = collate.New(language.Swedish, collate.IgnoreCase)
)

func compareNames(a, b string) int {
	swedishMu.Lock()
	defer swedishMu.Unlock()
	return swedish.CompareString(a, b)
}

// statusRank orders the statuses as the list sorts them: accounts in use first, inactive ones last.
var statusRank = map[Status]int{StatusActive: 0, StatusInvited: 1, StatusInviteExpired: 2, StatusInviteWithdrawn: 3,
	StatusInactive: 4}

// Sort orders the user list as it is shown at now: by "name", "email", "status" or "last_login" (never
// signed in last, either way), desc or not, then by name and id. The list is the company's own users,
// small enough to sort whole.
func Sort(list []domain.UserSummary, by string, desc bool, now time.Time) {
	key := func(a, b domain.UserSummary) int {
		switch by {
		case "email":
			return strings.Compare(strings.ToLower(a.User.Email), strings.ToLower(b.User.Email))
		case "name":
			return compareNames(a.User.Name, b.User.Name)
		case "status":
			return cmp.Compare(statusRank[StatusOf(AccountOf(a.User, a.InvitedUntil), now)],
				statusRank[StatusOf(AccountOf(b.User, b.InvitedUntil), now)])
		case "last_login":
			return compareTimes(a.User.LastLoginAt, b.User.LastLoginAt)
		}
		return 0
	}
	slices.SortStableFunc(list, func(a, b domain.UserSummary) int {
		if by == "last_login" && (a.User.LastLoginAt == nil) != (b.User.LastLoginAt == nil) {
			return cmp.Compare(boolRank(a.User.LastLoginAt == nil), boolRank(b.User.LastLoginAt == nil))
		}
		c := key(a, b)
		if c == 0 {
			c = cmp.Or(compareNames(a.User.Name, b.User.Name), cmp.Compare(a.User.ID, b.User.ID))
		}
		if desc {
			return -c
		}
		return c
	})
}

func compareTimes(a, b *time.Time) int {
	if a == nil || b == nil {
		return 0
	}
	return a.Compare(*b)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
