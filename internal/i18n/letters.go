package i18n

// letterMessages are the answer letter to a data subject's request (internal/request), joined to the
// catalogue at start like requestMessages.
var letterMessages = map[string]message{
	"action.request.answer_sent":     {"Svar på förfrågan skickat", "Answer to request sent"},
	"letter.title":                   {"Svar på din begäran {0}", "Answer to your request {0}"},
	"letter.asked":                   {"Vi tog emot din begäran den {0}. Du bad om: {1}.", "We received your request on {0}. You asked for: {1}."},
	"letter.extended":                {"Vi har förlängt tiden för vårt svar med {0} månad(er) enligt artikel 12.3 i dataskyddsförordningen. Skäl: {1}", "We extended the time for our answer by {0} month(s) under Article 12(3) of the GDPR. Reason: {1}"},
	"letter.refused":                 {"Vi har avslagit din begäran. Skäl: {0}", "We have refused your request. Reason: {0}"},
	"letter.no_data":                 {"Vi behandlar inga personuppgifter om dig.", "We process no personal data about you."},
	"letter.done":                    {"Detta har vi gjort:", "This is what we have done:"},
	"letter.done.copy_sent":          {"skickat en kopia av dina personuppgifter (artikel 15)", "sent a copy of your personal data (Article 15)"},
	"letter.done.rectified":          {"rättat dina personuppgifter (artikel 16)", "rectified your personal data (Article 16)"},
	"letter.done.erased":             {"raderat eller anonymiserat dina personuppgifter (artikel 17)", "erased or anonymised your personal data (Article 17)"},
	"letter.done.restricted":         {"begränsat behandlingen av dina personuppgifter (artikel 18)", "restricted the processing of your personal data (Article 18)"},
	"letter.done.objection_recorded": {"registrerat din invändning mot direktmarknadsföring (artikel 21)", "recorded your objection to direct marketing (Article 21)"},
	"letter.done.other":              {"vidtagit annan åtgärd med anledning av din begäran", "taken other action on your request"},
	"letter.rights_complain":         {"Om du är missnöjd med vår hantering har du rätt att lämna klagomål till Integritetsskyddsmyndigheten (IMY), Box 8114, 104 20 Stockholm, imy.se (artiklarna 12.4 och 77 i dataskyddsförordningen).", "If you are not satisfied with how we handled your request, you have the right to lodge a complaint with the Swedish Authority for Privacy Protection (Integritetsskyddsmyndigheten, IMY), Box 8114, 104 20 Stockholm, Sweden, imy.se (Articles 12(4) and 77 of the GDPR)."},
	"letter.rights_court":            {"Du har också rätt att väcka talan i domstol (artikel 79 i dataskyddsförordningen).", "You also have the right to an effective judicial remedy before a court (Article 79 of the GDPR)."},
	"letter.warn.nothing_done":       {"Inga åtgärder är antecknade på förfrågan, och den är varken avslagen eller markerad \"inga uppgifter\": svaret säger bara vad som begärdes. Anteckna vad som gjorts innan du skickar.", "No action is recorded on the request, and it is neither refused nor marked \"no data\": the answer only says what was asked. Record what was done before sending."},
	"letter.warn.no_company":         {"Företagets namn och adress saknas (Inställningar): brevet blir osignerat.", "The company's name and address are missing (Settings): the letter goes unsigned."},
	"letter.closing":                 {"Med vänliga hälsningar", "Kind regards"},
	"letter.mail_body":               {"Hej,\n\nbifogat finns vårt svar på din begäran.\n\nMed vänliga hälsningar", "Hello,\n\nattached is our answer to your request.\n\nKind regards"},
	"letter.error.method":            {"Välj hur svaret skickas.", "Choose how the answer is sent."},
	"letter.error.no_email":          {"Förfrågan har ingen e-postadress. Skriv ut svaret i stället.", "The request has no e-mail address. Print the answer instead."},
	"letter.page_title":              {"Svarsbrev på förfrågan {0}", "Answer letter to request {0}"},
	"letter.language":                {"Språk", "Language"},
	"letter.lang.sv":                 {"Svenska", "Swedish"},
	"letter.lang.en":                 {"Engelska", "English"},
	"letter.show":                    {"Visa", "Show"},
	"letter.method":                  {"Skickas", "Sent by"},
	"letter.method.printed":          {"Utskrivet och skickat med post", "Printed and posted"},
	"letter.method.email":            {"E-post med PDF", "E-mail with PDF"},
	"letter.send":                    {"Skicka svaret", "Send the answer"},
	"letter.send_help":               {"Svaret sparas som skickat: senare ändringar i förfrågan ändrar inte det. Förfrågan markeras som besvarad om den inte avslagits.", "The answer is stored as sent: later changes to the request do not change it. The request is marked answered unless it was refused."},
	"letter.pdf":                     {"Ladda ned PDF", "Download PDF"},
	"letter.section":                 {"Svar", "Answer"},
	"letter.write":                   {"Skriv svarsbrevet", "Write the answer letter"},
	"letter.sent_line":               {"{0} · {1} · {2}", "{0} · {1} · {2}"},
	"letter.cleared":                 {"rensat", "cleared"},
	"letter.sent_flash":              {"Svaret är sparat som skickat.", "The answer is stored as sent."},
	"letter.none":                    {"Inget svar skickat än.", "No answer sent yet."},
}

func init() {
	for k, m := range letterMessages {
		if _, dup := messages[k]; dup {
			panic("i18n: " + k + " is in the catalogue twice")
		}
		messages[k] = m
	}
}
