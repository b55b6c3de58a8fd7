package domain

// PageSizes are the rows per page a list offers, smallest first; DefaultPageSize is the one it opens with.
var PageSizes = []int{25, 50, 100}

// DefaultPageSize is the rows per page of a list nobody has resized.
const DefaultPageSize = 50
