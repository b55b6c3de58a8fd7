package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/i18n"
	"github.com/affar/affar/templates/customers"
)

// customerInput reads the customer form, field by field as domain.CustomerFields declares them.
func customerInput(r *http.Request) domain.CustomerInput {
	return domain.FormInput[domain.CustomerInput](domain.CustomerFields, r.PostForm.Get)
}

// customerDetails are the labelled values of the customer page, as domain.CustomerFields says to show
// them. The identity number is masked (domain.MaskedIDNumber); only the audited "Visa" (customerIdentity)
// shows it in full.
func customerDetails(ctx context.Context, c domain.Customer) []customers.Detail {
	var (
		out     []customers.Detail
		address []string // the address fields' values
		at      int      // the address line's place in out
	)
	for _, f := range domain.CustomerFields {
		if f.Show == domain.ShowNot {
			continue
		}
		v := domain.Value(&c, "db", f.Name)
		switch f.Show {
		case domain.ShowText:
			out = append(out, customers.Detail{Key: f.Label, Value: v.String()})
		case domain.ShowWord:
			out = append(out, customers.Detail{Key: f.Label, Value: i18n.T(ctx, f.Label+"."+v.String())})
		case domain.ShowIdentity:
			key := "customer.personnummer"
			if c.Kind == domain.Company {
				key = "customer.orgnumber"
			}
			out = append(out, identityDetail(ctx, key, v.String()))
		case domain.ShowCountry:
			out = append(out, customers.Detail{Key: f.Label, Value: i18n.CountryLabel(ctx, v.String())})
		case domain.ShowMinute:
			out = append(out, customers.Detail{Key: f.Label, Value: localMinute(v.Interface().(time.Time))})
		case domain.ShowAddress:
			if address == nil { // shown where its first field is
				at, out = len(out), append(out, customers.Detail{Key: "customer.address"})
			}
			address = append(address, v.String())
			out[at].Value = addressLine(address)
		}
	}
	return out
}

// addressLine is a street address and what follows it (postal code and town) on one line: "Storgatan 1,
// 123 45 Ort", leaving out what is empty.
func addressLine(parts []string) string {
	var rest []string
	for _, p := range parts[1:] {
		if p != "" {
			rest = append(rest, p)
		}
	}
	tail := strings.Join(rest, " ")
	switch {
	case parts[0] == "":
		return tail
	case tail == "":
		return parts[0]
	}
	return parts[0] + ", " + tail
}

// identityDetail is the identity number line of the customer page: masked, with "Visa" for a user who may
// see the full number when masking hid something.
func identityDetail(ctx context.Context, key, n string) customers.Detail {
	a, _ := authz.ActorFrom(ctx)
	masked := domain.MaskedIDNumber(n)
	return customers.Detail{Key: key, Value: masked, Reveal: masked != n && a.Can(authz.CustomerViewIdentity)}
}
