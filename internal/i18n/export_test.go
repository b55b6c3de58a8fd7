package i18n

// What only the catalogue's tests need of it (i18n_test).

// Keys lists every message id.
func Keys() []string {
	keys := make([]string, 0, len(messages))
	for k := range messages {
		keys = append(keys, k)
	}
	return keys
}

// CountKeys lists every count message id.
func CountKeys() []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	return keys
}

// CountForms returns the one and other forms of a count message in both languages.
func CountForms(key string) (svOne, svOther, enOne, enOther string) {
	c := counts[key]
	return c.sv.one, c.sv.other, c.en.one, c.en.other
}
