package domain

import (
	"testing"

	"github.com/affar/affar/internal/testutil/skatteverket"
)

// Done when (issue 12): every official test personnummer and samordningsnummer is accepted by the customer
// form's validation in each written form, as the canonical YYYYMMDD-NNNN; only the 24 with impossible dates
// are refused, for their date. today lies after the last birth in the lists (2023-12-31) and in the year
// those born in 1926 turn 100, so the short forms use both separators.
func TestSkatteverketTestNumbers(t *testing.T) {
	lists := skatteverket.Load(t, "testdata")
	accepted, refused, plus := 0, 0, 0
	for list, numbers := range map[string][]string{"personnummer": lists.Personnummer, "samordningsnummer": lists.Samordningsnummer} {
		for _, n := range numbers {
			for _, form := range skatteverket.WrittenForms(t, n, today) {
				c, err := CustomerInput{Kind: string(Person), Name: "Test", IDNumber: form}.Validate(today)
				fe, _ := err.(FieldErrors)
				switch {
				case skatteverket.ImpossibleDates[n]:
					if fe["id_number"] != "error.personnummer.date" {
						t.Errorf("%s %q: %v, want the date refused", list, form, err)
					}
					refused++
				case err != nil || c.IDNumber != skatteverket.Canonical(n):
					t.Errorf("%s %q: %q, %v; want %q", list, form, c.IDNumber, err, skatteverket.Canonical(n))
				default:
					accepted++
				}
				if form[6] == '+' {
					plus++
				}
			}
		}
	}
	if accepted != 3*(len(lists.Personnummer)+len(lists.Samordningsnummer)-len(skatteverket.ImpossibleDates)) ||
		refused != 3*len(skatteverket.ImpossibleDates) || plus < 3000 {
		t.Fatalf("%d forms accepted, %d refused, %d with +: the lists were not all read", accepted, refused, plus)
	}
}
