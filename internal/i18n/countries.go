package i18n

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// Country is a country's ISO 3166-1 alpha-2 code and its name in one language.
type Country struct{ Code, Name string }

// CountryName is the name of the country with code in the language of ctx, and whether there is one.
func CountryName(ctx context.Context, code string) (string, bool) {
	m, ok := countries[code]
	if !ok {
		return "", false
	}
	if Lang(ctx) == "en" {
		return m.en, true
	}
	return m.sv, true
}

// CountryLabel is what shows for a stored country code: the country's name in the language of ctx, or
// the code itself where it names none of the list (an address saved under a code since withdrawn).
func CountryLabel(ctx context.Context, code string) string {
	if name, ok := CountryName(ctx, code); ok {
		return name
	}
	return code
}

// Countries lists every country in the language of ctx in its alphabetical order (Swedish puts Å, Ä and Ö
// after Z: Österrike comes last), with the country coded first (the home country, domain.HomeCountry) at
// the top.
func Countries(ctx context.Context, first string) []Country {
	all := countriesSV()
	if Lang(ctx) == "en" {
		all = countriesEN()
	}
	out := make([]Country, 0, len(all))
	for _, c := range all {
		if c.Code == first {
			out = append([]Country{c}, out...)
		} else {
			out = append(out, c)
		}
	}
	return out
}

var (
	countriesSV = sync.OnceValue(func() []Country { return sortedCountries("sv", language.Swedish) })
	countriesEN = sync.OnceValue(func() []Country { return sortedCountries("en", language.English) })
)

func sortedCountries(lang string, tag language.Tag) []Country {
	ctx := WithLang(context.Background(), lang)
	out := make([]Country, 0, len(countries))
	for code := range countries {
		name, _ := CountryName(ctx, code)
		out = append(out, Country{Code: code, Name: name})
	}
	c := collate.New(tag)
	slices.SortFunc(out, func(a, b Country) int { return c.CompareString(a.Name, b.Name) })
	return out
}

