package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

func userURL(id domain.UserID) string { return "/users/" + strconv.FormatInt(int64(id), 10) }

// outboxLink is the newest password link e-mailed to address (read as whoever controls that mailbox would).
func outboxLink(t *testing.T, env *testutil.Env, address string) string {
	t.Helper()
	var body string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`,
		address).Scan(&body); err != nil {
		t.Fatalf("no mail to %s: %v", address, err)
	}
	m := linkRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link in the mail to %s: %q", address, body)
	}
	return m[1]
}

// TestResetLinkEscalationIsRefused replays issue 13's finding 1 through the pages: a holder of "view
// users" and "edit users' details" points a colleague's e-mail at a mailbox they control, makes a reset
// link, and waits; an admin then makes the colleague an admin (or grants permissions). The link must not
// hand the holder the account.
func TestResetLinkEscalationIsRefused(t *testing.T) {
	for name, promote := range map[string]func(admin *testutil.Client, id domain.UserID) testutil.Response{
		"admin role": func(admin *testutil.Client, id domain.UserID) testutil.Response {
			return admin.PostForm(userURL(id)+"/admin", url.Values{"admin": {"yes"}, "confirm": {"yes"}})
		},
		"permissions": func(admin *testutil.Client, id domain.UserID) testutil.Response {
			return admin.PostForm(userURL(id)+"/permissions", url.Values{"permission": {"customer.view", "customer.credit_reports"}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := testutil.NewEnv(t, nil)
			_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
			_, hrPW := env.MustCreateUser(t, "hr@example.se", false, authz.UserView, authz.UserEdit)
			targetID, targetPW := env.MustCreateUser(t, "target@example.se", false)
			hr := env.NewClient(t)
			hr.SignIn("hr@example.se", hrPW)

			if r := hr.PostForm(userURL(targetID), url.Values{"name": {"User target@example.se"}, "email": {"mine@attacker.example"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("the holder changes the e-mail: %d", r.Status)
			}
			if r := hr.PostForm(userURL(targetID)+"/password-link", url.Values{}); r.Status != http.StatusSeeOther {
				t.Fatalf("the holder makes a reset link: %d", r.Status)
			}
			token := outboxLink(t, env, "mine@attacker.example")

			admin := env.NewClient(t)
			admin.SignIn("admin@example.se", adminPW)
			if r := promote(admin, targetID); r.Status != http.StatusSeeOther {
				t.Fatalf("the admin's change: %d", r.Status)
			}

			page := env.NewClient(t).Get("/password/" + token)
			if page.Status == http.StatusOK || strings.Contains(page.Body, `name="password"`) {
				t.Fatalf("the link still offers to set a password: %d", page.Status)
			}
			if !strings.Contains(page.Body, "drogs tillbaka") {
				t.Errorf("the page does not say the link was withdrawn:\n%s", page.Body)
			}
			set := env.NewClient(t).PostForm("/password/"+token, url.Values{"password": {"the holder's own phrase"}, "repeat": {"the holder's own phrase"}})
			if set.Status == http.StatusSeeOther {
				t.Fatalf("the link set the password after the change: %d %q", set.Status, set.Location)
			}
			if r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"mine@attacker.example"}, "password": {"the holder's own phrase"}}); r.Status == http.StatusSeeOther {
				t.Fatal("the holder signed in as the promoted user")
			}
			// The user's own password was never touched.
			if r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"mine@attacker.example"}, "password": {targetPW}}); r.Status != http.StatusSeeOther {
				t.Fatalf("the user's own password no longer signs in: %d", r.Status)
			}
		})
	}
}

// TestLinkRefusedWhenIssuerMayNoLongerManage: the check that allowed a link is made again when it is used,
// so a link made by someone who has since lost "edit users' details" sets nothing and says why.
func TestLinkRefusedWhenIssuerMayNoLongerManage(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	hrID, hrPW := env.MustCreateUser(t, "hr@example.se", false, authz.UserView, authz.UserEdit, authz.CustomerView)
	peerID, peerPW := env.MustCreateUser(t, "peer@example.se", false, authz.CustomerView)
	hr := env.NewClient(t)
	hr.SignIn("hr@example.se", hrPW)
	if r := hr.PostForm(userURL(peerID)+"/password-link", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset link: %d", r.Status)
	}
	token := outboxLink(t, env, "peer@example.se")
	sys := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Users.SetPermissions(sys, hrID, nil, []authz.Permission{authz.UserEdit}); err != nil {
		t.Fatal(err)
	}
	page := env.NewClient(t).Get("/password/" + token)
	if page.Status != http.StatusForbidden || !strings.Contains(page.Body, "får inte längre ändra") {
		t.Fatalf("the link page after the issuer lost the right: %d\n%s", page.Status, page.Body)
	}
	r := env.NewClient(t).PostForm("/password/"+token, url.Values{"password": {"brand new phrase"}, "repeat": {"brand new phrase"}})
	if r.Status != http.StatusForbidden {
		t.Fatalf("setting a password through it: %d", r.Status)
	}
	env.NewClient(t).SignIn("peer@example.se", peerPW) // the old password still works
	if r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"peer@example.se"}, "password": {"brand new phrase"}}); r.Status == http.StatusSeeOther {
		t.Fatal("the refused link set the password")
	}
	actions := auditActions(t, env)
	if actions["user.password_link_refused"] != 1 {
		t.Fatalf("audit %v: want the refusal recorded once", actions)
	}
}

func auditActions(t *testing.T, env *testutil.Env) map[string]int {
	t.Helper()
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT action, count(*) FROM audit_events GROUP BY action`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			t.Fatal(err)
		}
		out[a] = n
	}
	return out
}

