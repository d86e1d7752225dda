package opstest

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/node"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// exposed is what a scrape showed of one family.
type exposed struct {
	Type   string
	Labels []string
}

// TestMetricsDocumented runs a node on each backend, makes it do enough
// that every family has a series (a stored event, a refused one, a REQ, a
// COUNT, and on PostgreSQL queries that time out), scrapes /metrics and
// holds the result against docs/metrics.md in both directions.
func TestMetricsDocumented(t *testing.T) {
	doc := loadMetricsDoc(t)
	seen := map[string]exposed{}
	ran := 0
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			url := ""
			if backend == "postgres" {
				url = pgtest.NewDatabase(t)
			}
			fams := scrapeBusyNode(t, url)
			for _, s := range standardMetrics {
				if _, ok := fams[s]; !ok {
					t.Errorf("%s is documented as exposed but missing", s)
				}
			}
			for name, mf := range fams {
				if !strings.HasPrefix(name, "bigbrotr_") {
					continue
				}
				got := familyShape(mf)
				d, ok := doc[name]
				switch {
				case !ok:
					t.Errorf("%s (%s, labels %v) is exposed but not documented in docs/metrics.md", name, got.Type, got.Labels)
				case d.Type != got.Type:
					t.Errorf("%s: docs/metrics.md:%d says %s, the node exposes a %s", name, d.Line, d.Type, got.Type)
				case !slices.Equal(d.Labels, got.Labels):
					t.Errorf("%s: docs/metrics.md:%d lists labels %v, the node exposes %v", name, d.Line, d.Labels, got.Labels)
				}
				seen[name] = got
			}
			ran++
		})
	}
	if ran < 2 {
		t.Skip("documented-but-missing check needs both backends")
	}
	var code string
	for name, d := range doc {
		if _, ok := seen[name]; ok {
			continue
		}
		if !d.Lazy {
			t.Errorf("%s is documented (docs/metrics.md:%d) but no node exposed it", name, d.Line)
			continue
		}
		if code == "" {
			code = goSource(t)
		}
		if !strings.Contains(code, `"`+name+`"`) {
			t.Errorf("%s (docs/metrics.md:%d) was not exposed and its name is nowhere in the code", name, d.Line)
		}
	}
}

// goSource concatenates the module's non-test Go files.
func goSource(t *testing.T) string {
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (e.Name() == "node_modules" || e.Name() == "testdata" || strings.HasPrefix(e.Name(), ".") && p != root) {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			src, err := os.ReadFile(p)
			b.Write(src)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func familyShape(mf *dto.MetricFamily) exposed {
	var labels []string
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if !slices.Contains(labels, lp.GetName()) {
				labels = append(labels, lp.GetName())
			}
		}
	}
	slices.Sort(labels)
	return exposed{Type: strings.ToLower(mf.GetType().String()), Labels: labels}
}

// scrapeBusyNode starts a node on dbURL ("" is the embedded store), works
// it and returns its parsed /metrics. On PostgreSQL every archive query
// times out (query_timeout 1ns), so the error counter gets its series.
func scrapeBusyNode(t *testing.T, dbURL string) map[string]*dto.MetricFamily {
	t.Setenv(node.EnvPrivateKey, "")
	t.Setenv(node.EnvDatabaseURL, "")
	dir := t.TempDir()
	writerSK := nostr.GeneratePrivateKey()
	writerPK, _ := nostr.GetPublicKey(writerSK)
	cfg := node.Default()
	cfg.Node.Listen = "127.0.0.1:0"
	cfg.Node.DataDir = filepath.Join(dir, "data")
	cfg.Metrics.Listen = "127.0.0.1:0"
	cfg.Relay.Writers = []string{writerPK}
	cfg.Seeder.File = "none" // not the built-in public list: no dialling out
	cfg.Database.URL = dbURL
	if dbURL != "" {
		cfg.Relay.QueryTimeout = time.Nanosecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := node.New(ctx, node.Options{Config: cfg, Registry: prometheus.NewRegistry(), Version: "test"})
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("node run: %v", err)
		}
	}()

	exercise(ctx, t, n.URL(), writerSK)
	return scrape(ctx, t, "http://"+n.MetricsAddr()+"/metrics")
}

// exercise publishes an accepted and a refused event, then asks a REQ and
// a COUNT.
func exercise(ctx context.Context, t *testing.T, url, writerSK string) {
	r, err := nostr.RelayConnect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer r.Close()
	for _, sk := range []string{writerSK, nostr.GeneratePrivateKey()} {
		ev := nostr.Event{Kind: 1, CreatedAt: nostr.Now(), Tags: nostr.Tags{}, Content: "metrics"}
		if err := ev.Sign(sk); err != nil {
			t.Fatal(err)
		}
		err := r.Publish(ctx, ev)
		if accepted := sk == writerSK; accepted != (err == nil) {
			t.Fatalf("publish (writer %v): %v", accepted, err)
		}
	}
	// Errors are expected where queries time out; what matters is that the
	// node went through its query and count paths.
	r.QuerySync(ctx, nostr.Filter{Kinds: []int{1}, Limit: 10})
	// A COUNT cut by the timeout is answered with CLOSED, which go-nostr's
	// Count does not read: it waits for its context, so give it a short one.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r.Count(cctx, nostr.Filters{{Kinds: []int{1}}})
}

func scrape(ctx context.Context, t *testing.T, url string) map[string]*dto.MetricFamily {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	// Ask for the text format: the parser below reads only that.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}
