package opstest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

func repoFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// docMetric is one row of a metrics table in docs/metrics.md.
type docMetric struct {
	Type   string   // counter, gauge, histogram, summary
	Labels []string // sorted label names
	Line   int
	// Lazy rows ("Appears with the first ...") have no series until the
	// node has done that; the metrics test accepts them missing from its
	// scrape if the name is in the code.
	Lazy bool
}

// lazyMarker starts the sentence that marks a row as lazy.
const lazyMarker = "Appears with the first"

// standardMetrics are the client_golang collector metrics (and Prometheus'
// own up) the alerts and dashboard may use besides the documented
// bigbrotr_* ones; docs/metrics.md names each under "Standard collectors"
// and the metrics test checks the node exposes them.
var standardMetrics = []string{
	"go_goroutines", "go_memstats_heap_inuse_bytes",
	"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
	"process_start_time_seconds",
}

// parseMetricsDoc reads every table row whose first cell is a backticked
// bigbrotr_ name: | `name` | type | `l1`, `l2` (or —) | meaning |.
func parseMetricsDoc(doc string) (map[string]docMetric, error) {
	out := map[string]docMetric{}
	for i, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "| `bigbrotr_") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) < 4 {
			return nil, fmt.Errorf("line %d: want | metric | type | labels | meaning |, got %q", i+1, line)
		}
		name := strings.Trim(strings.TrimSpace(cells[0]), "`")
		typ := strings.TrimSpace(cells[1])
		switch typ {
		case "counter", "gauge", "histogram", "summary":
		default:
			return nil, fmt.Errorf("line %d: %s: unknown type %q", i+1, name, typ)
		}
		var labels []string
		if l := strings.TrimSpace(cells[2]); l != "—" && l != "-" && l != "" {
			for _, f := range strings.Split(l, ",") {
				labels = append(labels, strings.Trim(strings.TrimSpace(f), "`"))
			}
		}
		slices.Sort(labels)
		meaning := strings.Join(cells[3:], "|")
		if strings.TrimSpace(meaning) == "" {
			return nil, fmt.Errorf("line %d: %s has no meaning", i+1, name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("line %d: %s documented twice", i+1, name)
		}
		out[name] = docMetric{Type: typ, Labels: labels, Line: i + 1, Lazy: strings.Contains(meaning, lazyMarker)}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no metric rows found")
	}
	return out, nil
}

func loadMetricsDoc(t testing.TB) map[string]docMetric {
	t.Helper()
	doc := repoFile(t, "docs/metrics.md")
	m, err := parseMetricsDoc(string(doc))
	if err != nil {
		t.Fatalf("docs/metrics.md: %v", err)
	}
	for _, s := range standardMetrics {
		if !strings.Contains(string(doc), "`"+s+"`") {
			t.Errorf("docs/metrics.md does not name %s under Standard collectors", s)
		}
	}
	return m
}

// knownSeries reports whether a series name used in PromQL belongs to a
// documented metric: the name itself, a histogram's _bucket/_sum/_count,
// a standard collector metric, or up.
func knownSeries(doc map[string]docMetric, name string) bool {
	if name == "up" || slices.Contains(standardMetrics, name) {
		return true
	}
	if _, ok := doc[name]; ok {
		return true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if m, ok := doc[base]; ok && (m.Type == "histogram" || m.Type == "summary" && suffix != "_bucket") {
				return true
			}
		}
	}
	return false
}

func TestParseMetricsDoc(t *testing.T) {
	for _, c := range []struct {
		name, doc string
		want      map[string]docMetric
		err       string
	}{
		{
			name: "rows",
			doc: "| metric | type | labels | meaning |\n|---|---|---|---|\n" +
				"| `bigbrotr_a_total` | counter | `z`, `a` | A. |\n| `bigbrotr_b` | gauge | — | B. Appears with the first b. |\n",
			want: map[string]docMetric{
				"bigbrotr_a_total": {Type: "counter", Labels: []string{"a", "z"}, Line: 3},
				"bigbrotr_b":       {Type: "gauge", Line: 4, Lazy: true},
			},
		},
		{name: "bad type", doc: "| `bigbrotr_a` | count | — | A. |", err: "unknown type"},
		{name: "duplicate", doc: "| `bigbrotr_a` | gauge | — | A. |\n| `bigbrotr_a` | gauge | — | A. |", err: "twice"},
		{name: "no meaning", doc: "| `bigbrotr_a` | gauge | — |  |", err: "no meaning"},
		{name: "short row", doc: "| `bigbrotr_a` | gauge |", err: "want"},
		{name: "empty", doc: "# nothing", err: "no metric rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseMetricsDoc(c.doc)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestKnownSeries(t *testing.T) {
	doc := map[string]docMetric{"bigbrotr_h_seconds": {Type: "histogram"}, "bigbrotr_c_total": {Type: "counter"}}
	for name, want := range map[string]bool{
		"bigbrotr_h_seconds_bucket": true, "bigbrotr_h_seconds_count": true, "bigbrotr_h_seconds": true,
		"bigbrotr_c_total": true, "bigbrotr_c_total_bucket": false, "bigbrotr_nope": false,
		"up": true, "go_goroutines": true, "go_threads": false,
	} {
		if got := knownSeries(doc, name); got != want {
			t.Errorf("knownSeries(%s) = %v, want %v", name, got, want)
		}
	}
}