// TestEmailChangeTellsTheOldAddress: the old address hears of the change (without the new address or any
// link), and a link e-mailed to it dies.
func TestEmailChangeTellsTheOldAddress(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	evaID, _ := env.MustCreateUser(t, "eva@example.se", false)
	admin := env.NewClient(t)
	admin.SignIn("admin@example.se", adminPW)
	admin.PostForm(userURL(evaID)+"/password-link", url.Values{})
	token := outboxLink(t, env, "eva@example.se")
	if r := admin.PostForm(userURL(evaID), url.Values{"name": {"Eva Ek"}, "email": {"eva.ek@example.se"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d", r.Status)
	}
	var subject, body string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT subject, body FROM outbox WHERE recipient = 'eva@example.se'
		ORDER BY id DESC LIMIT 1`).Scan(&subject, &body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(subject, "e-postadress") || strings.Contains(body, "eva.ek@example.se") || linkRE.MatchString(body) {
		t.Fatalf("the notice to the old address: %q %q", subject, body)
	}
	if r := env.NewClient(t).Get("/password/" + token); r.Status == http.StatusOK {
		t.Fatal("the link sent to the old address still works")
	}
	var details string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT details::text FROM audit_events WHERE action = 'user.details_changed'`).Scan(&details); err != nil ||
		strings.Contains(details, "@") {
		t.Fatalf("audit details %q (%v)", details, err)
	}
}

// actorCellsRE reads an audit row's actor id (linked to the user's page), the actor's name and the action.
var actorCellsRE = regexp.MustCompile(`<td class="nowrap actor-id"><a href="/users/(\d+)">#(\d+)</a></td><td>([^<]*)</td><td>([^<]*)</td>`)

// TestAuditShowsTheNameAtTheTime: renaming oneself "Administrator" does not make one's past events read as
// the admin's: each event shows the actor's id (linked) and the name they had then.
func TestAuditShowsTheNameAtTheTime(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	evaID, evaPW := env.MustCreateUser(t, "eva@example.se", false, authz.CustomerView)
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE users SET name = 'Administrator' WHERE email = 'admin@example.se'`); err != nil {
		t.Fatal(err) // as if it had always been so
	}
	eva := env.NewClient(t)
	eva.SignIn("eva@example.se", evaPW)
	env.Clock.Advance(time.Minute)
	if r := eva.PostForm("/profile", url.Values{"name": {"Administrator"}, "language": {""}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("renaming oneself as another user: %d, want 422", r.Status)
	}
	if r := eva.PostForm("/profile", url.Values{"name": {"The Administrator"}, "language": {""}}); r.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d", r.Status)
	}
	env.Clock.Advance(time.Minute)
	eva.PostForm("/signout", nil)

	admin := env.NewClient(t)
	admin.SignIn("admin@example.se", adminPW)
	page := html.UnescapeString(admin.Get("/audit").Body)
	id := strconv.FormatInt(int64(evaID), 10)
	names := map[string]string{} // action → eva's name on its row
	for _, m := range actorCellsRE.FindAllStringSubmatch(page, -1) {
		if m[1] == id && m[2] == id {
			names[m[4]] = m[3]
		}
	}
	if names["Inloggning"] != "User eva@example.se" {
		t.Errorf("eva's sign-in (by id %s) reads %q, want the name she had then (%v)", id, names["Inloggning"], names)
	}
	if names["Utloggning"] != "The Administrator" {
		t.Errorf("eva's sign-out (by id %s) reads %q, want her new name (%v)", id, names["Utloggning"], names)
	}
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events e WHERE e::text LIKE '%Administrator%'
		OR e::text LIKE '%User eva%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("names in the hashed events: %d (%v)", n, err)
	}
}

// TestNamesAndAddressesAreUnique: a display name or e-mail address equal to another user's, ignoring case
// and spacing, is refused beside the field with what was typed kept: on invitation, edit and profile.
func TestNamesAndAddressesAreUnique(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	evaID, evaPW := env.MustCreateUser(t, "eva@example.se", false)
	env.MustCreateUser(t, "bo@example.se", false)
	admin := env.NewClient(t)
	admin.SignIn("admin@example.se", adminPW)
	const taken = "Det finns redan en användare med det namnet."

	r := admin.PostForm("/users", url.Values{"name": {"  user   BO@example.se "}, "email": {"new@example.se"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, taken) || !strings.Contains(r.Body, `value="  user   BO@example.se "`) {
		t.Errorf("invite under another's name: %d", r.Status)
	}
	r = admin.PostForm("/users", url.Values{"name": {"Nora Ny"}, "email": {" EVA@example.se"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Det finns redan en användare med den e-postadressen.") || !strings.Contains(r.Body, `value="Nora Ny"`) {
		t.Errorf("invite under another's address: %d", r.Status)
	}
	r = admin.PostForm(userURL(evaID), url.Values{"name": {"UserBo@example.se"}, "email": {"eva@example.se"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, taken) || !strings.Contains(r.Body, `value="UserBo@example.se"`) {
		t.Errorf("edit to another's name: %d", r.Status)
	}
	r = admin.PostForm(userURL(evaID), url.Values{"name": {"Eva"}, "email": {"Bo@Example.se"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Det finns redan en användare med den e-postadressen.") || !strings.Contains(r.Body, `value="Bo@Example.se"`) {
		t.Errorf("edit to another's address: %d", r.Status)
	}
	eva := env.NewClient(t)
	eva.SignIn("eva@example.se", evaPW)
	r = eva.PostForm("/profile", url.Values{"name": {"user bo@example.se"}, "language": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, taken) || !strings.Contains(r.Body, `value="user bo@example.se"`) {
		t.Errorf("profile under another's name: %d", r.Status)
	}
	// Keeping one's own name in another spelling is not taking someone else's.
	if r := eva.PostForm("/profile", url.Values{"name": {"USER eva@example.se"}, "language": {""}}); r.Status != http.StatusSeeOther {
		t.Errorf("own name re-spelt: %d", r.Status)
	}
}

// TestAnotherClientCannotLockTheOwnerOut: failed sign-ins from elsewhere lock out unknown browsers, not the
// browser the owner signed in with before (a device cookie, OWASP's "device cookies").
func TestAnotherClientCannotLockTheOwnerOut(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "admin@example.se", true)
	owner := env.NewClient(t)
	owner.SignIn("admin@example.se", pw)
	owner.PostForm("/signout", nil)

	attacker := env.NewClient(t)
	locked := false
	for i := 0; i < 25; i++ {
		r := attacker.PostForm("/signin", url.Values{"email": {"admin@example.se"}, "password": {"guess " + strconv.Itoa(i)}})
		locked = locked || r.Status == http.StatusTooManyRequests
	}
	if !locked {
		t.Fatal("25 guesses from one client were never throttled")
	}
	if r := env.NewClient(t).PostForm("/signin", url.Values{"email": {"admin@example.se"}, "password": {pw}}); r.Status != http.StatusTooManyRequests {
		t.Errorf("an unknown browser during the lock-out: %d, want 429", r.Status)
	}
	if r := owner.PostForm("/signin", url.Values{"email": {"admin@example.se"}, "password": {pw}}); r.Status != http.StatusSeeOther {
		t.Fatalf("the owner's own browser during the lock-out: %d, want to be signed in", r.Status)
	}
	// Guessing from the owner's browser is limited too, on its own counter.
	owner.PostForm("/signout", nil)
	throttled := false
	for i := 0; i < 7; i++ {
		r := owner.PostForm("/signin", url.Values{"email": {"admin@example.se"}, "password": {"wrong"}})
		throttled = throttled || r.Status == http.StatusTooManyRequests
	}
	if !throttled {
		t.Fatal("guesses from a known browser are not throttled")
	}
}

// TestCommonAndOverlongPasswordsAreRefused: a password from the list of common and breached passwords, or
// one of those with digits and signs around it, is refused beside the field, as is one over 1,024 characters.
func TestCommonAndOverlongPasswordsAreRefused(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "eva@example.se", false)
	c := env.NewClient(t)
	c.SignIn("eva@example.se", pw)
	for _, tc := range []struct{ password, message string }{
		{"qwertyuiop123", "Lösenordet är för vanligt"},
		{"Password2024!", "Lösenordet är för vanligt"},
		{"P@ssw0rd12345", "Lösenordet är för vanligt"},
		{"aaaaaaaaaaaaaaaa", "Lösenordet är för vanligt"},
		{strings.Repeat("long phrase ", 86), "högst 1 024 tecken"},
	} {
		r := c.PostForm("/profile/password", url.Values{"current": {pw}, "password": {tc.password}, "repeat": {tc.password}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.message) {
			t.Errorf("%.20q: %d, want 422 saying %q", tc.password, r.Status, tc.message)
		}
	}
	long := strings.Repeat("x", 1000) + " my own phrase"
	if r := c.PostForm("/profile/password", url.Values{"current": {pw}, "password": {long}, "repeat": {long}}); r.Status != http.StatusSeeOther {
		t.Fatalf("a long but allowed password: %d", r.Status)
	}
}

// TestDuplicateAddressNeverReachesTheDatabase: a taken e-mail address is found before any INSERT or UPDATE,
// so PostgreSQL never logs a unique violation with a user's address in it (issue 13, finding 7). The
// identity sequence shows it: an INSERT that fails on the unique index has already taken an id.
func TestDuplicateAddressNeverReachesTheDatabase(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	ctx := context.Background()
	_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
	evaID, _ := env.MustCreateUser(t, "eva@example.se", false)
	boID, _ := env.MustCreateUser(t, "dup-check-bo@example.se", false)
	admin := env.NewClient(t)
	admin.SignIn("admin@example.se", adminPW)

	logBefore := serverLogSize(t, env)
	var before int64
	if err := env.DB.Pool.QueryRow(ctx, `SELECT last_value FROM users_id_seq`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	r := admin.PostForm("/users", url.Values{"name": {"Nora Ny"}, "email": {"DUP-CHECK-BO@example.se"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Det finns redan en användare med den e-postadressen.") {
		t.Fatalf("invite with a taken address: %d", r.Status)
	}
	r = admin.PostForm(userURL(evaID), url.Values{"name": {"Eva"}, "email": {"dup-check-bo@example.se"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Det finns redan en användare med den e-postadressen.") {
		t.Fatalf("edit to a taken address: %d", r.Status)
	}
	var after int64
	if err := env.DB.Pool.QueryRow(ctx, `SELECT last_value FROM users_id_seq`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the users' id sequence moved from %d to %d: an INSERT reached the unique index", before, after)
	}
	if logged := serverLogSince(t, env, logBefore); strings.Contains(logged, "dup-check-bo@example.se") {
		t.Errorf("the PostgreSQL log holds the address:\n%s", logged)
	}
	_ = boID
}

// serverLogSize is the size of the test cluster's log file (devdb writes postgres.log in the data
// directory), or -1 where the test cannot read it (another server, a role that may not read files).
func serverLogSize(t *testing.T, env *testutil.Env) int64 {
	t.Helper()
	var size int64
	err := env.DB.Pool.QueryRow(context.Background(), `SELECT size FROM pg_stat_file('postgres.log')`).Scan(&size)
	if err != nil {
		t.Logf("the server log is not readable here (%v): only the sequence is checked", err)
		return -1
	}
	return size
}

func serverLogSince(t *testing.T, env *testutil.Env, offset int64) string {
	t.Helper()
	if offset < 0 {
		return ""
	}
	var text string
	// Other tests write to the same log; what this test did is in it by the time its requests returned.
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT pg_read_file('postgres.log', $1, (SELECT size FROM pg_stat_file('postgres.log')) - $1)`,
		offset).Scan(&text); err != nil {
		t.Fatal(err)
	}
	return text
}

