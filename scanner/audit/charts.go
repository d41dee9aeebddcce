package audit

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
)

// Charts are laid out here in user units and drawn by the template as
// inline SVG. Every coordinate is pre-formatted by coord, so output bytes do
// not depend on float printing in the template.

// stackBar is a horizontal bar split into kept / redacted / dropped.
type stackBar struct {
	ID, W, H string
	Segs     []stackSeg
	Empty    bool
	Desc     string
}

type stackSeg struct {
	X, W, H, Color, Class, Title string
}

func newStackBar(id string, w, h float64, kept, redacted, dropped int64) stackBar {
	total := kept + redacted + dropped
	sb := stackBar{ID: id, W: coord(w), H: coord(h), Empty: total <= 0}
	sb.Desc = fmtInt(kept) + " kept (" + fmtPct(kept, total) + "), " + fmtInt(redacted) + " redacted (" + fmtPct(redacted, total) + "), " + fmtInt(dropped) + " dropped (" + fmtPct(dropped, total) + ")"
	if sb.Empty {
		return sb
	}
	parts := []struct {
		n            int64
		color, class string
		label        string
	}{
		{kept, colorKept, "kept", "kept"},
		{redacted, colorRedacted, "redacted", "redacted"},
		{dropped, colorDropped, "dropped", "dropped"},
	}
	x := 0.0
	for _, p := range parts {
		if p.n <= 0 {
			continue
		}
		sw := w * float64(p.n) / float64(total)
		s := stackSeg{X: coord(x), W: coord(sw), H: coord(h), Color: p.color, Class: p.class,
			Title: fmtInt(p.n) + " " + p.label + " (" + fmtPct(p.n, total) + ")"}
		sb.Segs = append(sb.Segs, s)
		x += sw
	}
	return sb
}

// barChart is the horizontal findings-per-kind chart.
type barChart struct {
	W, H           string
	X0             string
	GridY0, GridY1 string
	Rows           []barRow
	Ticks          []tickX
	Desc           string
}

type barRow struct {
	Label, Value, Color, Title string
	Y, BarY, W, ValueX         string
}

type tickX struct {
	X, Label string
}

func newKindChart(byKind map[string]int64) *barChart {
	if len(byKind) == 0 {
		return nil
	}
	kinds := slices.SortedFunc(maps.Keys(byKind), func(a, b string) int {
		if c := cmp.Compare(byKind[b], byKind[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	const (
		width  = 1080.0
		labelW = 220.0
		right  = 58.0
		top    = 26.0
		rowH   = 22.0
		barH   = 14.0
		bottom = 6.0
	)
	var peak int64
	for _, k := range kinds {
		peak = max(peak, byKind[k])
	}
	ticks := niceTicks(peak, 6)
	axisMax := float64(ticks[len(ticks)-1])
	plotW := width - labelW - right
	height := top + rowH*float64(len(kinds)) + bottom
	bc := &barChart{W: coord(width), H: coord(height), X0: coord(labelW), GridY0: coord(top - 6), GridY1: coord(height - bottom)}
	for _, t := range ticks {
		bc.Ticks = append(bc.Ticks, tickX{X: coord(labelW + plotW*float64(t)/axisMax), Label: fmtInt(t)})
	}
	for i, k := range kinds {
		n := byKind[k]
		y := top + rowH*float64(i)
		bw := plotW * float64(max(n, 0)) / axisMax
		if n > 0 && bw < 1.5 {
			bw = 1.5
		}
		f := families[familyIndex(k)]
		bc.Rows = append(bc.Rows, barRow{
			Label: visible(k), Value: fmtInt(n), Color: f.Color,
			Title: visible(k) + ": " + fmtInt(n) + " findings (" + f.Label + ")",
			Y:     coord(y + rowH/2 + 4), BarY: coord(y + (rowH-barH)/2), W: coord(bw), ValueX: coord(labelW + bw + 6),
		})
	}
	bc.Desc = "Horizontal bars, one per finding kind, longest first; " + strconv.Itoa(len(kinds)) + " kinds. The same numbers are in the table below."
	return bc
}

// histChart is the vertical duplicate-cluster size histogram.
type histChart struct {
	W, H               string
	X0, X1, Y0, Y1     string
	Bars               []histBar
	Ticks              []tickY
	XTitleX, XTitleY   string
	YTitleX, YTitleY   string
	Desc               string
	TickLabelX, LabelY string
}

type histBar struct {
	X, Y, W, H    string
	Label, Value  string
	CenterX       string
	ValueY, Title string
}

type tickY struct {
	Y, TextY, Label string
}

func newHistChart(buckets []sizeBucket) *histChart {
	if len(buckets) == 0 {
		return nil
	}
	const (
		width  = 1080.0
		height = 260.0
		left   = 62.0
		right  = 16.0
		top    = 22.0
		bottom = 58.0
	)
	var peak int64
	for _, b := range buckets {
		peak = max(peak, b.Clusters)
	}
	ticks := niceTicks(peak, 4)
	axisMax := float64(ticks[len(ticks)-1])
	plotW, plotH := width-left-right, height-top-bottom
	y1 := top + plotH
	hc := &histChart{
		W: coord(width), H: coord(height),
		X0: coord(left), X1: coord(width - right), Y0: coord(top), Y1: coord(y1),
		XTitleX: coord(left + plotW/2), XTitleY: coord(height - 10),
		YTitleX: coord(16), YTitleY: coord(top + plotH/2),
		TickLabelX: coord(left - 8), LabelY: coord(y1 + 20),
	}
	for _, t := range ticks {
		y := y1 - plotH*float64(t)/axisMax
		hc.Ticks = append(hc.Ticks, tickY{Y: coord(y), TextY: coord(y + 4), Label: fmtInt(t)})
	}
	slot := plotW / float64(len(buckets))
	bw := min(slot*0.62, 96)
	desc := "Clusters by size: "
	for i, b := range buckets {
		label := fmtInt(b.Min)
		if b.Max != b.Min {
			label += "–" + fmtInt(b.Max)
		}
		h := plotH * float64(max(b.Clusters, 0)) / axisMax
		if b.Clusters > 0 && h < 1.5 {
			h = 1.5
		}
		cx := left + slot*(float64(i)+0.5)
		hc.Bars = append(hc.Bars, histBar{
			X: coord(cx - bw/2), Y: coord(y1 - h), W: coord(bw), H: coord(h),
			Label: label, Value: fmtInt(b.Clusters), CenterX: coord(cx), ValueY: coord(y1 - h - 6),
			Title: fmtInt(b.Clusters) + " clusters of " + label + " records",
		})
		if i > 0 {
			desc += "; "
		}
		desc += label + " records: " + fmtInt(b.Clusters)
	}
	hc.Desc = desc + "."
	return hc
}
