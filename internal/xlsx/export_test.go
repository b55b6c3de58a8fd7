package xlsx

// SetRowsPerSheet lowers the rows a sheet takes before a continuation sheet, so tests can try it without
// a million rows each time.
func SetRowsPerSheet(x *Writer, n int) { x.maxRows = n }
