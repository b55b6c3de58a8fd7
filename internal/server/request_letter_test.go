package server_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/testutil"
)

// pdfText is what pdftotext reads of a PDF, with runs of spaces and line breaks made single spaces.
func pdfText(t *testing.T, body string) string {
	t.Helper()
	return strings.Join(strings.Fields(readWithPoppler(t, body).text), " ")
}

// TestAnswerLetter: the answer letter to an erasure request says what was asked and done and the rights to
// complain to IMY and go to court, in Swedish and English; sending it by e-mail queues the PDF in the
// outbox, stores it as sent, records it on the request (audited with the number) and marks the request
// answered; the stored letter stays as sent when the request changes, and the retention job clears it.
func TestAnswerLetter(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-03-03", 10))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran"})
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView, authz.CustomerAnonymise)
	r := dpo.PostForm("/requests", url.Values{"kinds": {"erasure"}, "received": {"2026-03-02"}, "channel": {"email"},
		"requester_name": {"Greta Gran"}, "requester_address": {"Storgatan 1\n123 45 Umeå"}, "requester_email": {"greta@example.se"}})
	mustSee(t, r)
	base := r.Location
	mustSee(t, dpo.PostForm(base+"/customers", url.Values{"customer_number": {strconv.FormatInt(cust.Number, 10)}}))
	mustSee(t, dpo.PostForm("/customers/"+strconv.FormatInt(int64(cust.ID), 10)+"/anonymise",
		url.Values{"request": {"2026-0001"}, "confirm": {strconv.FormatInt(cust.Number, 10)}}))

	draft := dpo.Get(base + "/letter")
	for _, want := range []string{"Svar på din begäran 2026-0001", "Du bad om: Radering", "raderat eller anonymiserat",
		"Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, imy.se", "artikel 79", "Greta Gran"} {
		if !strings.Contains(draft.Body, want) {
			t.Errorf("the draft letter lacks %q", want)
		}
	}
	if en := dpo.Get(base + "/letter?lang=en"); !strings.Contains(en.Body, "You asked for: Erasure") || !strings.Contains(en.Body, "imy.se") {
		t.Errorf("the English draft:\n%s", en.Body)
	}

	mustSee(t, dpo.PostForm(base+"/letter", url.Values{"lang": {"sv"}, "method": {"email"}}))
	var to string
	var pdf []byte
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT o.recipient, a.content FROM outbox o
		JOIN outbox_attachments a ON a.outbox_id = o.id WHERE a.content_type = 'application/pdf'`).Scan(&to, &pdf); err != nil {
		t.Fatalf("no letter in the outbox: %v", err)
	}
	if to != "greta@example.se" {
		t.Errorf("the letter went to %s", to)
	}
	text := pdfText(t, string(pdf))
	for _, want := range []string{"Svar på din begäran 2026-0001", "Du bad om: Radering", "raderat eller anonymiserat",
		"Integritetsskyddsmyndigheten", "Box 8114", "artikel 79", "Storgatan 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the mailed PDF lacks %q:\n%s", want, text)
		}
	}
	page := dpo.Get(base)
	if !strings.Contains(page.Body, "Besvarad") || !strings.Contains(page.Body, "E-post med PDF") {
		t.Errorf("the request is not shown answered with its letter:\n%s", page.Body)
	}
	var letterID int64
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT id FROM subject_request_letters`).Scan(&letterID); err != nil {
		t.Fatal(err)
	}
	stored := base + "/letters/" + strconv.FormatInt(letterID, 10)
	if !strings.Contains(page.Body, `href="`+stored+`"`) {
		t.Errorf("the request page does not link the stored letter")
	}
	var audited int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE action = 'request.answer_sent'
		AND details->>'number' = '2026-0001' AND details->>'method' = 'email'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("answer_sent audit events: %d (%v)", audited, err)
	}

	// The request changes afterwards (reopened with a note): the letter as sent does not.
	mustSee(t, dpo.PostForm(base, url.Values{"kinds": {"erasure", "access"}, "status": {"in_progress"}, "notes": {"Ny fråga"}}))
	if got := dpo.Get(stored); got.Body != string(pdf) {
		t.Errorf("the stored letter changed with the request")
	}
	mustSee(t, dpo.PostForm(base+"/letter", url.Values{"lang": {"en"}, "method": {"printed"}}))
	en := env.DB.Pool.QueryRow(context.Background(), `SELECT pdf FROM subject_request_letters WHERE language = 'en'`)
	var enPDF []byte
	if err := en.Scan(&enPDF); err != nil {
		t.Fatal(err)
	}
	text = pdfText(t, string(enPDF))
	for _, want := range []string{"Answer to your request 2026-0001", "You asked for: Access, Erasure", "Integritetsskyddsmyndigheten",
		"imy.se", "Article 79"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English PDF lacks %q:\n%s", want, text)
		}
	}

	// The retention job clears the stored letters with the requester once the closed request's time is up.
	env.Clock.Set(stockholm("2026-09-01", 10))
	if _, err := env.Services.Requests.ClearRequesters(authz.WithActor(context.Background(), authz.System())); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM subject_request_letters
		WHERE pdf IS NOT NULL OR body <> ''`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d letters keep the requester after the retention (%v)", left, err)
	}
}

// TestAnswerLetterWarnsAndTellsTheLifting: the draft of a request with nothing recorded on it warns that
// the answer only repeats the question, and one without the company's details that it goes unsigned;
// once a restriction made on the request is lifted, sending the answer records that the person was told
// (art. 18(3)) and the customer page stops asking to tell them.
func TestAnswerLetterWarnsAndTellsTheLifting(t *testing.T) {
	env := testutil.NewEnv(t, nil)
	env.Clock.Set(stockholm("2026-03-03", 10))
	cust := env.MustCreateCustomer(t, domain.CustomerInput{Kind: "person", Name: "Greta Gran"})
	dpo := env.SignedInClient(t, "dpo@example.se", false, authz.PrivacyManage, authz.CustomerView)
	base := registerRequest(t, dpo, cust, "restriction")
	const nothing, unsigned = "Inga åtgärder är antecknade", "brevet blir osignerat"
	draft := dpo.Get(base + "/letter").Body
	if !strings.Contains(draft, nothing) || !strings.Contains(draft, unsigned) {
		t.Errorf("the draft of a request with nothing done and no company details does not warn:\n%s", draft)
	}
	ctx := authz.WithActor(context.Background(), authz.System())
	if err := env.Services.Settings.SetCompany(ctx, domain.CompanyInput{Name: "Måleri Öst AB", City: "Umeå", Language: "sv"}); err != nil {
		t.Fatal(err)
	}
	id := "/customers/" + strconv.FormatInt(int64(cust.ID), 10)
	mustSee(t, dpo.PostForm(id+"/restrict", url.Values{"reason": {"accuracy_contested"}, "request_id": {"2026-0001"}}))
	mustSee(t, dpo.PostForm(id+"/unrestrict", nil))
	const tell = "Meddela personen att den har hävts"
	if !strings.Contains(dpo.Get(id).Body, tell) {
		t.Fatal("the customer page does not ask to tell the person of the lifting")
	}
	draft = dpo.Get(base + "/letter").Body
	if strings.Contains(draft, nothing) || strings.Contains(draft, unsigned) || !strings.Contains(draft, "Måleri Öst AB") {
		t.Errorf("the draft still warns, or is unsigned, with an action and the company's details:\n%s", draft)
	}
	mustSee(t, dpo.PostForm(base+"/letter", url.Values{"lang": {"sv"}, "method": {"printed"}}))
	var told *time.Time
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT restriction_lift_told_at FROM customers WHERE id = $1`,
		cust.ID).Scan(&told); err != nil || told == nil {
		t.Errorf("sending the answer did not record that the person was told (%v)", err)
	}
	if strings.Contains(dpo.Get(id).Body, tell) {
		t.Error("the customer page still asks to tell the person after the answer went")
	}
}
