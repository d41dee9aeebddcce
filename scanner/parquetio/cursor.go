package parquetio

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"

	"github.com/winnow-data/winnow/scanner/records"
)

// errRowCount marks a column chunk whose pages hold fewer or more rows than
// its row group declares.
var errRowCount = errors.New("column chunk row count does not match its row group")

// cursor walks the pages of one scanned column chunk, row by row. It holds
// the current page and the read positions in its levels and values; the
// decoded bytes are copied into the Batch, so a page is released as soon as
// the cursor moves past it.
type cursor struct {
	col   *leafInfo
	field int32 // name index of the column in every batch
	pages parquet.Pages

	page parquet.Page
	rep  []byte // repetition levels of page; nil when maxRep == 0
	def  []byte // definition levels of page; nil when maxDef == 0
	n    int    // level entries in page (values, when maxDef == 0)
	li   int    // next level entry
	vi   int    // next non-null value

	// Plain pages: values data[off[i]:off[i+1]].
	data []byte
	off  []uint32
	// Dictionary pages: values dictData[dictOff[idx[i]]:dictOff[idx[i]+1]].
	idx      []int32
	dict     parquet.Dictionary
	dictData []byte
	dictOff  []uint32

	eof bool // the column chunk has no more pages
}

// reset points the cursor at a new column chunk.
func (c *cursor) reset(pages parquet.Pages) {
	c.close()
	c.pages = pages
	c.eof = false
	c.dict, c.dictData, c.dictOff = nil, nil, nil
}

// close releases the current page and the page reader.
func (c *cursor) close() {
	c.releasePage()
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
}

func (c *cursor) releasePage() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.rep, c.def, c.data, c.off, c.idx = nil, nil, nil, nil, nil
	c.n, c.li, c.vi = 0, 0, 0
}

// nextPage loads the next page that has at least one level entry. It returns
// false at the end of the column chunk.
func (c *cursor) nextPage() (bool, error) {
	c.releasePage()
	for !c.eof {
		p, err := c.pages.ReadPage()
		if err != nil {
			if err == io.EOF {
				c.eof = true
				return false, nil
			}
			return false, fmt.Errorf("column %s: %w", c.col.name, err)
		}
		c.page = p
		if err := c.load(p); err != nil {
			return false, fmt.Errorf("column %s: %w", c.col.name, err)
		}
		if c.n > 0 {
			return true, nil
		}
		c.releasePage()
	}
	return false, nil
}

// load sets the cursor's views on page p and checks that its levels and
// values agree, so the row loop can index them without further checks.
func (c *cursor) load(p parquet.Page) error {
	data := p.Data()
	nvals := 0
	if d := p.Dictionary(); d != nil {
		if d != c.dict {
			dv := d.Page().Data()
			c.dictData, c.dictOff = dv.ByteArray()
			if err := checkOffsets(c.dictData, c.dictOff); err != nil {
				return fmt.Errorf("dictionary: %w", err)
			}
			c.dict = d
		}
		c.idx = data.Int32()
		nd := int32(len(c.dictOff) - 1)
		for _, x := range c.idx {
			if uint32(x) >= uint32(nd) {
				return fmt.Errorf("dictionary index %d out of range [0,%d)", x, nd)
			}
		}
		nvals = len(c.idx)
	} else {
		c.data, c.off = data.ByteArray()
		if len(c.off) > 0 {
			nvals = len(c.off) - 1
			if err := checkOffsets(c.data, c.off); err != nil {
				return err
			}
		}
	}

	if c.col.maxDef == 0 {
		c.n = nvals
		return nil
	}
	c.def = p.DefinitionLevels()
	c.n = len(c.def)
	nonNull := 0
	for _, d := range c.def {
		if d == c.col.maxDef {
			nonNull++
		} else if d > c.col.maxDef {
			return fmt.Errorf("definition level %d above maximum %d", d, c.col.maxDef)
		}
	}
	if nonNull != nvals {
		return fmt.Errorf("page has %d non-null levels but %d values", nonNull, nvals)
	}
	if c.col.maxRep > 0 {
		c.rep = p.RepetitionLevels()
		if len(c.rep) != c.n {
			return fmt.Errorf("page has %d repetition levels and %d definition levels", len(c.rep), c.n)
		}
	}
	return nil
}

