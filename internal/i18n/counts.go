package i18n

// forms are a count message in one language: "one" for exactly 1, "other" for every other number (the
// two plural categories Swedish and English have, CLDR). {0} is the count.
type forms struct{ one, other string }

type count struct{ sv, en forms }

// counts are the messages that show a number of things, looked up with N. A message that shows a count
// belongs here, never in messages: TestNoCountOutsideTheCountCatalogue fails otherwise.
var counts = map[string]count{
	"signin.throttled": {
		forms{"För många misslyckade inloggningar. Försök igen om {0} minut.", "För många misslyckade inloggningar. Försök igen om {0} minuter."},
		forms{"Too many failed sign-ins. Try again in {0} minute.", "Too many failed sign-ins. Try again in {0} minutes."}},
	"exports.limited": {
		forms{"Du har gjort många uttag på kort tid. Försök igen om {0} minut.", "Du har gjort många uttag på kort tid. Försök igen om {0} minuter."},
		forms{"You have made many exports in a short time. Try again in {0} minute.", "You have made many exports in a short time. Try again in {0} minutes."}},

	"dashboard.privacy.holds_soon": {forms{"{0} offert rensas inom 30 dagar; första rensningen {1}.", "{0} offerter rensas inom 30 dagar; första rensningen {1}."}, forms{"{0} quote is cleared within 30 days; the first clearing on {1}.", "{0} quotes are cleared within 30 days; the first clearing on {1}."}},
	"dashboard.privacy.progress":   {forms{"{1} av {0} kund", "{1} av {0} kunder"}, forms{"{1} of {0} customer", "{1} of {0} customers"}},
	"dashboard.privacy.agreement":  {forms{"Version {1}: godkänd av {2} av {0} administratör.", "Version {1}: godkänd av {2} av {0} administratörer."}, forms{"Version {1}: accepted by {2} of {0} administrator.", "Version {1}: accepted by {2} of {0} administrators."}},
	"audit.times":                  {forms{"({0} gång)", "({0} gånger)"}, forms{"({0} time)", "({0} times)"}},
	"customers.count":              {forms{"{0} kund", "{0} kunder"}, forms{"{0} customer", "{0} customers"}},
	"quotes.count":                 {forms{"{0} offert", "{0} offerter"}, forms{"{0} quote", "{0} quotes"}},
	"customers.count_capped":       {forms{"Fler än {0} kund", "Fler än {0} kunder"}, forms{"More than {0} customer", "More than {0} customers"}},
	"crm.count": {forms{"{0} kund matchar urvalet", "{0} kunder matchar urvalet"},
		forms{"{0} customer matches this filter", "{0} customers match this filter"}},
	"crm.select_all": {forms{"Radera eller anonymisera den enda kunden som matchar …", "Radera eller anonymisera alla {0} som matchar …"},
		forms{"Delete or anonymise the one customer matching this filter …", "Delete or anonymise all {0} matching this filter …"}},
	"crm.objected": {forms{"{0} kund har invänt mot direktmarknadsföring och är inte med i etiketter och e-postuttag.", "{0} kunder har invänt mot direktmarknadsföring och är inte med i etiketter och e-postuttag."},
		forms{"{0} customer objected to direct marketing and is left out of labels and e-mail exports.", "{0} customers objected to direct marketing and are left out of labels and e-mail exports."}},
	"crm.ticked": {forms{"{0} markerad", "{0} markerade"}, forms{"{0} customer ticked", "{0} customers ticked"}},
	"crm.ticked_outside": {forms{"(varav {0} kund utanför urvalet, som inte tas med)", "(varav {0} kunder utanför urvalet, som inte tas med)"},
		forms{"(of which {0} customer outside this filter, who is left out)", "(of which {0} customers outside this filter, who are left out)"}},

	"gdpr.delete.refused_body": {
		forms{"Kunden har en accepterad offert som är räkenskapsinformation och ska sparas enligt bokföringslagen:",
			"Kunden har {0} accepterade offerter som är räkenskapsinformation och ska sparas enligt bokföringslagen:"},
		forms{"The customer has an accepted quote, which is an accounting record to be kept under Bokföringslagen (the Swedish Bookkeeping Act):",
			"The customer has {0} accepted quotes, which are accounting records to be kept under Bokföringslagen (the Swedish Bookkeeping Act):"}},
	"gdpr.anonymise.holds": {
		forms{"En accepterad offert behåller faktureringsnamn och adress så länge bokföringslagen kräver. Därefter rensas den automatiskt.",
			"{0} accepterade offerter behåller faktureringsnamn och adress så länge bokföringslagen kräver. Därefter rensas de automatiskt."},
		forms{"An accepted quote keeps the billing name and address as long as Bokföringslagen requires. It is cleared automatically after that.",
			"{0} accepted quotes keep the billing name and address as long as Bokföringslagen requires. They are cleared automatically after that."}},
	// {0} is the retention in years; {1} the quote number, {2} its decision day, {3} the fiscal year's last
	// day, {4} that calendar year, {5} the last day of the hold.
	"customer.held_by": {
		forms{"Offert {1} accepterades {2} och är räkenskapsinformation. Räkenskapsåret slutade {3}, så den sparas till och med {5}: {0} år efter utgången av {4}, det kalenderår då räkenskapsåret avslutades.",
			"Offert {1} accepterades {2} och är räkenskapsinformation. Räkenskapsåret slutade {3}, så den sparas till och med {5}: {0} år efter utgången av {4}, det kalenderår då räkenskapsåret avslutades."},
		forms{"Quote {1} was accepted on {2} and is an accounting record. Its fiscal year ended on {3}, so it is kept through {5}: {0} year after the end of {4}, the calendar year in which the fiscal year ended.",
			"Quote {1} was accepted on {2} and is an accounting record. Its fiscal year ended on {3}, so it is kept through {5}: {0} years after the end of {4}, the calendar year in which the fiscal year ended."}},

	"bulk.preview.frozen": {
		forms{"{0} kund är vald. Urvalet är fryst: kunder som tillkommer nu ingår inte.", "{0} kunder är valda. Urvalet är fryst: kunder som tillkommer nu ingår inte."},
		forms{"{0} customer is selected. The selection is frozen: customers added from now on are not in it.", "{0} customers are selected. The selection is frozen: customers added from now on are not in it."}},
	// {1} is the last day of the hold, {2} the first day after.
	"bulk.hold_row": {forms{"{0} offert sparas till och med {1}, får rensas från {2}", "{0} offerter sparas till och med {1}, får rensas från {2}"},
		forms{"{0} quote kept through {1}, may be cleared from {2}", "{0} quotes kept through {1}, may be cleared from {2}"}},
	// The bulk preview's confirm buttons; the count is the selection's.
	"bulk.confirm.anonymise": {forms{"Anonymisera {0} kund", "Anonymisera {0} kunder"}, forms{"Anonymise {0} customer", "Anonymise {0} customers"}},
	"bulk.confirm.delete":    {forms{"Radera {0} kund", "Radera {0} kunder"}, forms{"Delete {0} customer", "Delete {0} customers"}},
	"bulk.more_dates":        {forms{"… och {0} senare datum", "… och {0} senare datum"}, forms{"… and {0} later date", "… and {0} later dates"}},
	"crm.labels_inexact_more": {forms{"… och {0} till. Begränsa urvalet för att se den.", "… och {0} till. Begränsa urvalet för att se dem."},
		forms{"… and {0} more. Narrow the selection to see it.", "… and {0} more. Narrow the selection to see them."}},
	// The count is the job's total; {1} is how many are done.
	"bulk.job.progress": {forms{"{1} av {0} kund ({2} %)", "{1} av {0} kunder ({2} %)"},
		forms{"{1} of {0} customer ({2} %)", "{1} of {0} customers ({2} %)"}},
	"bulk.job.rate": {forms{"{0} kund/s", "{0} kunder/s"}, forms{"{0} customer/s", "{0} customers/s"}},
	"bulk.verified_bad": {
		forms{"Kontrollerat efteråt: {0} anonymiserad eller raderad kund har fortfarande personuppgifter. Kontakta supporten.",
			"Kontrollerat efteråt: {0} anonymiserade eller raderade kunder har fortfarande personuppgifter. Kontakta supporten."},
		forms{"Checked afterwards: {0} anonymised or deleted customer still holds personal data. Contact support.",
			"Checked afterwards: {0} anonymised or deleted customers still hold personal data. Contact support."}},
	"bulk.selection_changed": {
		forms{"{0} kund matchar inte längre urvalet (den har ändrats sedan förhandsgranskningen) och har tagits bort ur det. Kontrollera siffrorna och bekräfta igen.",
			"{0} kunder matchar inte längre urvalet (de har ändrats sedan förhandsgranskningen) och har tagits bort ur det. Kontrollera siffrorna och bekräfta igen."},
		forms{"{0} customer no longer matches the filter (it changed after the preview) and was taken out of the selection. Check the figures and confirm again.",
			"{0} customers no longer match the filter (they changed after the preview) and were taken out of the selection. Check the figures and confirm again."}},
	"error.forbidden.missing": {forms{"Behörighet som saknas: {1}. Be en administratör om den.", "Behörigheter som saknas: {1}. Be en administratör om dem."},
		forms{"Missing permission: {1}. Ask an administrator for it.", "Missing permissions: {1}. Ask an administrator for them."}},

	// Issue 13: a bulk job's failed attempts, shown while it retries ({1} when, {2} why).
	"bulk.retry.notice": {
		forms{"{0} försök har misslyckats, senast {1}: {2}. Jobbet försöker igen av sig självt; det som redan är gjort står kvar.",
			"{0} försök har misslyckats, senast {1}: {2}. Jobbet försöker igen av sig självt; det som redan är gjort står kvar."},
		forms{"{0} attempt has failed, at {1}: {2}. The job tries again by itself; what is done stays done.",
			"{0} attempts have failed, the last at {1}: {2}. The job tries again by itself; what is done stays done."}},

	// The request rate limit (issue 13); {0} is the Retry-After in seconds.
	"ratelimit.retry": {forms{"Du har skickat många förfrågningar på kort tid. Försök igen om {0} sekund.", "Du har skickat många förfrågningar på kort tid. Försök igen om {0} sekunder."},
		forms{"You have sent many requests in a short time. Try again in {0} second.", "You have sent many requests in a short time. Try again in {0} seconds."}},

	// Issue 15, item 3: the heading of a form's error summary.
	"rules.period": {forms{"{0} månad", "{0} månader"}, forms{"{0} month", "{0} months"}},
	"rules.due.inactive_customers": {forms{"{0} kund, senast aktiv före {1}, skulle raderas eller anonymiseras.", "{0} kunder, senast aktiva före {1}, skulle raderas eller anonymiseras."},
		forms{"{0} customer, last active before {1}, would be erased.", "{0} customers, last active before {1}, would be erased."}},
	"rules.due.credit_reports": {forms{"{0} kreditupplysning, tagen före {1}, skulle tas bort.", "{0} kreditupplysningar, tagna före {1}, skulle tas bort."},
		forms{"{0} credit report, taken before {1}, would be removed.", "{0} credit reports, taken before {1}, would be removed."}},
	"import.rows":             {forms{"{0} rad i filen", "{0} rader i filen"}, forms{"{0} row in the file", "{0} rows in the file"}},
	"import.state.ok":         {forms{"{0} rad kan importeras", "{0} rader kan importeras"}, forms{"{0} row can be imported", "{0} rows can be imported"}},
	"import.state.invalid":    {forms{"{0} rad har fel", "{0} rader har fel"}, forms{"{0} row has errors", "{0} rows have errors"}},
	"import.state.duplicate":  {forms{"{0} rad finns redan som kund", "{0} rader finns redan som kunder"}, forms{"{0} row exists already as a customer", "{0} rows exist already as customers"}},
	"import.state.held":       {forms{"{0} rad hålls tillbaka (en raderad person)", "{0} rader hålls tillbaka (raderade personer)"}, forms{"{0} row held back (an erased person)", "{0} rows held back (erased people)"}},
	"import.outcome.created":  {forms{"{0} kund skapad", "{0} kunder skapade"}, forms{"{0} customer created", "{0} customers created"}},
	"import.outcome.updated":  {forms{"{0} kund uppdaterad", "{0} kunder uppdaterade"}, forms{"{0} customer updated", "{0} customers updated"}},
	"import.outcome.skipped":  {forms{"{0} rad överhoppad", "{0} rader överhoppade"}, forms{"{0} row skipped", "{0} rows skipped"}},
	"import.outcome.left_out": {forms{"{0} rad utelämnad", "{0} rader utelämnade"}, forms{"{0} row left out", "{0} rows left out"}},
	"import.outcome.failed":   {forms{"{0} rad kunde inte sparas", "{0} rader kunde inte sparas"}, forms{"{0} row could not be saved", "{0} rows could not be saved"}},
	"rules.default": {forms{"Försiktig standardtid: {0} månad. En kortare tid måste skrivas in en gång till nedan.", "Försiktig standardtid: {0} månader. En kortare tid måste skrivas in en gång till nedan."},
		forms{"Conservative default: {0} month. A shorter period must be typed again below.", "Conservative default: {0} months. A shorter period must be typed again below."}},
	"rules.due.departed_users": {forms{"{0} användare, avaktiverad före {1}, skulle raderas.", "{0} användare, avaktiverade före {1}, skulle raderas."},
		forms{"{0} user, deactivated before {1}, would be erased.", "{0} users, deactivated before {1}, would be erased."}},
	"rules.approve": {forms{"Godkänn: radera {0} kund", "Godkänn: radera {0} kunder"}, forms{"Approve: erase {0} customer", "Approve: erase {0} customers"}},
	"form.problems": {forms{"Formuläret har {0} fel", "Formuläret har {0} fel"}, forms{"There is {0} problem", "There are {0} problems"}},
	"records.retention.customers": {forms{"Tills kunden raderas eller anonymiseras. Offerter och deras faktureringsuppgifter sparas {0} år från utgången av det kalenderår då räkenskapsåret avslutades (bokföringslagen 7 kap. 2 §).", "Tills kunden raderas eller anonymiseras. Offerter och deras faktureringsuppgifter sparas {0} år från utgången av det kalenderår då räkenskapsåret avslutades (bokföringslagen 7 kap. 2 §)."},
		forms{"Until the customer is deleted or anonymised. Quotes and their billing details are kept for {0} year from the end of the calendar year in which the fiscal year ended (Swedish Bookkeeping Act, ch. 7 § 2).", "Until the customer is deleted or anonymised. Quotes and their billing details are kept for {0} years from the end of the calendar year in which the fiscal year ended (Swedish Bookkeeping Act, ch. 7 § 2)."}},
}
