package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Replicated is a primary and a hot standby streaming from it, as
// production runs PostgreSQL streaming replication: the standby is a
// pg_basebackup of the primary (-R: standby.signal and primary_conninfo
// written for it) that follows the primary's WAL through a replication
// slot, so it catches up after a restart however much was written
// meanwhile. Both belong to one test: the shared cluster is not used,
// because a standby of it would replay every other test's writes and its
// lag would depend on them.
type Replicated struct {
	primary, standby *cluster
}

// standbySlot is the replication slot pg_basebackup creates on the primary.
const standbySlot = "pgtest_standby"

// StartReplicated starts a primary and its standby for this test; both are
// stopped and removed when it ends. It skips the test when the server
// binaries are missing (fails instead under CI=true).
func StartReplicated(t testing.TB) *Replicated {
	t.Helper()
	bin, err := findBinDir()
	if err == nil && !hasBasebackup(bin) {
		err = fmt.Errorf("%s has no pg_basebackup: %w", bin, errNoBinaries)
	}
	check(t, err)
	primary, err := startCluster(bin, false)
	if err != nil {
		t.Fatalf("pgtest: start primary: %v", err)
	}
	r := &Replicated{primary: primary}
	t.Cleanup(r.remove)
	// The standby retries a lost connection to the primary after 200ms
	// rather than 5s, so a test's primary hiccup costs little.
	standby, err := newCluster(bin, false, []string{"-c", "wal_retrieve_retry_interval=200ms"})
	if err != nil {
		t.Fatalf("pgtest: standby directory: %v", err)
	}
	r.standby = standby
	cmd := standby.command("pg_basebackup", "-D", filepath.Join(standby.dir, "data"),
		"-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres",
		"-R", "-X", "stream", "-c", "fast", "-C", "-S", standbySlot, "--no-sync")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: pg_basebackup: %v\n%s", err, out)
	}
	if err := standby.startRetrying(); err != nil {
		t.Fatalf("pgtest: start standby: %v", err)
	}
	return r
}

func hasBasebackup(bin string) bool {
	fi, err := os.Stat(filepath.Join(bin, "pg_basebackup"))
	return err == nil && !fi.IsDir()
}

// remove stops both servers and deletes their directories.
func (r *Replicated) remove() {
	for _, c := range []*cluster{r.standby, r.primary} {
		if c != nil {
			c.remove()
		}
	}
}

// NewDatabase creates an empty database on the primary and returns its
// URL there and on the standby, once the standby has replayed it.
func (r *Replicated) NewDatabase(t testing.TB) (primary, standby string) {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), sanitize(t.Name()))
	if err := r.primary.psql("postgres", `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	r.WaitReplayed(t)
	return r.primary.url(name), r.standby.url(name)
}

// WaitReplayed waits until the standby has replayed everything the primary
// had logged when it was called. The insert position, not the write one:
// with synchronous_commit off a commit record may still sit in the WAL
// buffers, and the standby sees it once the WAL writer flushes it.
func (r *Replicated) WaitReplayed(t testing.TB) {
	t.Helper()
	lsn := r.PrimaryQuery(t, "postgres", "SELECT pg_current_wal_insert_lsn()")
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := r.standby.psqlOut("postgres", "SELECT pg_last_wal_replay_lsn() >= '"+lsn+"'::pg_lsn")
		if err == nil && out == "t" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pgtest: standby has not replayed %s after 60s (%q, %v): %s", lsn, out, err, r.StandbyLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PrimaryQuery runs sql on the primary and returns its unaligned,
// tuples-only output.
func (r *Replicated) PrimaryQuery(t testing.TB, db, sql string) string {
	t.Helper()
	out, err := r.primary.psqlOut(db, sql)
	if err != nil {
		t.Fatalf("pgtest: primary: %v", err)
	}
	return out
}

// StandbyQuery is PrimaryQuery on the standby.
func (r *Replicated) StandbyQuery(t testing.TB, db, sql string) string {
	t.Helper()
	out, err := r.standby.psqlOut(db, sql)
	if err != nil {
		t.Fatalf("pgtest: standby: %v", err)
	}
	return out
}

// StopStandby shuts the standby down (fast shutdown: its clients are
// disconnected, as in a restart for maintenance).
func (r *Replicated) StopStandby(t testing.TB) {
	t.Helper()
	r.standby.shutdown(t, false)
}

// StartStandby starts the stopped standby again on the same port, so the
// URLs handed out reach it again; it resumes streaming from its slot.
func (r *Replicated) StartStandby(t testing.TB) {
	t.Helper()
	r.standby.restart(t)
}

// StandbyLog returns the end of the standby's server log.
func (r *Replicated) StandbyLog() string { return r.standby.log() }

// psqlOut runs sql with the cluster's psql and returns its unaligned,
// tuples-only output.
func (c *cluster) psqlOut(db, sql string) (string, error) {
	cmd := exec.Command(filepath.Join(c.bin, "psql"), "-X", "-w", "-At", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "-d", db, "-c", sql)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGOPTIONS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql %q: %w: %s", sql, err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}