// checkOffsets verifies that off describes values inside data.
func checkOffsets(data []byte, off []uint32) error {
	if len(off) == 0 {
		return errors.New("byte array page without offsets")
	}
	prev := off[0]
	for _, o := range off[1:] {
		if o < prev {
			return errors.New("byte array offsets decrease")
		}
		prev = o
	}
	if int64(prev) > int64(len(data)) {
		return errors.New("byte array offsets beyond page data")
	}
	return nil
}

// value returns the bytes of the next non-null value and advances past it.
func (c *cursor) value() []byte {
	i := c.vi
	c.vi++
	if c.idx != nil {
		x := c.idx[i]
		return c.dictData[c.dictOff[x]:c.dictOff[x+1]]
	}
	return c.data[c.off[i]:c.off[i+1]]
}

// appendRow appends the non-null values of the column's next row to b as
// record rec.
func (c *cursor) appendRow(b *records.Batch, rec int) error {
	if c.li == c.n {
		ok, err := c.nextPage()
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("column %s: %w: pages end early", c.col.name, errRowCount)
		}
	}
	maxDef := c.col.maxDef
	if c.col.maxRep == 0 {
		if maxDef == 0 || c.def[c.li] == maxDef {
			b.AddValue(rec, c.field, c.value())
		}
		c.li++
		return nil
	}
	if c.rep[c.li] != 0 {
		return fmt.Errorf("column %s: row starts at repetition level %d", c.col.name, c.rep[c.li])
	}
	for {
		if c.def[c.li] == maxDef {
			b.AddValue(rec, c.field, c.value())
		}
		c.li++
		if c.li == c.n {
			// A row of a data page v1 may continue on the next page.
			ok, err := c.nextPage()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
		}
		if c.rep[c.li] == 0 {
			return nil
		}
	}
}

// appendRows is the fast path for a required or optional, non-repeated
// column: it appends up to max rows from the current page (loading the next
// one if needed) and stops early once b.Values reaches maxBytes. It returns
// the number of rows consumed.
func (c *cursor) appendRows(b *records.Batch, rec, max, maxBytes int) (int, error) {
	if c.li == c.n {
		ok, err := c.nextPage()
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("column %s: %w: pages end early", c.col.name, errRowCount)
		}
	}
	k := min(max, c.n-c.li)
	if c.def != nil || c.idx != nil {
		for i := 0; i < k; i++ {
			if c.def == nil || c.def[c.li] == c.col.maxDef {
				b.AddValue(rec+i, c.field, c.value())
			}
			c.li++
			if len(b.Values) >= maxBytes {
				return i + 1, nil
			}
		}
		return k, nil
	}

	// Plain required values: copy the whole run at once.
	off := c.off[c.vi : c.vi+k+1]
	start := off[0]
	budget := uint32(0)
	if room := maxBytes - len(b.Values); room > 0 {
		budget = uint32(min(room, 1<<31))
	}
	// Stop after the first value that reaches the byte budget.
	end := k
	for i := 1; i <= k; i++ {
		if off[i]-start >= budget {
			end = i
			break
		}
	}
	if len(b.ValueOff) == 0 {
		b.ValueOff = append(b.ValueOff, len(b.Values))
	}
	base := len(b.Values) - int(start)
	b.Values = append(b.Values, c.data[start:off[end]]...)
	for i := 1; i <= end; i++ {
		b.ValueOff = append(b.ValueOff, base+int(off[i]))
		b.ValueRec = append(b.ValueRec, int32(rec+i-1))
		b.ValueField = append(b.ValueField, c.field)
	}
	c.vi += end
	c.li += end
	return end, nil
}

// finish checks that the column chunk holds no rows beyond the row group's
// row count.
func (c *cursor) finish() error {
	if c.li == c.n {
		ok, err := c.nextPage()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
	}
	return fmt.Errorf("column %s: %w: extra values after the last row", c.col.name, errRowCount)
}