// TestNameHistoryFollowsEveryChange: invitation, an admin's edit and the user's own profile each write the
// name and address into the history, in periods that follow one another; a change of language alone does not.
func TestNameHistoryFollowsEveryChange(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	admin := env.SignedInClient(t, "admin@example.se", true)
	admin.PostForm("/users", url.Values{"name": {"Nora Ny"}, "email": {"nora@example.se"}})
	ctx := authz.WithActor(context.Background(), authz.System())
	noraID, err := env.Services.Users.IDByEmail(ctx, "nora@example.se")
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(10 * time.Minute)
	edited := env.Clock.Now()
	if r := admin.PostForm(userURL(noraID), url.Values{"name": {"Nora Nyström"}, "email": {"nora.nystrom@example.se"}}); r.Status != http.StatusSeeOther || r.Location != userURL(noraID) {
		t.Fatalf("edit: %d %q", r.Status, r.Location)
	}
	env.Clock.Advance(10 * time.Minute)
	admin.PostForm(userURL(noraID), url.Values{"name": {"Nora Nyström"}, "email": {"nora.nystrom@example.se"}, "language": {"en"}})

	rows, err := env.DB.Pool.Query(context.Background(), `SELECT name, email::text, nullif(valid_from, '-infinity'), valid_to FROM user_name_history
		WHERE user_id = $1 ORDER BY valid_from, id`, noraID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type period struct {
		name, email string
		from, to    *time.Time // nil from: the first period covers all time before
	}
	var got []period
	for rows.Next() {
		var p period
		if err := rows.Scan(&p.name, &p.email, &p.from, &p.to); err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if len(got) != 2 || got[0].name != "Nora Ny" || got[0].email != "nora@example.se" || got[0].from != nil || got[0].to == nil ||
		got[1].from == nil || !got[0].to.Equal(*got[1].from) || !got[1].from.Equal(edited.Truncate(time.Microsecond)) ||
		got[1].name != "Nora Nyström" || got[1].email != "nora.nystrom@example.se" || got[1].to != nil {
		t.Fatalf("history %+v", got)
	}
}

// TestSettingAPasswordWithdrawsOpenLinks: a password set by an admin (the way an account is taken back) or
// changed by its owner ends the account's open reset links, so a link made before cannot undo it.
func TestSettingAPasswordWithdrawsOpenLinks(t *testing.T) {
	for name, set := range map[string]func(env *testutil.Env, c *testutil.Client, id domain.UserID, pw string){
		"reset by an admin": func(env *testutil.Env, _ *testutil.Client, id domain.UserID, _ string) {
			ctx := authz.WithActor(context.Background(), authz.System())
			if err := env.Services.Users.ResetPassword(ctx, id, "a brand new phrase of mine"); err != nil {
				t.Fatal(err)
			}
		},
		"changed by its owner": func(_ *testutil.Env, c *testutil.Client, _ domain.UserID, pw string) {
			phrase := "a brand new phrase of mine"
			if r := c.PostForm("/profile/password", url.Values{"current": {pw}, "password": {phrase}, "repeat": {phrase}}); r.Status != http.StatusSeeOther {
				t.Fatalf("changing one's own password: %d", r.Status)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			env := testutil.NewEnv(t, nil)
			_, adminPW := env.MustCreateUser(t, "admin@example.se", true)
			evaID, evaPW := env.MustCreateUser(t, "eva@example.se", false)
			admin := env.NewClient(t)
			admin.SignIn("admin@example.se", adminPW)
			admin.PostForm(userURL(evaID)+"/password-link", url.Values{})
			token := outboxLink(t, env, "eva@example.se")
			eva := env.NewClient(t)
			eva.SignIn("eva@example.se", evaPW)
			set(env, eva, evaID, evaPW)
			if page := env.NewClient(t).Get("/password/" + token); page.Status == http.StatusOK || strings.Contains(page.Body, `name="password"`) {
				t.Fatalf("the link made before the new password still offers to set one: %d", page.Status)
			}
		})
	}
}

// TestCollectedDeviceTokensDoNotBuyUnlimitedGuesses: every browser that signs in gets a token with a counter
// of its own, so someone who once knew the password could collect tokens; all of an account's known
// browsers together are still locked out after a bounded number of failures.
func TestCollectedDeviceTokensDoNotBuyUnlimitedGuesses(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	_, pw := env.MustCreateUser(t, "eva@example.se", false)
	var browsers []*testutil.Client
	for range 8 {
		c := env.NewClient(t)
		c.SignIn("eva@example.se", pw)
		c.PostForm("/signout", nil)
		browsers = append(browsers, c)
	}
	throttled := 0
	for _, c := range browsers {
		for i := range 5 { // one browser's allowance, so no single counter locks
			if r := c.PostForm("/signin", url.Values{"email": {"eva@example.se"}, "password": {"guess " + strconv.Itoa(i)}}); r.Status == http.StatusTooManyRequests {
				throttled++
			}
		}
	}
	if throttled == 0 {
		t.Fatal("40 guesses through 8 collected device tokens were never throttled")
	}
}
