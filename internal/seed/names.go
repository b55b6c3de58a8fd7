package seed

// Common Swedish first and last names, streets and towns (with a postal code prefix), so demo data looks
// like a real register.
var (
	firstNames = []string{"Anna", "Eva", "Maria", "Karin", "Sara", "Kristina", "Lena", "Emma", "Kerstin", "Ingrid",
		"Marie", "Malin", "Jenny", "Hanna", "Linda", "Annika", "Susanne", "Elin", "Monica", "Birgitta", "Sofia",
		"Johanna", "Ida", "Elsa", "Alice", "Maja", "Astrid", "Åsa", "Märta", "Ebba", "Lars", "Mikael", "Anders",
		"Johan", "Erik", "Per", "Karl", "Peter", "Thomas", "Jan", "Daniel", "Fredrik", "Hans", "Andreas", "Stefan",
		"Mats", "Marcus", "Magnus", "Mattias", "Jonas", "Oskar", "William", "Lucas", "Liam", "Hugo", "Axel",
		"Elias", "Olle", "Göran", "Björn", "Sven", "Åke", "Örjan", "Nils", "Gustav", "Viktor", "Ali", "Mohammed",
		"Leila", "Amira", "Yusuf", "Noor", "Mehmet", "Zeynep", "Aleksandra", "Piotr"}
	lastNames = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
		"Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
		"Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist", "Lindgren",
		"Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist", "Mattsson", "Berglund",
		"Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg", "Wallin", "Engström", "Eklund",
		"Danielsson", "Lundin", "Håkansson", "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson",
		"Isaksson", "Fransson", "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg",
		"Nyberg", "Blomqvist", "Claesson", "Nordström", "Ali", "Mohammed", "Åberg", "Öberg", "Hassan", "Yilmaz"}
	companyWords = []string{"Bygg", "El", "Måleri", "Trädgård", "Data", "Konsult", "Transport", "Städ", "Bil",
		"Rör", "VVS", "Fastighets", "Redovisnings", "Frisör", "Café", "Bageri", "Snickeri", "Plåt", "Tak",
		"Golv", "Design", "Reklam", "Event", "Hälso", "Tandvårds", "Verkstads", "Mekaniska", "Maskin", "Trä",
		"Sten", "Glas", "Kök", "Möbel", "Textil", "Flytt", "Lås", "Säkerhets", "IT", "Energi", "Sol"}
	companySuffixes = []string{"AB", "AB", "AB", "AB", "HB", "& Söner AB", "i Norden AB", "Sverige AB", "KB"}
	roles           = []string{"VD", "Inköpare", "Ekonomiansvarig", "Projektledare", "Kontorschef", "Ägare",
		"Platschef", "Redovisningsansvarig", "Säljare", "Verksamhetschef"}
	streets = []string{"Storgatan", "Kungsgatan", "Drottninggatan", "Skolgatan", "Kyrkogatan", "Järnvägsgatan",
		"Nygatan", "Parkgatan", "Tullgatan", "Strandvägen", "Björkvägen", "Ekvägen", "Tallvägen", "Granvägen",
		"Lindvägen", "Industrigatan", "Hamngatan", "Torggatan", "Östra Långgatan", "Västra vägen", "Åvägen",
		"Ängsvägen", "Sjövägen", "Bergsgatan", "Backvägen", "Villagatan", "Prästgårdsgatan", "Smedjegatan"}
	// towns with the first three digits of a postal code there.
	towns = []struct {
		name   string
		prefix int
	}{{"Stockholm", 114}, {"Stockholm", 118}, {"Solna", 171}, {"Uppsala", 753}, {"Göteborg", 411},
		{"Göteborg", 417}, {"Malmö", 211}, {"Malmö", 214}, {"Lund", 223}, {"Helsingborg", 252},
		{"Linköping", 582}, {"Norrköping", 602}, {"Örebro", 702}, {"Västerås", 722}, {"Jönköping", 553},
		{"Umeå", 903}, {"Luleå", 972}, {"Gävle", 802}, {"Sundsvall", 852}, {"Karlstad", 652}, {"Växjö", 352},
		{"Halmstad", 302}, {"Kalmar", 392}, {"Falun", 791}, {"Östersund", 831}, {"Borås", 503},
		{"Eskilstuna", 632}, {"Södertälje", 151}, {"Kristianstad", 291}, {"Visby", 621}, {"Kiruna", 981},
		{"Ystad", 271}, {"Åre", 837}, {"Mora", 792}, {"Trollhättan", 461}}
	bureaus = []string{"UC", "UC", "Creditsafe", "Dun & Bradstreet", "Syna"}
	ratings = []string{"Riskklass 1", "Riskklass 2", "Riskklass 3", "Riskklass 4", "Riskklass 5", "AAA", "AA", "A", "B", "C"}
	remarks = []string{"", "", "Inga betalningsanmärkningar", "En betalningsanmärkning 2023",
		"Skuldsaldo hos Kronofogden", "Nystartat företag, begränsad historik"}
	consentSources = []string{"form", "form", "phone", "email", "paper", "meeting"}
)
