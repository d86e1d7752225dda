package opstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// promtool returns the path of Debian's promtool (package prometheus). A
// missing one skips the test, except under CI=true, where it fails: make
// test installs the package.
func promtool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PROMTOOL"); p != "" {
		return p
	}
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found (CI=true): install Debian's prometheus package")
		}
		t.Skip("promtool not found: apt-get install prometheus (or set PROMTOOL) to check the rules")
	}
	return p
}

// runPromtool runs promtool in dir and fails the test with its output.
func runPromtool(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(promtool(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var promDir = filepath.Join(root, "docker", "prometheus")

func TestAlertRulesCheck(t *testing.T) {
	runPromtool(t, promDir, "check", "rules", "alerts.yml")
}

func TestAlertRulesUnitTests(t *testing.T) {
	runPromtool(t, promDir, "test", "rules", "alerts_test.yml")
}

// The compose Prometheus configuration, and the rule file it loads.
func TestPrometheusConfig(t *testing.T) {
	runPromtool(t, promDir, "check", "config", "prometheus.yml")
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string            `yaml:"alert"`
			Record string            `yaml:"record"`
			Expr   string            `yaml:"expr"`
			For    string            `yaml:"for"`
			Labels map[string]string `yaml:"labels"`
			Annots map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type ruleTests struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name      string `yaml:"name"`
		AlertTest []struct {
			Alert     string           `yaml:"alertname"`
			ExpAlerts []map[string]any `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func decodeYAML(t *testing.T, rel string, v any) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(string(repoFile(t, rel))))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
}

// TestAlertRulesContract needs no promtool: every alert reads documented
// metrics only, carries a severity and a summary, is listed in
// docs/metrics.md, and is made to fire by alerts_test.yml.
func TestAlertRulesContract(t *testing.T) {
	doc := loadMetricsDoc(t)
	var rules ruleFile
	decodeYAML(t, "docker/prometheus/alerts.yml", &rules)
	var tests ruleTests
	decodeYAML(t, "docker/prometheus/alerts_test.yml", &tests)
	if !slices.Equal(tests.RuleFiles, []string{"alerts.yml"}) {
		t.Errorf("alerts_test.yml rule_files = %v, want [alerts.yml]", tests.RuleFiles)
	}
	fires := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, at := range tc.AlertTest {
			fires[at.Alert] = fires[at.Alert] || len(at.ExpAlerts) > 0
		}
	}
	metricsDoc := string(repoFile(t, "docs/metrics.md"))
	documented := regexp.MustCompile("(?m)^\\| `(Bigbrotr[A-Za-z]+)` \\|").FindAllStringSubmatch(metricsDoc, -1)
	var docAlerts, alerts []string
	for _, m := range documented {
		docAlerts = append(docAlerts, m[1])
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("group %s: recording rule %s: this file holds alerts only", g.Name, r.Record)
				continue
			}
			alerts = append(alerts, r.Alert)
			names, err := metricNames(r.Expr)
			if err != nil {
				t.Errorf("%s: expr: %v", r.Alert, err)
			}
			for _, n := range names {
				if !knownSeries(doc, n) {
					t.Errorf("%s uses %s, which docs/metrics.md does not document", r.Alert, n)
				}
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", r.Alert, s)
			}
			if r.Annots["summary"] == "" || r.Annots["description"] == "" {
				t.Errorf("%s: needs a summary and a description", r.Alert)
			}
			if !fires[r.Alert] {
				t.Errorf("%s: no test in alerts_test.yml makes it fire", r.Alert)
			}
		}
	}
	slices.Sort(alerts)
	slices.Sort(docAlerts)
	if !slices.Equal(alerts, docAlerts) {
		t.Errorf("alerts.yml has %v, docs/metrics.md lists %v", alerts, docAlerts)
	}
	// The seed's six conditions, by our names.
	for _, want := range []string{"BigbrotrDown", "BigbrotrLoopFailureRate", "BigbrotrLoopConsecutiveFailures",
		"BigbrotrLoopSlowCycles", "BigbrotrPoolExhausted", "BigbrotrSlowDatabase"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("alert %s is missing", want)
		}
	}
}
