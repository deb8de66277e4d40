package main

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Size of every chart, in SVG points (GitHub shows 720pt as 960px, then
// scales the image down to the width of the page).
const (
	chartWidth  = 720
	chartHeight = 360
)

// logSpread is the ratio of the slowest bar to the fastest above which a
// bar chart's y axis is logarithmic: beyond it the fast bars of a linear
// axis are too short to compare.
const logSpread = 10

// margin is the blank border around a chart and between a plot and its
// legend.
var margin = vg.Points(8)

// sans returns Liberation Sans of the given size in points: the font gonum
// measures text with. fontFallback names metric-compatible fonts after it
// in the SVG, for viewers that do not have it.
func sans(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
}

// newPlot returns a plot titled title, in sans fonts, with no background:
// writeSVG paints the whole canvas white, legend included.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(12)
	p.Title.Padding = vg.Points(10)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(10)
		a.Tick.Label.Font = sans(9)
	}
	return p
}

// subtitle is the second line of a chart's title: what the values are.
func subtitle(what string, nmin, nmax int) string {
	runs := strconv.Itoa(nmin)
	if nmin != nmax {
		runs += "–" + strconv.Itoa(nmax)
	}
	if runs == "1" {
		return what + ", one run; lower is better"
	}
	return what + ", median of " + runs + " runs; lower is better"
}

// A timeUnit is the unit a chart shows times in.
type timeUnit struct {
	name string
	ns   float64 // nanoseconds in one unit
}

// unitFor returns the largest of ns, µs and ms in which largest, a time
// in nanoseconds, is at least 1.
func unitFor(largest float64) timeUnit {
	switch {
	case largest >= 1e6:
		return timeUnit{"ms", 1e6}
	case largest >= 1e3:
		return timeUnit{"µs", 1e3}
	}
	return timeUnit{"ns", 1}
}

// formatValue prints v with three significant digits and no exponent.
func formatValue(v float64) string {
	if v <= 0 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	digits := max(0, 2-int(math.Floor(math.Log10(v))))
	return strconv.FormatFloat(v, 'f', digits, 64)
}

// formatTick prints a tick value without exponent and without the noise of
// binary floating point (0.30000000000000004 is "0.3").
func formatTick(v float64) string {
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// logTicks marks a logarithmic axis: a labelled tick at 1, 2 and 5 times
// each power of ten within the axis, a minor one at the other multiples.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); math.Pow10(e) <= hi; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = formatTick(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// linearTicks marks a linear axis: a labelled tick at every multiple of
// the smallest of 1, 2, 5 or 10 times a power of ten that gives at most
// ten of them, and a minor one halfway between.
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(lo, hi float64) []plot.Tick {
	base := math.Pow10(int(math.Floor(math.Log10((hi - lo) / 10))))
	var step float64
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * base; (hi-lo)/step <= 10 {
			break
		}
	}
	var ticks []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi; i++ {
		ticks = append(ticks, plot.Tick{Value: i * step, Label: formatTick(i * step)})
		if half := (i + 0.5) * step; half <= hi {
			ticks = append(ticks, plot.Tick{Value: half})
		}
	}
	return ticks
}

// grid returns horizontal grid lines at the y axis's labelled ticks.
func grid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = color.Gray{0xdd}
	g.Horizontal.Width = vg.Points(0.5)
	return g
}

// A bar is one rectangle of a bars plotter.
type bar struct {
	x, width float64 // center and width, in x data units
	value    float64 // top, in y data units
	color    color.Color
	text     string // drawn above the bar
}

// bars draws its rectangles from the bottom of the y axis up to their
// values, so that they also stand on a logarithmic axis, which has no
// zero, and labels each with its value. (plotter.BarChart grows bars from
// zero and has no gaps in its groups.)
type bars struct {
	rects []bar
	label text.Style
}

// Plot implements plot.Plotter.
func (b bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	outline := draw.LineStyle{Color: color.Gray{0x33}, Width: vg.Points(0.5)}
	for _, r := range b.rects {
		x0, x1 := trX(r.x-r.width/2), trX(r.x+r.width/2)
		y0, y1 := trY(p.Y.Min), trY(r.value)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(r.color, pts)
		c.StrokeLines(outline, append(pts, pts[0]))
		c.FillText(b.label, vg.Point{X: (x0 + x1) / 2, Y: y1 + vg.Points(2)}, r.text)
	}
}

// swatch is the legend thumbnail of a bar series: a rectangle of its
// color.
type swatch struct{ color color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	r.Min.X += r.Size().X / 4
	pts := []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}}
	c.FillPolygon(s.color, pts)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{0x33}, Width: vg.Points(0.5)}, append(pts, pts[0]))
}

