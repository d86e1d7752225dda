package opstest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const dashboardPath = "docker/grafana/dashboards/bigbrotr.json"

// Grafana's built-in interval variables, replaced by a duration so that
// promtool can check the expression's syntax.
var grafanaBuiltins = map[string]string{
	"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h",
}

type dashQuery struct {
	Where string // panel title or variable name
	Expr  string
}

type dashboard struct {
	UID        string            `json:"uid"`
	Title      string            `json:"title"`
	Panels     []json.RawMessage `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type dashPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Repeat     string `json:"repeat"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct{ X, Y, W, H int } `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []json.RawMessage `json:"panels"` // a collapsed row's
}

// loadDashboard decodes the dashboard and returns every PromQL expression
// in it (panel targets and query variables), each with where it is, and
// the panels in order with the repeated row each one sits in.
func loadDashboard(t *testing.T) (dashboard, []dashQuery, map[string][]string) {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(repoFile(t, dashboardPath), &d); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	var queries []dashQuery
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q := v.Query
		if m, ok := q.(map[string]any); ok {
			q = m["query"]
		}
		s, _ := q.(string)
		// label_values(selector, label): only the selector is PromQL.
		if inner, ok := strings.CutPrefix(s, "label_values("); ok {
			if i := strings.LastIndex(inner, ","); i >= 0 {
				s = inner[:i]
			}
		}
		queries = append(queries, dashQuery{Where: "variable " + v.Name, Expr: s})
	}
	// Panels under a repeated row, by the row's repeat variable.
	repeated := map[string][]string{}
	rowRepeat := ""
	ids := map[int]string{}
	var walk func(raw []json.RawMessage)
	walk = func(raw []json.RawMessage) {
		for _, r := range raw {
			var p dashPanel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatalf("%s: panel: %v", dashboardPath, err)
			}
			if prev, dup := ids[p.ID]; dup {
				t.Errorf("panel id %d used by %q and %q", p.ID, prev, p.Title)
			}
			ids[p.ID] = p.Title
			if p.GridPos.W < 1 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H < 1 {
				t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
			}
			if p.Type == "row" {
				rowRepeat = p.Repeat
				walk(p.Panels)
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: datasource must be the ${datasource} variable", p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				queries = append(queries, dashQuery{Where: "panel " + p.Title, Expr: tg.Expr})
				if rowRepeat != "" {
					repeated[rowRepeat] = append(repeated[rowRepeat], tg.Expr)
				}
			}
		}
	}
	walk(d.Panels)
	return d, queries, repeated
}

func TestDashboardQueriesUseDocumentedMetrics(t *testing.T) {
	doc := loadMetricsDoc(t)
	d, queries, repeated := loadDashboard(t)
	if d.UID != "bigbrotr" || d.Title == "" {
		t.Errorf("uid %q title %q: the provisioned dashboard needs a fixed uid", d.UID, d.Title)
	}
	vars := map[string]bool{}
	for _, v := range d.Templating.List {
		vars[v.Name] = true
	}
	for _, want := range []string{"datasource", "instance", "loop"} {
		if !vars[want] {
			t.Errorf("templating lacks the %s variable", want)
		}
	}
	used := map[string]bool{}
	varRef := regexp.MustCompile(`\$\{?(\w+)`)
	for _, q := range queries {
		if strings.TrimSpace(q.Expr) == "" {
			t.Errorf("%s: empty query", q.Where)
			continue
		}
		names, err := metricNames(q.Expr)
		if err != nil {
			t.Errorf("%s: %v", q.Where, err)
		}
		for _, n := range names {
			used[n] = true
			if !knownSeries(doc, n) {
				t.Errorf("%s uses %s, which docs/metrics.md does not document", q.Where, n)
			}
		}
		for _, m := range varRef.FindAllStringSubmatch(q.Expr, -1) {
			if _, builtin := grafanaBuiltins["$"+m[1]]; !builtin && !vars[m[1]] {
				t.Errorf("%s: unknown variable $%s", q.Where, m[1])
			}
		}
	}
	// Every documented metric has a panel.
	for name, m := range doc {
		shown := used[name]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			shown = shown || m.Type == "histogram" && used[name+suffix]
		}
		if !shown {
			t.Errorf("%s (docs/metrics.md:%d) has no panel", name, m.Line)
		}
	}
	// The per-loop panels: last cycle, duration, errors, progress.
	perLoop := strings.Join(repeated["loop"], "\n")
	for _, want := range []string{"bigbrotr_loop_last_success_timestamp_seconds", "bigbrotr_loop_cycle_duration_seconds_bucket",
		`bigbrotr_loop_cycles_total`, "bigbrotr_loop_items_total"} {
		if !strings.Contains(perLoop, want) {
			t.Errorf("the row repeated per loop has no panel on %s", want)
		}
	}
}

// TestDashboardQueriesParse hands every dashboard expression to promtool
// as a recording rule, Grafana variables replaced, so a syntax error in a
// panel fails here rather than as an empty graph.
func TestDashboardQueriesParse(t *testing.T) {
	promtool(t) // skip early when missing
	_, queries, _ := loadDashboard(t)
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, q := range queries {
		expr := q.Expr
		for v, dur := range grafanaBuiltins {
			expr = strings.ReplaceAll(expr, v, dur)
		}
		js, _ := json.Marshal(expr) // a JSON string is a valid YAML scalar
		fmt.Fprintf(&b, "      - record: dashboard:query_%d\n        expr: %s\n", i, js)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.yml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runPromtool(t, dir, "check", "rules", "dashboard.yml")
	if want := fmt.Sprintf("%d rules found", len(queries)); !strings.Contains(out, want) {
		t.Errorf("promtool: %s (want %q)", out, want)
	}
	if !slices.ContainsFunc(queries, func(q dashQuery) bool { return strings.Contains(q.Expr, "$__rate_interval") }) {
		t.Error("no panel uses $__rate_interval: rates should follow Grafana's interval")
	}
}
