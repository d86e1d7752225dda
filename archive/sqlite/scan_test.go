package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
)

// TestSQLiteScanPlan pins ScanArchived to a rowid range walk in seq order,
// with or without kinds: no sort of a kind index's rows, no table scan
// from the start.
func TestSQLiteScanPlan(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, backend.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st
	for _, c := range []struct {
		kinds []int32
		limit int
	}{{nil, 0}, {nil, 500}, {[]int32{10002}, 500}, {[]int32{2, 3, 10002}, 0}} {
		plan := liteExplain(t, s, liteScanSQL(c.kinds, c.limit), 0, 100)
		if want := "SEARCH event USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"; len(plan) != 1 || plan[0] != want {
			t.Errorf("kinds %v limit %d: plan %s, want only %s", c.kinds, c.limit, strings.Join(plan, "; "), want)
		}
	}
}

func TestScanKinds(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want []int32
		none bool
	}{
		{nil, nil, false},
		{[]int{}, nil, false},
		{[]int{3, 10002, 3}, []int32{3, 10002}, false},
		{[]int{1 << 40, 2}, []int32{2}, false},
		{[]int{1 << 40, -1 << 40}, nil, true},
	} {
		got, none := backend.ScanKinds(c.in)
		if none != c.none || len(got) != len(c.want) {
			t.Errorf("scanKinds(%v) = %v, %v; want %v, %v", c.in, got, none, c.want, c.none)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("scanKinds(%v) = %v, want %v", c.in, got, c.want)
			}
		}
	}
}
