package discovery

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

func TestSeeder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "seeds.txt")
	content := strings.Join([]string{
		"# comment", "", "wss://one.example", "  WSS://One.Example/  ", "wss://two.example",
		"wss://known.example", "https://web.example", "wss://10.0.0.1", "wss://failing.example",
		"wss://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion",
	}, "\n")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := openStore(t)
	addRelay(t, s, "wss://known.example")
	if _, err := s.AddCandidates(ctx, []schema.Candidate{{URL: schema.MustRelayURL("wss://failing.example"), Network: schema.Clearnet}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordFailures(ctx, []schema.Candidate{{URL: schema.MustRelayURL("wss://failing.example"), Failures: 4}}); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sd, err := NewSeeder(SeederConfig{File: file}, s, Options{Options: loop.Options{Registerer: reg}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.Run(ctx); err != nil {
		t.Fatal(err)
	}
	got := candidates(t, s)
	want := []string{
		"wss://failing.example", "wss://one.example", "wss://two.example",
		"ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwx.onion",
	}
	slices.Sort(want)
	if !slices.Equal(keys(got), want) {
		t.Errorf("candidates %v, want %v", keys(got), want)
	}
	if got["wss://failing.example"].Failures != 4 {
		t.Errorf("existing candidate lost its failure count: %+v", got["wss://failing.example"])
	}
	stats, err := sd.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Lines != 8 || stats.Valid != 5 || stats.Added != 0 || stats.Rejected["invalid_scheme"] != 1 || stats.Rejected["local_address"] != 1 {
		t.Errorf("second run %+v", stats)
	}
	if n := series(t, reg, "bigbrotr_loop_rejects_total"); n == 0 {
		t.Error("no reject series registered")
	}
	if err := (SeederConfig{File: filepath.Join(dir, "missing")}).Validate(); err == nil || !strings.Contains(err.Error(), "seeder.file:") {
		t.Errorf("missing file: %v", err)
	}
}

// TestSeederSources: file "" reads the list handed in Options.Seeds (the
// node's built-in one), "none" reads nothing even then, and a file wins
// over the list; under allow_private a private seed is kept as written.
func TestSeederSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "seeds.txt")
	if err := os.WriteFile(file, []byte("wss://from-file.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	builtin := "# built in\nwss://one.example\nws://127.0.0.1:7777\nwss://two.example/\n"
	for _, tc := range []struct {
		file, source string
		urls         schema.ParseOptions
		want         []string
	}{
		{"", "built-in", schema.ParseOptions{}, []string{"wss://one.example", "wss://two.example"}},
		{"", "built-in", schema.ParseOptions{AllowPrivate: true}, []string{"ws://127.0.0.1:7777", "wss://one.example", "wss://two.example"}},
		{SeedsNone, "none", schema.ParseOptions{}, nil},
		{file, file, schema.ParseOptions{}, []string{"wss://from-file.example"}},
	} {
		s := openStore(t)
		sd, err := NewSeeder(SeederConfig{File: tc.file}, s, Options{Seeds: builtin, URLs: tc.urls})
		if err != nil {
			t.Fatal(err)
		}
		stats, err := sd.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(candidates(t, s)); stats.Source != tc.source || !slices.Equal(got, tc.want) {
			t.Errorf("file %q: source %q, candidates %v; want %q, %v", tc.file, stats.Source, got, tc.source, tc.want)
		}
	}
	if err := (SeederConfig{File: SeedsNone}).Validate(); err != nil {
		t.Errorf("\"none\" refused: %v", err)
	}
}

func series(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}