// countries are the names of the countries of ISO 3166-1 (its 249 alpha-2 codes, and XK for Kosovo as
// the EU writes it) in Swedish and English. They follow CLDR, with its renamings since the copy in
// golang.org/x/text (Belarus, Eswatini, Nordmakedonien, Türkiye) and English names written out as in
// ISO 3166 ("Saint Lucia", "Trinidad and Tobago").
var countries = map[string]message{
	"AD": {"Andorra", "Andorra"},
	"AE": {"Förenade Arabemiraten", "United Arab Emirates"},
	"AF": {"Afghanistan", "Afghanistan"},
	"AG": {"Antigua och Barbuda", "Antigua and Barbuda"},
	"AI": {"Anguilla", "Anguilla"},
	"AL": {"Albanien", "Albania"},
	"AM": {"Armenien", "Armenia"},
	"AO": {"Angola", "Angola"},
	"AQ": {"Antarktis", "Antarctica"},
	"AR": {"Argentina", "Argentina"},
	"AS": {"Amerikanska Samoa", "American Samoa"},
	"AT": {"Österrike", "Austria"},
	"AU": {"Australien", "Australia"},
	"AW": {"Aruba", "Aruba"},
	"AX": {"Åland", "Åland Islands"},
	"AZ": {"Azerbajdzjan", "Azerbaijan"},
	"BA": {"Bosnien och Hercegovina", "Bosnia and Herzegovina"},
	"BB": {"Barbados", "Barbados"},
	"BD": {"Bangladesh", "Bangladesh"},
	"BE": {"Belgien", "Belgium"},
	"BF": {"Burkina Faso", "Burkina Faso"},
	"BG": {"Bulgarien", "Bulgaria"},
	"BH": {"Bahrain", "Bahrain"},
	"BI": {"Burundi", "Burundi"},
	"BJ": {"Benin", "Benin"},
	"BL": {"S:t Barthélemy", "Saint Barthélemy"},
	"BM": {"Bermuda", "Bermuda"},
	"BN": {"Brunei", "Brunei"},
	"BO": {"Bolivia", "Bolivia"},
	"BQ": {"Karibiska Nederländerna", "Caribbean Netherlands"},
	"BR": {"Brasilien", "Brazil"},
	"BS": {"Bahamas", "Bahamas"},
	"BT": {"Bhutan", "Bhutan"},
	"BV": {"Bouvetön", "Bouvet Island"},
	"BW": {"Botswana", "Botswana"},
	"BY": {"Belarus", "Belarus"},
	"BZ": {"Belize", "Belize"},
	"CA": {"Kanada", "Canada"},
	"CC": {"Kokosöarna", "Cocos (Keeling) Islands"},
	"CD": {"Kongo-Kinshasa", "Democratic Republic of the Congo"},
	"CF": {"Centralafrikanska republiken", "Central African Republic"},
	"CG": {"Kongo-Brazzaville", "Republic of the Congo"},
	"CH": {"Schweiz", "Switzerland"},
	"CI": {"Elfenbenskusten", "Côte d'Ivoire"},
	"CK": {"Cooköarna", "Cook Islands"},
	"CL": {"Chile", "Chile"},
	"CM": {"Kamerun", "Cameroon"},
	"CN": {"Kina", "China"},
	"CO": {"Colombia", "Colombia"},
	"CR": {"Costa Rica", "Costa Rica"},
	"CU": {"Kuba", "Cuba"},
	"CV": {"Kap Verde", "Cape Verde"},
	"CW": {"Curaçao", "Curaçao"},
	"CX": {"Julön", "Christmas Island"},
	"CY": {"Cypern", "Cyprus"},
	"CZ": {"Tjeckien", "Czechia"},
	"DE": {"Tyskland", "Germany"},
	"DJ": {"Djibouti", "Djibouti"},
	"DK": {"Danmark", "Denmark"},
	"DM": {"Dominica", "Dominica"},
	"DO": {"Dominikanska republiken", "Dominican Republic"},
	"DZ": {"Algeriet", "Algeria"},
	"EC": {"Ecuador", "Ecuador"},
	"EE": {"Estland", "Estonia"},
	"EG": {"Egypten", "Egypt"},
	"EH": {"Västsahara", "Western Sahara"},
	"ER": {"Eritrea", "Eritrea"},
	"ES": {"Spanien", "Spain"},
	"ET": {"Etiopien", "Ethiopia"},
	"FI": {"Finland", "Finland"},
	"FJ": {"Fiji", "Fiji"},
	"FK": {"Falklandsöarna", "Falkland Islands"},
	"FM": {"Mikronesien", "Micronesia"},
	"FO": {"Färöarna", "Faroe Islands"},
	"FR": {"Frankrike", "France"},
	"GA": {"Gabon", "Gabon"},
	"GB": {"Storbritannien", "United Kingdom"},
	"GD": {"Grenada", "Grenada"},
	"GE": {"Georgien", "Georgia"},
	"GF": {"Franska Guyana", "French Guiana"},
	"GG": {"Guernsey", "Guernsey"},
	"GH": {"Ghana", "Ghana"},
	"GI": {"Gibraltar", "Gibraltar"},
	"GL": {"Grönland", "Greenland"},
	"GM": {"Gambia", "Gambia"},
	"GN": {"Guinea", "Guinea"},
	"GP": {"Guadeloupe", "Guadeloupe"},
	"GQ": {"Ekvatorialguinea", "Equatorial Guinea"},
	"GR": {"Grekland", "Greece"},
	"GS": {"Sydgeorgien och Sydsandwichöarna", "South Georgia and the South Sandwich Islands"},
	"GT": {"Guatemala", "Guatemala"},
	"GU": {"Guam", "Guam"},
	"GW": {"Guinea-Bissau", "Guinea-Bissau"},
	"GY": {"Guyana", "Guyana"},
	"HK": {"Hongkong", "Hong Kong"},
	"HM": {"Heardön och McDonaldöarna", "Heard Island and McDonald Islands"},
	"HN": {"Honduras", "Honduras"},
	"HR": {"Kroatien", "Croatia"},
	"HT": {"Haiti", "Haiti"},
	"HU": {"Ungern", "Hungary"},
	"ID": {"Indonesien", "Indonesia"},
	"IE": {"Irland", "Ireland"},
	"IL": {"Israel", "Israel"},
	"IM": {"Isle of Man", "Isle of Man"},
	"IN": {"Indien", "India"},
	"IO": {"Brittiska territoriet i Indiska oceanen", "British Indian Ocean Territory"},
	"IQ": {"Irak", "Iraq"},
	"IR": {"Iran", "Iran"},
	"IS": {"Island", "Iceland"},
	"IT": {"Italien", "Italy"},
	"JE": {"Jersey", "Jersey"},
	"JM": {"Jamaica", "Jamaica"},
	"JO": {"Jordanien", "Jordan"},
	"JP": {"Japan", "Japan"},
	"KE": {"Kenya", "Kenya"},
	"KG": {"Kirgizistan", "Kyrgyzstan"},
	"KH": {"Kambodja", "Cambodia"},
	"KI": {"Kiribati", "Kiribati"},
	"KM": {"Komorerna", "Comoros"},
	"KN": {"S:t Kitts och Nevis", "Saint Kitts and Nevis"},
	"KP": {"Nordkorea", "North Korea"},
	"KR": {"Sydkorea", "South Korea"},
	"KW": {"Kuwait", "Kuwait"},
	"KY": {"Caymanöarna", "Cayman Islands"},
	"KZ": {"Kazakstan", "Kazakhstan"},
	"LA": {"Laos", "Laos"},
	"LB": {"Libanon", "Lebanon"},
	"LC": {"S:t Lucia", "Saint Lucia"},
	"LI": {"Liechtenstein", "Liechtenstein"},
	"LK": {"Sri Lanka", "Sri Lanka"},
	"LR": {"Liberia", "Liberia"},
	"LS": {"Lesotho", "Lesotho"},
	"LT": {"Litauen", "Lithuania"},
	"LU": {"Luxemburg", "Luxembourg"},
	"LV": {"Lettland", "Latvia"},
	"LY": {"Libyen", "Libya"},
	"MA": {"Marocko", "Morocco"},
	"MC": {"Monaco", "Monaco"},
	"MD": {"Moldavien", "Moldova"},
	"ME": {"Montenegro", "Montenegro"},
	"MF": {"Saint-Martin", "Saint Martin"},
	"MG": {"Madagaskar", "Madagascar"},
	"MH": {"Marshallöarna", "Marshall Islands"},
	"MK": {"Nordmakedonien", "North Macedonia"},
	"ML": {"Mali", "Mali"},
	"MM": {"Myanmar (Burma)", "Myanmar (Burma)"},
	"MN": {"Mongoliet", "Mongolia"},
	"MO": {"Macao", "Macao"},
	"MP": {"Nordmarianerna", "Northern Mariana Islands"},
	"MQ": {"Martinique", "Martinique"},
	"MR": {"Mauretanien", "Mauritania"},
	"MS": {"Montserrat", "Montserrat"},
	"MT": {"Malta", "Malta"},
	"MU": {"Mauritius", "Mauritius"},
	"MV": {"Maldiverna", "Maldives"},
	"MW": {"Malawi", "Malawi"},
	"MX": {"Mexiko", "Mexico"},
	"MY": {"Malaysia", "Malaysia"},
	"MZ": {"Moçambique", "Mozambique"},
	"NA": {"Namibia", "Namibia"},
	"NC": {"Nya Kaledonien", "New Caledonia"},
	"NE": {"Niger", "Niger"},
	"NF": {"Norfolkön", "Norfolk Island"},
	"NG": {"Nigeria", "Nigeria"},
	"NI": {"Nicaragua", "Nicaragua"},
	"NL": {"Nederländerna", "Netherlands"},
	"NO": {"Norge", "Norway"},
	"NP": {"Nepal", "Nepal"},
	"NR": {"Nauru", "Nauru"},
	"NU": {"Niue", "Niue"},
	"NZ": {"Nya Zeeland", "New Zealand"},
	"OM": {"Oman", "Oman"},
	"PA": {"Panama", "Panama"},
	"PE": {"Peru", "Peru"},
	"PF": {"Franska Polynesien", "French Polynesia"},
	"PG": {"Papua Nya Guinea", "Papua New Guinea"},
	"PH": {"Filippinerna", "Philippines"},
	"PK": {"Pakistan", "Pakistan"},
	"PL": {"Polen", "Poland"},
	"PM": {"S:t Pierre och Miquelon", "Saint Pierre and Miquelon"},
	"PN": {"Pitcairnöarna", "Pitcairn Islands"},
	"PR": {"Puerto Rico", "Puerto Rico"},
	"PS": {"Palestinska territorierna", "Palestinian Territories"},
	"PT": {"Portugal", "Portugal"},
	"PW": {"Palau", "Palau"},
	"PY": {"Paraguay", "Paraguay"},
	"QA": {"Qatar", "Qatar"},
	"RE": {"Réunion", "Réunion"},
	"RO": {"Rumänien", "Romania"},
	"RS": {"Serbien", "Serbia"},
	"RU": {"Ryssland", "Russia"},
	"RW": {"Rwanda", "Rwanda"},
	"SA": {"Saudiarabien", "Saudi Arabia"},
	"SB": {"Salomonöarna", "Solomon Islands"},
	"SC": {"Seychellerna", "Seychelles"},
	"SD": {"Sudan", "Sudan"},
	"SE": {"Sverige", "Sweden"},
	"SG": {"Singapore", "Singapore"},
	"SH": {"S:t Helena", "Saint Helena"},
	"SI": {"Slovenien", "Slovenia"},
	"SJ": {"Svalbard och Jan Mayen", "Svalbard and Jan Mayen"},
	"SK": {"Slovakien", "Slovakia"},
	"SL": {"Sierra Leone", "Sierra Leone"},
	"SM": {"San Marino", "San Marino"},
	"SN": {"Senegal", "Senegal"},
	"SO": {"Somalia", "Somalia"},
	"SR": {"Surinam", "Suriname"},
	"SS": {"Sydsudan", "South Sudan"},
	"ST": {"São Tomé och Príncipe", "São Tomé and Príncipe"},
	"SV": {"El Salvador", "El Salvador"},
	"SX": {"Sint Maarten", "Sint Maarten"},
	"SY": {"Syrien", "Syria"},
	"SZ": {"Eswatini", "Eswatini"},
	"TC": {"Turks- och Caicosöarna", "Turks and Caicos Islands"},
	"TD": {"Tchad", "Chad"},
	"TF": {"Franska sydterritorierna", "French Southern Territories"},
	"TG": {"Togo", "Togo"},
	"TH": {"Thailand", "Thailand"},
	"TJ": {"Tadzjikistan", "Tajikistan"},
	"TK": {"Tokelau", "Tokelau"},
	"TL": {"Östtimor", "Timor-Leste"},
	"TM": {"Turkmenistan", "Turkmenistan"},
	"TN": {"Tunisien", "Tunisia"},
	"TO": {"Tonga", "Tonga"},
	"TR": {"Turkiet", "Türkiye"},
	"TT": {"Trinidad och Tobago", "Trinidad and Tobago"},
	"TV": {"Tuvalu", "Tuvalu"},
	"TW": {"Taiwan", "Taiwan"},
	"TZ": {"Tanzania", "Tanzania"},
	"UA": {"Ukraina", "Ukraine"},
	"UG": {"Uganda", "Uganda"},
	"UM": {"USA:s yttre öar", "United States Minor Outlying Islands"},
	"US": {"USA", "United States"},
	"UY": {"Uruguay", "Uruguay"},
	"UZ": {"Uzbekistan", "Uzbekistan"},
	"VA": {"Vatikanstaten", "Vatican City"},
	"VC": {"S:t Vincent och Grenadinerna", "Saint Vincent and the Grenadines"},
	"VE": {"Venezuela", "Venezuela"},
	"VG": {"Brittiska Jungfruöarna", "British Virgin Islands"},
	"VI": {"Amerikanska Jungfruöarna", "U.S. Virgin Islands"},
	"VN": {"Vietnam", "Vietnam"},
	"VU": {"Vanuatu", "Vanuatu"},
	"WF": {"Wallis- och Futunaöarna", "Wallis and Futuna"},
	"WS": {"Samoa", "Samoa"},
	"XK": {"Kosovo", "Kosovo"},
	"YE": {"Jemen", "Yemen"},
	"YT": {"Mayotte", "Mayotte"},
	"ZA": {"Sydafrika", "South Africa"},
	"ZM": {"Zambia", "Zambia"},
	"ZW": {"Zimbabwe", "Zimbabwe"},
}
