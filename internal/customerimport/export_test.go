package customerimport

import (
	"bytes"
	"io"
)

// Parse reads all of a file's rows (Open), the first the headings.
func Parse(data []byte) ([][]string, error) {
	r, err := Open(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for {
		row, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}
