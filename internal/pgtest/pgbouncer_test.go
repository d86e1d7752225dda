package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bouncerPSQL runs one statement through the bouncer with the cluster's
// psql and returns its unaligned, tuples-only output.
func bouncerPSQL(t *testing.T, b *PgBouncer, db, sql string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(shared.bin, "psql"), "-X", "-w", "-At", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", fmt.Sprint(b.Port), "-U", "postgres", "-d", db, "-c", sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGOPTIONS=")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestPgBouncerReachesEveryDatabase(t *testing.T) {
	b := StartPgBouncer(t)
	url := NewDatabase(t)
	db := DatabaseName(url)
	Exec(t, db, "CREATE TABLE x (v int); INSERT INTO x VALUES (42)")

	bu := b.URL(url)
	if bu == url || !strings.Contains(bu, fmt.Sprintf(":%d/%s?", b.Port, db)) {
		t.Fatalf("URL(%s) = %s, want the bouncer's port %d", url, bu, b.Port)
	}
	out, err := bouncerPSQL(t, b, db, "SELECT v FROM x")
	if err != nil || out != "42" {
		t.Fatalf("query through pgbouncer = %q, %v\n%s", out, err, b.Log())
	}
}

// The point of the bouncer is transaction pooling: its admin console must
// say so, or the archive tests through it prove nothing.
func TestPgBouncerTransactionMode(t *testing.T) {
	b := StartPgBouncer(t)
	out, err := bouncerPSQL(t, b, "pgbouncer", "SHOW CONFIG")
	if err != nil {
		t.Fatalf("SHOW CONFIG: %v: %s", err, out)
	}
	found := false
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "|")
		if len(f) >= 2 && f[0] == "pool_mode" {
			found = true
			if f[1] != "transaction" {
				t.Errorf("pool_mode = %q, want transaction", f[1])
			}
		}
	}
	if !found {
		t.Fatalf("SHOW CONFIG has no pool_mode:\n%s", out)
	}
}

func TestPgBouncerTwoAtOnce(t *testing.T) {
	a, b := StartPgBouncer(t), StartPgBouncer(t)
	if a.Port == b.Port {
		t.Fatalf("two bouncers on one port %d", a.Port)
	}
	b.stop()
	if _, err := bouncerPSQL(t, a, "postgres", "SELECT 1"); err != nil {
		t.Fatalf("stopping one bouncer broke the other: %v", err)
	}
	if _, err := bouncerPSQL(t, b, "postgres", "SELECT 1"); err == nil {
		t.Fatal("a stopped bouncer still answers")
	}
}

func TestFindPgBouncerHonoursEnv(t *testing.T) {
	t.Setenv("PGBOUNCER", filepath.Join(t.TempDir(), "missing"))
	if _, err := findPgBouncer(); err == nil {
		t.Fatal("a missing $PGBOUNCER was accepted")
	}
}
