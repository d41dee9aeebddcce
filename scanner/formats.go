package scanner

import (
	"fmt"

	"github.com/winnow-data/winnow/scanner/arrowio"
	"github.com/winnow-data/winnow/scanner/jsonl"
	"github.com/winnow-data/winnow/scanner/parquetio"
	"github.com/winnow-data/winnow/scanner/records"
)

type recordsSinks = records.Sinks

// openFormat opens src with the reader of its format.
func openFormat(f Format, src records.Source, opt records.ReadOptions) (records.Reader, error) {
	switch f {
	case FormatJSONL:
		return jsonl.Open(src, opt)
	case FormatParquet:
		return parquetio.Open(src, opt)
	case FormatArrow:
		return arrowio.Open(src, opt)
	}
	return nil, fmt.Errorf("%w: %s", records.ErrUnknownFormat, f)
}
