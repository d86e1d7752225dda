package pgtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewDatabase(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share a URL: %s", a)
	}
	for _, url := range []string{a, b} {
		if !strings.HasPrefix(url, "postgres://postgres@127.0.0.1:") {
			t.Errorf("URL %s is not a loopback postgres:// URL", url)
		}
		Exec(t, DatabaseName(url), "CREATE TABLE x (v int); INSERT INTO x VALUES (1)")
	}
	// Fresh means empty: a table made in one database is absent in the next.
	c := NewDatabase(t)
	if err := shared.psql(DatabaseName(c), "SELECT * FROM x"); err == nil {
		t.Errorf("a new database already holds table x")
	}
}

func TestStartIsShared(t *testing.T) {
	first, second := Start(t), Start(t)
	if first != second {
		t.Fatalf("Start returned two different clusters: %s, %s", first, second)
	}
	if !shared.ready() {
		t.Fatal("cluster not ready")
	}
}

func TestRemoveStale(t *testing.T) {
	Start(t)
	// A directory from a killed run: an owner lock file nobody holds.
	dead := filepath.Join(os.TempDir(), dirPrefix+"stale-test")
	if err := os.MkdirAll(filepath.Join(dead, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dead, lockName), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A directory being created right now: no lock file yet.
	young := filepath.Join(os.TempDir(), dirPrefix+"young-test")
	if err := os.MkdirAll(young, 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(young)
	removeStale()
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young directory removed: %v", err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("stale directory survived: %v", err)
	}
	// The running cluster's own directory must survive.
	if _, err := os.Stat(shared.dir); err != nil {
		t.Errorf("live cluster directory removed: %v", err)
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"TestX":                 "testx",
		"TestX/full/Save-1":     "testx_full_save_1",
		strings.Repeat("a", 99): strings.Repeat("a", 40),
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
