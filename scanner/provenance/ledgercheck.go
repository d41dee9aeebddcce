package provenance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/winnow-data/winnow/scanner/parquetio"
	"github.com/winnow-data/winnow/scanner/records"
)

// A ledger handed to Verify may have been forged. parquet-go trusts sizes
// read from the file: a list length in the footer, a page's uncompressed
// size, a zstd frame's content size or an LZ4 block it cannot decode each
// make it allocate gigabytes, and an allocation failure kills the process
// (it is not a panic). openLedger therefore checks, before any page is
// decoded, everything that sizes an allocation:
//
//   - the footer, with parquetio's Thrift walker (parquetio.Open);
//   - the codecs: only zstd (what LedgerWriter writes) and uncompressed;
//   - every page header, decoded from a bounded buffer, against the column
//     chunk and fixed caps;
//   - every zstd frame: content size, window and the most its blocks can
//     produce.
//
// The caps are far above what LedgerWriter produces.
const (
	maxLedgerPage      = 256 << 20 // bytes of one decompressed page
	maxLedgerValues    = 1 << 24   // values in one page
	maxLedgerGroupRows = 1 << 24   // rows in one row group
	maxPageHeader      = 1 << 20   // bytes of one page header
)

// openLedger opens a ledger after bounding what decoding it can cost.
func openLedger(r io.ReaderAt, size int64) (*parquet.File, error) {
	rd, err := parquetio.Open(records.Source{Name: LedgerName, R: r, Size: size}, records.ReadOptions{})
	if err != nil {
		return nil, err
	}
	rd.Close()
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, err
	}
	for g, rg := range pf.Metadata().RowGroups {
		if rg.NumRows < 0 || rg.NumRows > maxLedgerGroupRows {
			return nil, fmt.Errorf("row group %d: %d rows", g, rg.NumRows)
		}
		for c := range rg.Columns {
			if err := checkChunk(r, size, &rg.Columns[c].MetaData); err != nil {
				return nil, fmt.Errorf("row group %d column %d: %w", g, c, err)
			}
		}
	}
	return pf, nil
}

// checkChunk walks the pages of one column chunk the way parquet-go will
// read them: from the dictionary page (or first data page) for
// TotalCompressedSize bytes.
func checkChunk(r io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	switch md.Codec {
	case format.Uncompressed, format.Zstd:
	default:
		return fmt.Errorf("codec %s: a winnow ledger is zstd-compressed", md.Codec)
	}
	start := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		start = md.DictionaryPageOffset
	}
	n := md.TotalCompressedSize
	if start < 0 || n < 0 || start > size || n > size-start {
		return fmt.Errorf("chunk [%d,+%d) outside the file", start, n)
	}
	end := start + n
	var buf []byte
	proto := thrift.CompactProtocol{}
	for off := start; off < end; {
		hn := min(end-off, maxPageHeader)
		buf = grow(buf, int(hn))
		if _, err := r.ReadAt(buf, off); err != nil && err != io.EOF {
			return err
		}
		br := proto.NewReaderFromBytes(buf)
		var h format.PageHeader
		if err := thrift.NewDecoder(br).Decode(&h); err != nil {
			return fmt.Errorf("page header at %d: %w", off, err)
		}
		off += int64(br.BytesRead())
		if err := checkPageHeader(&h); err != nil {
			return fmt.Errorf("page at %d: %w", off, err)
		}
		if int64(h.CompressedPageSize) > end-off {
			return fmt.Errorf("page at %d: %d bytes overrun the chunk", off, h.CompressedPageSize)
		}
		if md.Codec == format.Zstd {
			skip := int64(0) // v2 levels are stored uncompressed before the data
			compressed := true
			if v2 := h.DataPageHeaderV2; v2.Valid {
				skip = int64(v2.V.RepetitionLevelsByteLength) + int64(v2.V.DefinitionLevelsByteLength)
				compressed = !v2.V.IsCompressed.Valid || v2.V.IsCompressed.V
			}
			if skip > int64(h.CompressedPageSize) {
				return fmt.Errorf("page at %d: levels overrun the page", off)
			}
			if compressed {
				data := make([]byte, int64(h.CompressedPageSize)-skip)
				if _, err := r.ReadAt(data, off+skip); err != nil && err != io.EOF {
					return err
				}
				if err := checkZstd(data); err != nil {
					return fmt.Errorf("page at %d: %w", off, err)
				}
			}
		}
		off += int64(h.CompressedPageSize)
	}
	return nil
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

