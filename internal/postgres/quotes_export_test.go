package postgres

// QuoteListSQL exposes the quote list's queries to the plan test.
var QuoteListSQL = quoteListSQL
