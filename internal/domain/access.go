package domain

// CopyInformation is what a subject-access copy tells the person besides their data (GDPR art. 15(1)),
// worded in the reader's language or in the company's own texts.
type CopyInformation struct {
	Controller string // who is responsible, and how to reach them
	Categories []CopyCategory
	Recipients string // art. 15(1)(c)
	Transfers  string // art. 15(2): transfers to third countries
	// Storage (art. 15(1)(d)): the first day the data may be erased and why, and the rule quoted.
	ErasableFrom string
	Storage      string
	Rule         string
	Rights       []string // art. 15(1)(e) and (f)
	Automated    string   // art. 15(1)(h)
}

// CopyCategory is one kind of data in a copy: its purpose, legal basis and source (art. 15(1)(a), (g)).
type CopyCategory struct {
	Table, Title, Purpose, Basis, Source string
}