// legend is a plot.Legend that writeSVG draws beside the plot rather than
// over its data, and the width its longest entry needs.
type legend struct {
	plot.Legend
	width vg.Length
}

// newLegend returns an empty legend, entries listed top down, icons left.
func newLegend() *legend {
	l := &legend{Legend: plot.NewLegend()}
	l.TextStyle.Font = sans(9)
	l.Top, l.Left = true, true
	l.Padding = vg.Points(4)
	l.ThumbnailWidth = vg.Points(24)
	return l
}

// add adds an entry and widens the legend to fit it, with a fifth more
// room for the text than Liberation Sans needs: a viewer without it or
// Arial draws the text in its own sans-serif font, DejaVu Sans on many
// Linux systems, which is that much wider.
func (l *legend) add(label string, thumbs ...plot.Thumbnailer) {
	l.Add(label, thumbs...)
	l.width = max(l.width, l.ThumbnailWidth+l.TextStyle.Width(" "+label)*6/5)
}

// writeSVG draws p, and l beside it on the right if l is not nil, on a
// white chartWidth × chartHeight canvas and returns the SVG.
func writeSVG(p *plot.Plot, l *legend) ([]byte, error) {
	c := vgsvg.New(vg.Points(chartWidth), vg.Points(chartHeight))
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	dc = draw.Crop(dc, margin, -margin, margin, -margin)
	if l == nil {
		p.Draw(dc)
	} else {
		// The legend starts level with the top of the data area.
		top := p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding
		p.Draw(draw.Crop(dc, 0, -(l.width + 2*margin), 0, 0))
		l.Draw(draw.Crop(dc, dc.Size().X-l.width, 0, 0, -top))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return fontFallback(buf.Bytes()), nil
}

// fontFallback makes the SVG's text, which gonum lays out with the metrics
// of Liberation Sans, name after it the fonts that share those metrics
// (Arial, Helvetica) and then any sans-serif font: vgsvg names the
// Liberation family alone, and a viewer without it would fall back to its
// default, often a serif font of other widths.
func fontFallback(svg []byte) []byte {
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"))
}

// render draws the bar chart from the medians of r.
func (bc *barChart) render(r results) ([]byte, error) {
	// The medians first, for the unit and the scale.
	type cell struct {
		series int
		ns     float64
	}
	groups := make([][]cell, len(bc.groups))
	lo, hi := math.Inf(1), math.Inf(-1)
	nmin, nmax := math.MaxInt, 0
	for si, s := range bc.series {
		for gi, b := range s.benches {
			if b == "" {
				continue
			}
			m, n, ok := r.median(b)
			if !ok {
				return nil, fmt.Errorf("no %s", b)
			}
			groups[gi] = append(groups[gi], cell{si, m})
			lo, hi = min(lo, m), max(hi, m)
			nmin, nmax = min(nmin, n), max(nmax, n)
		}
	}
	u := unitFor(hi)
	logY := hi/lo > logSpread

	p := newPlot(bc.title + "\n" + subtitle("time per request", nmin, nmax))
	p.X.Min, p.X.Max = -0.5, float64(len(bc.groups))-0.5
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Length = 0
	var xticks plot.ConstantTicks
	for i, g := range bc.groups {
		xticks = append(xticks, plot.Tick{Value: float64(i), Label: g})
	}
	p.X.Tick.Marker = xticks
	p.Y.Label.Text = u.name + "/op"
	if logY {
		p.Y.Label.Text += " (log scale)"
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		// A power of ten at least halfway below the fastest bar, so that
		// it keeps some height; twice the slowest, for its label.
		p.Y.Min = math.Pow10(int(math.Floor(math.Log10(lo / 2 / u.ns))))
		p.Y.Max = hi * 2 / u.ns
	} else {
		p.Y.Min, p.Y.Max = 0, hi*1.15/u.ns
		p.Y.Tick.Marker = linearTicks{}
	}

	// Bars side by side in each group, centered on it, as wide as the
	// fullest group allows.
	most := 0
	for _, g := range groups {
		most = max(most, len(g))
	}
	slot := min(0.84/float64(most), 0.5)
	b := bars{label: text.Style{
		Color:   color.Black,
		Font:    sans(7.5),
		XAlign:  text.XCenter,
		YAlign:  text.YBottom,
		Handler: p.TextHandler,
	}}
	for gi, g := range groups {
		for j, cl := range g {
			v := cl.ns / u.ns
			b.rects = append(b.rects, bar{
				x:     float64(gi) + (float64(j)-float64(len(g)-1)/2)*slot,
				width: slot * 0.9,
				value: v,
				color: bc.series[cl.series].color,
				text:  formatValue(v),
			})
		}
	}
	p.Add(grid(), b)

	var l *legend
	if bc.legend {
		l = newLegend()
		for _, s := range bc.series {
			l.add(s.label, swatch{s.color})
		}
	}
	return writeSVG(p, l)
}

// render draws the line chart from the medians of r: every required point
// and the optional ones r has.
func (lc *lineChart) render(r results) ([]byte, error) {
	type line struct {
		s   lineSeries
		xys plotter.XYs // routes and ns/op
	}
	var lines []line
	var routes []float64
	lo, hi := math.Inf(1), math.Inf(-1)
	nmin, nmax := math.MaxInt, 0
	for _, s := range lc.series {
		ln := line{s: s}
		for _, pt := range s.points {
			m, n, ok := r.median(pt.bench)
			if !ok {
				if pt.optional {
					continue
				}
				return nil, fmt.Errorf("no %s", pt.bench)
			}
			ln.xys = append(ln.xys, plotter.XY{X: float64(pt.routes), Y: m})
			if !slices.Contains(routes, float64(pt.routes)) {
				routes = append(routes, float64(pt.routes))
			}
			lo, hi = min(lo, m), max(hi, m)
			nmin, nmax = min(nmin, n), max(nmax, n)
		}
		lines = append(lines, ln)
	}
	slices.Sort(routes)
	u := unitFor(hi)

	p := newPlot(lc.title + "\n" + subtitle("time to build and serve the first request", nmin, nmax))
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	var xticks plot.ConstantTicks
	for _, n := range routes {
		xticks = append(xticks, plot.Tick{Value: n, Label: thousands(int(n))})
	}
	p.X.Tick.Marker = xticks
	p.X.Label.Text = "routes (operations, for the typed APIs), log scale"
	p.Y.Tick.Marker = logTicks{}
	p.Y.Label.Text = u.name + " (log scale)"
	p.Add(grid())

	// Guides of slope 1 and 2 from the first point of the line that starts
	// highest, so that they run above most of the data; the axes clip them.
	top := lines[0].xys[0]
	for _, ln := range lines[1:] {
		if first := ln.xys[0]; first.X < top.X || first.X == top.X && first.Y > top.Y {
			top = first
		}
	}
	guides := []struct {
		k      float64
		label  string
		dashes []vg.Length
	}{
		{1, "slope 1: linear growth", []vg.Length{vg.Points(1), vg.Points(2)}},
		{2, "slope 2: quadratic growth", []vg.Length{vg.Points(6), vg.Points(2), vg.Points(1), vg.Points(2)}},
	}
	var guideLines []*plotter.Line
	for _, g := range guides {
		end := routes[len(routes)-1]
		gl, err := plotter.NewLine(plotter.XYs{
			{X: top.X, Y: top.Y / u.ns},
			{X: end, Y: top.Y * math.Pow(end/top.X, g.k) / u.ns},
		})
		if err != nil {
			return nil, err
		}
		gl.Color = color.Gray{0x77}
		gl.Width = vg.Points(0.75)
		gl.Dashes = g.dashes
		p.Add(gl)
		guideLines = append(guideLines, gl)
	}

	l := newLegend()
	for _, ln := range lines {
		xys := make(plotter.XYs, len(ln.xys))
		for i, xy := range ln.xys {
			xys[i] = plotter.XY{X: xy.X, Y: xy.Y / u.ns}
		}
		pl, sc, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		pl.Color = ln.s.color
		pl.Width = vg.Points(1.5)
		if ln.s.dashed {
			pl.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: ln.s.color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(pl, sc)
		l.add(fmt.Sprintf("%s (slope %.2f)", ln.s.label, slope(ln.xys)), pl, sc)
	}
	for i, g := range guides {
		l.add(g.label, guideLines[i])
	}

	// The data's range, not the guides': Add widened the axes to theirs.
	p.X.Min, p.X.Max = routes[0]/1.25, routes[len(routes)-1]*1.25
	p.Y.Min, p.Y.Max = lo/1.6/u.ns, hi*1.6/u.ns
	return writeSVG(p, l)
}

// slope returns the least-squares slope of log y against log x: the
// exponent k of y ∝ x^k.
func slope(xys plotter.XYs) float64 {
	var sx, sy, sxx, sxy float64
	for _, xy := range xys {
		x, y := math.Log(xy.X), math.Log(xy.Y)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(xys))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// thousands prints n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
