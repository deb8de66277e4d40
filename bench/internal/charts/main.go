// Command charts draws the charts of BENCHMARKS.md as SVG files and prints
// the report's "Charts" section, which embeds them. bench/run.sh runs it
// after the benchmarks:
//
//	go run ./internal/charts -bench bench.txt -dir charts -link bench/charts
//
// -bench is the raw output of go test -bench (any number of runs of each
// benchmark; every chart shows the median ns/op), -dir the directory the
// SVG files are written to, -link the same directory as the Markdown
// links of the section must name it (relative to BENCHMARKS.md, at the
// root of the repository). The charts are the table in charts.go:
//
//   - dispatch.svg: BenchmarkStatic, BenchmarkParam and BenchmarkGitHubAll,
//     one group of bars per benchmark, one bar per router;
//   - twilio.svg: BenchmarkDispatchTwilio, one group of bars per request
//     kind, one bar per router;
//   - register.svg: BenchmarkRegister1k, BenchmarkRegister10k and
//     BenchmarkRegisterSpec, time against route count on log-log axes, one
//     line per router or API;
//   - typed.svg: BenchmarkTyped, one bar per implementation.
//
// A chart's benchmarks must all be in the input, or charts fails naming
// the missing ones and writes nothing. With -partial (run.sh passes it when
// BENCH restricts the run) it draws the charts whose benchmarks are all
// there, says which it skipped and why, and removes their files from -dir,
// so that no chart of an earlier run is left beside a report that does not
// show it. The same input gives the same bytes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

func main() {
	benchFile := flag.String("bench", "bench.txt", "output of go test -bench")
	dir := flag.String("dir", "charts", "directory to write the SVG files to")
	link := flag.String("link", "bench/charts", "the directory in the Markdown links, relative to BENCHMARKS.md")
	partial := flag.Bool("partial", false, "skip the charts whose benchmarks are missing (BENCH restricted the run) instead of failing")
	flag.Parse()
	if err := run(os.Stdout, os.Stderr, *benchFile, *dir, *link, *partial); err != nil {
		fmt.Fprintln(os.Stderr, "charts:", err)
		os.Exit(1)
	}
}

// A skip is a chart that -partial left out, with the benchmarks it lacks.
type skip struct {
	chart   chart
	missing []string
}

// run draws the charts from benchFile into dir, prints the Markdown
// section to md and the files it wrote and the charts it skipped to log.
func run(md, log io.Writer, benchFile, dir, link string, partial bool) error {
	f, err := os.Open(benchFile)
	if err != nil {
		return err
	}
	res, err := parse(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", benchFile, err)
	}

	// Check everything before writing anything.
	var drawn []chart
	var skipped []skip
	var missing []string
	for _, c := range charts {
		m := c.missing(res)
		switch {
		case len(m) == 0:
			drawn = append(drawn, c)
		case partial:
			skipped = append(skipped, skip{c, m})
		default:
			missing = append(missing, m...)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s has no result of %s (run without BENCH, or pass -partial to skip the charts that need them)",
			benchFile, strings.Join(missing, ", "))
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, c := range drawn {
		svg, err := c.render(res)
		if err != nil {
			return fmt.Errorf("%s: %w", c.file, err)
		}
		file := filepath.Join(dir, c.file)
		if err := os.WriteFile(file, svg, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(log, "charts: wrote %s\n", file)
	}
	for _, s := range skipped {
		fmt.Fprintf(log, "charts: skipped %s: no result of %s\n", s.chart.file, abbreviate(s.missing))
		err := os.Remove(filepath.Join(dir, s.chart.file))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	writeSection(md, link, drawn, skipped)
	return nil
}

// writeSection prints the "Charts" section of BENCHMARKS.md: each drawn
// chart under its heading, as an image linked at link/file, with its
// caption, then the skipped ones, if any.
func writeSection(w io.Writer, link string, drawn []chart, skipped []skip) {
	fmt.Fprintf(w, "## Charts\n\nThe medians of this run's benchmarks, drawn by `bench/internal/charts` into `%s`; on every chart lower is better.\n", link)
	for _, c := range drawn {
		fmt.Fprintf(w, "\n### %s\n\n![%s](%s)\n\n%s\n", c.heading, c.alt, path.Join(link, c.file), c.caption)
	}
	if len(skipped) > 0 {
		fmt.Fprintf(w, "\nNot drawn, BENCH having left out their benchmarks:\n\n")
		for _, s := range skipped {
			var code []string
			for _, m := range s.missing {
				code = append(code, "`"+m+"`")
			}
			fmt.Fprintf(w, "- %s (`%s`): no result of %s\n", s.chart.heading, s.chart.file, abbreviate(code))
		}
	}
}

// abbreviate lists the first three names and counts the others.
func abbreviate(names []string) string {
	if len(names) <= 3 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:3], ", "), len(names)-3)
}
