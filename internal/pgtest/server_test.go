package pgtest

import (
	"strconv"
	"testing"
)

// A test's own server stops (fast or immediate), refuses connections while
// down, and comes back on the same URL with every committed row.
func TestServerStopStart(t *testing.T) {
	s := StartServer(t)
	url := s.NewDatabase(t)
	db := DatabaseName(url)
	s.Query(t, db, "CREATE TABLE x (v int); INSERT INTO x VALUES (1)")
	for _, immediate := range []bool{false, true} {
		s.Stop(t, immediate)
		if _, err := s.c.psqlOut(db, "SELECT 1"); err == nil {
			t.Fatalf("immediate=%v: a stopped server still answers", immediate)
		}
		s.Start(t)
		s.Query(t, db, "INSERT INTO x VALUES (1)")
	}
	if got := s.Query(t, db, "SELECT sum(v) FROM x"); got != "3" {
		t.Fatalf("sum after two restarts = %q, want 3", got)
	}
	if got := s.Query(t, db, "SELECT current_setting('port')"); got != strconv.Itoa(s.c.port) {
		t.Fatalf("restarted on port %s, want %d", got, s.c.port)
	}
}
