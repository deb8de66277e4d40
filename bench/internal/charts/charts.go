package main

import (
	"fmt"
	"image/color"
	"slices"
)

// A chart is one SVG file of the report: what BENCHMARKS.md says about it
// and either a bar chart or a line chart of benchmark medians.
type chart struct {
	file    string // file name in the output directory
	heading string // its heading in BENCHMARKS.md
	alt     string // the image's alternative text
	caption string // one sentence saying what to look at
	bars    *barChart
	lines   *lineChart
}

// A barChart is a grouped bar chart of ns/op: one group per category on
// the x axis, one bar in it per series that has a benchmark there. The
// y axis is logarithmic when the slowest bar is more than logSpread times
// the fastest.
type barChart struct {
	title  string
	groups []string // category labels on the x axis
	series []barSeries
	legend bool // false: the category labels name the bars
}

// A barSeries is one legend entry of a barChart: its bars have one color,
// benches[i] is its benchmark in group i, "" for no bar there.
type barSeries struct {
	label   string
	color   color.Color
	benches []string
}

// A lineChart plots ns/op against the number of routes on log-log axes,
// one line per series, so that a line's slope is the exponent of its
// growth: 1 linear, 2 quadratic.
type lineChart struct {
	title  string
	series []lineSeries
}

// A lineSeries is one line of a lineChart.
type lineSeries struct {
	label  string
	color  color.Color
	dashed bool
	points []linePoint
}

// A linePoint is the benchmark of one route count. An optional point is
// drawn if the input has it (BenchmarkRegisterSpec measures huma at
// 10,000 operations only with HUMA10K) and is not required otherwise.
type linePoint struct {
	routes   int
	bench    string
	optional bool
}

// Colors of the routers and APIs, the same on every chart: the baselines
// grey, dynroute blues and green, the others warm (Okabe-Ito palette, which
// colour-blind readers tell apart).
var (
	colHTTPRouter   = color.RGBA{0x55, 0x55, 0x55, 0xff}
	colSetPathValue = color.RGBA{0xaa, 0xaa, 0xaa, 0xff}
	colDynroute     = color.RGBA{0x00, 0x72, 0xb2, 0xff}
	colFast         = color.RGBA{0x56, 0xb4, 0xe9, 0xff}
	colCompat       = color.RGBA{0x00, 0x9e, 0x73, 0xff}
	colServeMux     = color.RGBA{0xe6, 0x9f, 0x00, 0xff}
	colChi          = color.RGBA{0xd5, 0x5e, 0x00, 0xff}
	colHuma         = color.RGBA{0xcc, 0x79, 0xa7, 0xff}
	colHumaDefault  = color.RGBA{0xe8, 0xbf, 0xd6, 0xff}
	colFuego        = color.RGBA{0xf0, 0xe4, 0x42, 0xff}
)

// routerBench returns the name of sub-benchmark router=router of the
// bench module's Benchmark<name>, as parse keys it.
func routerBench(name, router string) string {
	return "Benchmark" + name + "/router=" + router
}

// charts are the charts of BENCHMARKS.md, in the order it shows them.
var charts = []chart{dispatchChart(), twilioChart(), registerChart(), typedChart()}

// dispatchChart is BenchmarkStatic, BenchmarkParam and BenchmarkGitHubAll
// (dispatch_test.go): one group per request kind on the GitHub API table,
// one bar per router. Static runs no-op handlers on dynroute, httprouter,
// ServeMux and chi; Param and GitHubAll run handlers that read every
// parameter, on dynroute's two paths and their httprouter baselines too.
func dispatchChart() chart {
	kinds := []string{"Static", "Param", "GitHubAll"}
	// series gives router a bar in the groups of kinds that run it.
	series := func(label, router string, col color.Color, in ...string) barSeries {
		s := barSeries{label: label, color: col, benches: make([]string, len(kinds))}
		for i, k := range kinds {
			if slices.Contains(in, k) {
				s.benches[i] = routerBench(k, router)
			}
		}
		return s
	}
	return chart{
		file:    "dispatch.svg",
		heading: "Dispatch on the GitHub API table",
		alt:     "Bar chart of the time per request of each router on the GitHub API table, for a static route, a route with three parameters and every route in turn",
		caption: "Compare each dynroute bar with the grey httprouter bar it is measured against (the fast path with `ps.ByName`, the compat path with `r.SetPathValue`, Static's no-op handlers with httprouter's), which DESIGN.md's dispatch goals hold to at most 1.15×; ServeMux and chi are there for scale.",
		bars: &barChart{
			title: "Dispatch on the GitHub API table (203 routes)",
			groups: []string{
				"Static\nGET /user/repos, no-op handlers",
				"Param\none route, 3 parameters",
				"GitHubAll\nevery route in turn",
			},
			series: []barSeries{
				series("httprouter", "httprouter", colHTTPRouter, kinds...),
				series("dynroute", "dynroute", colDynroute, "Static"),
				series("dynroute, fast path", "dynroute-fast", colFast, "Param", "GitHubAll"),
				series("httprouter + SetPathValue", "httprouter-setpathvalue", colSetPathValue, "Param", "GitHubAll"),
				series("dynroute, compat path", "dynroute-compat", colCompat, "Param", "GitHubAll"),
				series("ServeMux", "servemux", colServeMux, kinds...),
				series("chi", "chi", colChi, kinds...),
			},
			legend: true,
		},
	}
}

