package frontdoor

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// The ratio columns: ours over each stock relay.
var ratioCols = []struct{ ours, stock, head string }{
	{oursPG, stockTune, "pg/tuned"},
	{oursPG, stockPlan, "pg/plain"},
	{oursEmb, stockTune, "emb/tuned"},
	{oursEmb, stockPlan, "emb/plain"},
}

// figure is one row: a value per relay (ok false: none, or failed).
type figure struct {
	name, target string
	values       map[string]float64
	notes        map[string]string // replaces the raw value, e.g. "FAIL 3/500"
	format       string
}

func (r *run) get(name string) *target {
	for _, t := range r.targets {
		if t.name == name {
			return t
		}
	}
	return nil
}

// ratio is ours/stock of a figure, and whether both exist.
func (f figure) ratio(ours, stock string) (float64, bool) {
	a, okA := f.values[ours]
	b, okB := f.values[stock]
	if !okA || !okB || b == 0 || f.notes[ours] != "" || f.notes[stock] != "" {
		return 0, false
	}
	return a / b, true
}

// figures lists every row of the table.
func (r *run) figures() []figure {
	var fs []figure
	add := func(name, target, format string, val func(t *target) (float64, string)) {
		f := figure{name: name, target: target, format: format, values: map[string]float64{}, notes: map[string]string{}}
		for _, t := range r.targets {
			v, note := val(t)
			f.values[t.name] = v
			if note != "" {
				f.notes[t.name] = note
			}
		}
		fs = append(fs, f)
	}
	add("EVENT ingest, accepted/s", ">= 3.0", "%.0f", func(t *target) (float64, string) {
		return float64(t.pub.accepted) / t.ingest.Seconds(), ""
	})
	for _, s := range r.shapes {
		for _, n := range r.cfg.conns {
			for _, p := range []struct {
				name string
				q    float64
			}{{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}} {
				goal := ""
				if p.name != "p90" && (n == 4 || n == 64) {
					goal = "<= 1.0"
				}
				add(fmt.Sprintf("%s %s @%d, ms", s.name, p.name, n), goal, "%.2f", func(t *target) (float64, string) {
					c := t.lat[s.name][n]
					if c == nil || len(c.lat) == 0 {
						return 0, "none"
					}
					if c.failures > 0 {
						return 0, fmt.Sprintf("FAIL %d/%d", c.failures, len(c.lat))
					}
					return ms(percentile(c.lat, p.q)), ""
				})
			}
		}
	}
	perEvent := func(d time.Duration, t *target) float64 {
		return float64(d.Microseconds()) / float64(max(1, t.pub.accepted))
	}
	add("relay CPU per event ingested, us", "", "%.0f", func(t *target) (float64, string) {
		return perEvent(t.ingestC.relay, t), ""
	})
	add("PostgreSQL CPU per event ingested, us", "", "%.0f", func(t *target) (float64, string) {
		if t.dbURL == "" {
			return 0, "-"
		}
		return perEvent(t.ingestC.pg, t), ""
	})
	add("relay CPU, all queries, s", "", "%.1f", func(t *target) (float64, string) { return t.queryC.relay.Seconds(), "" })
	add("PostgreSQL CPU, all queries, s", "", "%.1f", func(t *target) (float64, string) {
		if t.dbURL == "" {
			return 0, "-"
		}
		return t.queryC.pg.Seconds(), ""
	})
	add("peak RSS, MB", "emb <= 100 MB", "%.0f", func(t *target) (float64, string) { return float64(t.rss) / (1 << 20), "" })
	add("bytes on disk per event", "<= 1.0", "%.0f", func(t *target) (float64, string) {
		return float64(t.bytes) / float64(max(1, t.events)), ""
	})
	return fs
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// print writes the table: ratios first, then the raw figures.
func (r *run) print(w io.Writer, load string) {
	fmt.Fprintf(w, "\nfront door over WebSocket: %d events over %d connections (%d EVENTs in flight each), %d queries per shape per concurrency; %s\n",
		len(r.events), r.cfg.writers, r.cfg.window, r.cfg.queries, load)
	fmt.Fprintf(w, "%-40s %-13s", "figure", "target")
	for _, c := range ratioCols {
		fmt.Fprintf(w, " %10s", c.head)
	}
	for _, t := range r.targets {
		fmt.Fprintf(w, " %14s", t.name)
	}
	fmt.Fprintln(w)
	for _, f := range r.figures() {
		fmt.Fprintf(w, "%-40s %-13s", f.name, f.target)
		for _, c := range ratioCols {
			if v, ok := f.ratio(c.ours, c.stock); ok {
				fmt.Fprintf(w, " %10.2f", v)
			} else {
				fmt.Fprintf(w, " %10s", "-")
			}
		}
		for _, t := range r.targets {
			if note := f.notes[t.name]; note != "" {
				fmt.Fprintf(w, " %14s", note)
			} else {
				fmt.Fprintf(w, " %14s", fmt.Sprintf(f.format, f.values[t.name]))
			}
		}
		fmt.Fprintln(w)
	}
	for _, col := range []string{oursPG, oursEmb} {
		if r.get(col) != nil && r.get(stockTune) != nil {
			fmt.Fprintf(w, "%s: p50 and p99 <= 0.5 of tuned stock at %v connections on %d of %d shapes (target: at least 4)\n",
				col, fmt.Sprint(edgeConns(r.cfg.conns)),
				r.halfShapes(col), len(r.shapes))
		}
	}
	for _, t := range r.targets {
		if len(t.pub.rejected) > 0 {
			fmt.Fprintf(w, "%s: %d events accepted, rejected %v, e.g. %q\n", t.name, t.pub.accepted, t.pub.rejected, t.pub.example)
		}
		for _, s := range r.shapes {
			for _, n := range r.cfg.conns {
				if c := t.lat[s.name][n]; c != nil && c.failures > 0 {
					fmt.Fprintf(w, "%s: %s @%d: %d wrong answers, first: %s\n", t.name, s.name, n, c.failures, c.first)
				}
			}
		}
	}
}

// edgeConns are the concurrencies the targets judge: 4 and 64 (or the
// lowest and highest of the run).
func edgeConns(conns []int) []int {
	if len(conns) == 0 {
		return nil
	}
	lo, hi := conns[0], conns[0]
	for _, n := range conns {
		lo, hi = min(lo, n), max(hi, n)
	}
	if lo == hi {
		return []int{lo}
	}
	return []int{lo, hi}
}

// halfShapes counts the REQ shapes whose p50 and p99 are at most half of
// tuned stock's at the edge concurrencies.
func (r *run) halfShapes(ours string) int {
	o, s := r.get(ours), r.get(stockTune)
	n := 0
	for _, sh := range r.shapes {
		good := true
		for _, c := range edgeConns(r.cfg.conns) {
			oc, sc := o.lat[sh.name][c], s.lat[sh.name][c]
			if oc == nil || sc == nil || oc.failures > 0 || sc.failures > 0 || len(oc.lat) == 0 || len(sc.lat) == 0 {
				good = false
				break
			}
			for _, q := range []float64{0.5, 0.99} {
				if float64(percentile(oc.lat, q)) > 0.5*float64(percentile(sc.lat, q)) {
					good = false
				}
			}
		}
		if good {
			n++
		}
	}
	return n
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "load average unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "load average unknown"
	}
	return "load average " + strings.Join(f[:3], " ")
}
