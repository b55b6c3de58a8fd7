package domain

import "testing"

func TestBankgiroAndPlusgiro(t *testing.T) {
	for in, want := range map[string]string{"5050-1055": "5050-1055", "50501055": "5050-1055", "991-2346": "991-2346"} {
		if got, err := ParseBankgiro(in); err != nil || got != want {
			t.Errorf("bankgiro %q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"5050-1056", "123", "5050-10555", "abcd-efgh"} {
		if got, err := ParseBankgiro(in); err == nil {
			t.Errorf("bankgiro %q accepted as %q", in, got)
		}
	}
	for in, want := range map[string]string{"90 20 00-9": "902000-9", "4711-8": "4711-8"} {
		if got, err := ParsePlusgiro(in); err != nil || got != want {
			t.Errorf("plusgiro %q: %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePlusgiro("902000-3"); err == nil {
		t.Error("plusgiro with a wrong check digit accepted")
	}
}

func TestSupplierValidation(t *testing.T) {
	_, err := SupplierInput{Name: " ", OrgNumber: "556036-0794", Bankgiro: "1234", Plusgiro: "4711-6",
		PostalCode: "1234", Email: "x@"}.Validate(today)
	fe, ok := err.(FieldErrors)
	if !ok {
		t.Fatalf("invalid supplier accepted: %v", err)
	}
	for _, field := range []string{"name", "org_number", "bankgiro", "plusgiro", "postal_code", "email"} {
		if fe[field] == "" {
			t.Errorf("no message for %s (%v)", field, fe)
		}
	}
	s, err := SupplierInput{Name: "Ek Bygg AB", OrgNumber: "5560360793", Bankgiro: "50501055", PostalCode: "41104",
		City: "Göteborg"}.Validate(today)
	if err != nil || s.OrgNumber != "556036-0793" || s.Bankgiro != "5050-1055" || s.PostalCode != "411 04" || s.Country != "SE" {
		t.Fatalf("valid supplier: %+v, %v", s, err)
	}
	// Suppliers' organisation numbers follow the customer rules: group digit 1–9, or a sole trader's personnummer.
	for in, message := range map[string]string{"0021000005": "error.orgnumber.group", "20150916-0006": "error.personnummer.serial"} {
		_, err := SupplierInput{Name: "Ek Bygg AB", OrgNumber: in}.Validate(today)
		if fe, _ := err.(FieldErrors); fe["org_number"] != message {
			t.Errorf("supplier org number %q: %v, want %s", in, err, message)
		}
	}
	if s, err := (SupplierInput{Name: "Ek Bygg", OrgNumber: "261223+9232"}).Validate(today); err != nil || s.OrgNumber != "19261223-9232" {
		t.Errorf("a sole trader's personnummer as supplier org number: %q, %v", s.OrgNumber, err)
	}
}