// twilioChart is BenchmarkDispatchTwilio (dispatch_twilio_test.go): one
// group per request kind on the Twilio-style table, one bar per router.
// httprouter and ServeMux cannot serve that table, so chi is the baseline.
func twilioChart() chart {
	kinds := []string{"item", "all"}
	series := func(label, router string, col color.Color) barSeries {
		s := barSeries{label: label, color: col}
		for _, k := range kinds {
			s.benches = append(s.benches, "BenchmarkDispatchTwilio/req="+k+"/router="+router)
		}
		return s
	}
	return chart{
		file:    "twilio.svg",
		heading: "Dispatch on a Twilio-style table",
		alt:     "Bar chart of the time per request of chi and of dynroute's fast and compat paths on a Twilio-style table, for one item request and every route in turn",
		caption: "Every path of this table ends in .json, so an item's last parameter sits inside its segment ({Sid}.json), which httprouter and ServeMux cannot express: compare dynroute's bars with chi's, which serves such segments natively.",
		bars: &barChart{
			title: "Dispatch on a Twilio-style table (199 routes, {Sid}.json)",
			groups: []string{
				"item\nGET …/Calls/{Sid}.json",
				"all\nevery route in turn",
			},
			series: []barSeries{
				series("chi", "chi", colChi),
				series("dynroute, fast path", "dynroute-fast", colFast),
				series("dynroute, compat path", "dynroute-compat", colCompat),
			},
			legend: true,
		},
	}
}

// registerChart is BenchmarkRegister1k and BenchmarkRegister10k
// (dispatch_test.go: a router of generated routes with no-op handlers,
// built and serving one request) and BenchmarkRegisterSpec (spec_test.go:
// an API of typed operations with operationIds, dynroute's and huma's).
func registerChart() chart {
	// routes is a router's line of BenchmarkRegister1k and 10k.
	routes := func(label, router string, col color.Color) lineSeries {
		return lineSeries{label: label, color: col, points: []linePoint{
			{routes: 1_000, bench: routerBench("Register1k", router)},
			{routes: 10_000, bench: routerBench("Register10k", router)},
		}}
	}
	// ops is an API's line of BenchmarkRegisterSpec; its point at 10,000
	// operations is required unless opt10k.
	ops := func(label, api string, col color.Color, opt10k bool) lineSeries {
		s := lineSeries{label: label, color: col, dashed: true}
		for _, n := range []int{1_000, 3_000, 10_000} {
			s.points = append(s.points, linePoint{
				routes:   n,
				bench:    fmt.Sprintf("BenchmarkRegisterSpec/routes=%d/api=%s", n, api),
				optional: n == 10_000 && opt10k,
			})
		}
		return s
	}
	return chart{
		file:    "register.svg",
		heading: "Registration time against the number of routes",
		alt:     "Log-log line chart of the time to build a router or an API against its number of routes, one line per router",
		caption: "On log-log axes a line's slope is the exponent of its growth, given in the legend: parallel lines of slope 1 grow linearly, a line near slope 2 quadratically, so read the slopes first and the heights (the cost per route) second; solid lines build bare routes with no-op handlers, dashed ones typed operations with operationIds.",
		lines: &lineChart{
			title: "Building a router: time against the number of routes (log-log)",
			series: []lineSeries{
				routes("httprouter", "httprouter", colHTTPRouter),
				routes("dynroute", "dynroute", colDynroute),
				routes("ServeMux", "servemux", colServeMux),
				routes("chi", "chi", colChi),
				ops("dynroute, typed ops", "dynroute", colDynroute, false),
				ops("huma v2, typed ops", "huma", colHuma, true),
			},
		},
	}
}

// typedChart is BenchmarkTyped (typed_test.go): one bar per
// implementation of the same typed JSON endpoint.
func typedChart() chart {
	sides := []struct {
		label, router string
		color         color.Color
	}{
		{"hand-written\nhttprouter + encoding/json", "httprouter", colHTTPRouter},
		{"dynroute\ntyped.New", "dynroute", colDynroute},
		{"huma v2", "huma", colHuma},
		{"huma v2\ndefault create hook", "huma-default", colHumaDefault},
		{"fuego", "fuego", colFuego},
	}
	c := &barChart{title: "Typed JSON endpoint: POST /items/42?q=pen, bound, validated, answered"}
	for i, s := range sides {
		c.groups = append(c.groups, s.label)
		b := barSeries{label: s.label, color: s.color, benches: make([]string, len(sides))}
		b.benches[i] = routerBench("Typed", s.router)
		c.series = append(c.series, b)
	}
	return chart{
		file:    "typed.svg",
		heading: "Typed JSON endpoint",
		alt:     "Bar chart of the time per request of the same typed JSON endpoint written by hand, with dynroute, with huma v2 and with fuego",
		caption: "The same endpoint (path and query parameters, a JSON body of five members checked against three constraints, a JSON answer) five ways: look at dynroute's bar against the hand-written one on its left, the cost of writing the endpoint as a typed function, and against huma's and fuego's on its right.",
		bars:    c,
	}
}

// required returns the benchmarks the chart cannot be drawn without, in
// the order it draws them.
func (c chart) required() []string {
	var names []string
	if c.bars != nil {
		for _, s := range c.bars.series {
			for _, b := range s.benches {
				if b != "" {
					names = append(names, b)
				}
			}
		}
	}
	if c.lines != nil {
		for _, s := range c.lines.series {
			for _, p := range s.points {
				if !p.optional {
					names = append(names, p.bench)
				}
			}
		}
	}
	return names
}

// missing returns the required benchmarks of c that r has no sample of.
func (c chart) missing(r results) []string {
	var names []string
	for _, b := range c.required() {
		if !r.has(b) {
			names = append(names, b)
		}
	}
	return names
}

// render draws c from the medians of r as SVG. Every required benchmark
// must be in r (see missing).
func (c chart) render(r results) ([]byte, error) {
	if c.bars != nil {
		return c.bars.render(r)
	}
	return c.lines.render(r)
}
