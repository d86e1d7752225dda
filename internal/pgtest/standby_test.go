package pgtest

import (
	"strings"
	"testing"
)

// The standby must really be a standby of this primary: in recovery, and
// seeing the primary's writes after replay, also after a restart.
func TestReplicatedStandbyFollowsPrimary(t *testing.T) {
	r := StartReplicated(t)
	_, standbyURL := r.NewDatabase(t)
	db := DatabaseName(standbyURL)
	if got := r.StandbyQuery(t, db, "SELECT pg_is_in_recovery()"); got != "t" {
		t.Fatalf("standby pg_is_in_recovery() = %q, want t", got)
	}
	if got := r.PrimaryQuery(t, db, "SELECT pg_is_in_recovery()"); got != "f" {
		t.Fatalf("primary pg_is_in_recovery() = %q, want f", got)
	}
	r.PrimaryQuery(t, db, "CREATE TABLE x (v int); INSERT INTO x VALUES (1)")
	r.WaitReplayed(t)
	if got := r.StandbyQuery(t, db, "SELECT sum(v) FROM x"); got != "1" {
		t.Fatalf("standby sum = %q, want 1", got)
	}
	if _, err := r.standby.psqlOut(db, "INSERT INTO x VALUES (2)"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("a write on the standby: %v, want a read-only transaction error", err)
	}

	r.StopStandby(t)
	if _, err := r.standby.psqlOut(db, "SELECT 1"); err == nil {
		t.Fatal("a stopped standby still answers")
	}
	r.PrimaryQuery(t, db, "INSERT INTO x VALUES (2)")
	r.StartStandby(t)
	r.WaitReplayed(t)
	if got := r.StandbyQuery(t, db, "SELECT sum(v) FROM x"); got != "3" {
		t.Fatalf("after a restart the standby's sum = %q, want 3 (writes made while it was down)", got)
	}
}