func checkPageHeader(h *format.PageHeader) error {
	if h.CompressedPageSize < 0 || h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxLedgerPage {
		return fmt.Errorf("page sizes %d/%d out of range", h.CompressedPageSize, h.UncompressedPageSize)
	}
	values := func(n int32) error {
		if n < 0 || n > maxLedgerValues {
			return fmt.Errorf("%d values in a page", n)
		}
		return nil
	}
	switch {
	case h.DataPageHeader.Valid:
		return values(h.DataPageHeader.V.NumValues)
	case h.DictionaryPageHeader.Valid:
		return values(h.DictionaryPageHeader.V.NumValues)
	case h.DataPageHeaderV2.Valid:
		v := &h.DataPageHeaderV2.V
		if v.RepetitionLevelsByteLength < 0 || v.DefinitionLevelsByteLength < 0 || v.NumNulls < 0 || v.NumRows < 0 || v.NumRows > maxLedgerValues {
			return errors.New("data page v2 header out of range")
		}
		return values(v.NumValues)
	}
	return nil
}

var errZstdTruncated = errors.New("zstd: truncated frame")

// checkZstd walks the zstd frames of one compressed page without decoding
// them and rejects any whose declared content size, window or block output
// could exceed maxLedgerPage in total.
func checkZstd(src []byte) error {
	var total int64
	for len(src) > 0 {
		if len(src) < 4 {
			return errZstdTruncated
		}
		magic := binary.LittleEndian.Uint32(src)
		if magic&^0xF == 0x184D2A50 { // skippable frame
			if len(src) < 8 {
				return errZstdTruncated
			}
			n := int64(binary.LittleEndian.Uint32(src[4:]))
			if n > int64(len(src)-8) {
				return errZstdTruncated
			}
			src = src[8+n:]
			continue
		}
		if magic != 0xFD2FB528 {
			return errors.New("zstd: bad magic")
		}
		src = src[4:]
		if len(src) < 1 {
			return errZstdTruncated
		}
		fhd := src[0]
		src = src[1:]
		if fhd&0x08 != 0 {
			return errors.New("zstd: reserved bit set")
		}
		single := fhd&0x20 != 0
		if !single {
			if len(src) < 1 {
				return errZstdTruncated
			}
			wd := src[0]
			src = src[1:]
			base := int64(1) << (10 + wd>>3)
			if base+base/8*int64(wd&7) > maxLedgerPage {
				return errors.New("zstd: window too large")
			}
		}
		didSize := [4]int{0, 1, 2, 4}[fhd&3]
		fcsSize := [4]int{0, 2, 4, 8}[fhd>>6]
		if fhd>>6 == 0 && single {
			fcsSize = 1
		}
		if len(src) < didSize+fcsSize {
			return errZstdTruncated
		}
		src = src[didSize:]
		fcs := int64(-1)
		switch fcsSize {
		case 1:
			fcs = int64(src[0])
		case 2:
			fcs = int64(binary.LittleEndian.Uint16(src)) + 256
		case 4:
			fcs = int64(binary.LittleEndian.Uint32(src))
		case 8:
			u := binary.LittleEndian.Uint64(src)
			if u > maxLedgerPage {
				return errors.New("zstd: content size too large")
			}
			fcs = int64(u)
		}
		src = src[fcsSize:]
		var bound int64
		for last := false; !last; {
			if len(src) < 3 {
				return errZstdTruncated
			}
			h := uint32(src[0]) | uint32(src[1])<<8 | uint32(src[2])<<16
			src = src[3:]
			last = h&1 != 0
			n := int64(h >> 3)
			switch (h >> 1) & 3 {
			case 0: // raw
				if n > int64(len(src)) {
					return errZstdTruncated
				}
				src, bound = src[n:], bound+n
			case 1: // RLE: one byte, repeated n times
				if len(src) < 1 {
					return errZstdTruncated
				}
				src, bound = src[1:], bound+n
			case 2: // compressed: at most 128 KiB of output
				if n > int64(len(src)) {
					return errZstdTruncated
				}
				src, bound = src[n:], bound+128<<10
			default:
				return errors.New("zstd: reserved block type")
			}
			if total+bound > maxLedgerPage {
				return errors.New("zstd: page expands beyond the limit")
			}
		}
		if fhd&0x04 != 0 { // content checksum
			if len(src) < 4 {
				return errZstdTruncated
			}
			src = src[4:]
		}
		if fcs > bound {
			return errors.New("zstd: content size larger than its blocks")
		}
		total += bound
	}
	return nil
}
