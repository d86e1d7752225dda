package loop

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestProgress: a cycle's reports reach the gauges and the observer while
// it runs; the next cycle starts from zero; a cycle run outside Once (nil
// Progress) may report all the same.
func TestProgress(t *testing.T) {
	var seen [][2]int64
	ctx := WithObserver(context.Background(), func(done, due int64) { seen = append(seen, [2]int64{done, due}) })
	first := true
	var r *Runner
	r = runner(t, Spec{Name: "t"}, Options{Registerer: prometheus.NewRegistry()}, func(ctx context.Context) (Stats, error) {
		m := r.metrics
		if !first {
			if value(m.itemsDue.WithLabelValues("t")) != 0 || value(m.itemsDone.WithLabelValues("t")) != 0 || r.State().Due != 0 {
				t.Error("a new cycle starts with the last cycle's progress")
			}
			return Stats{}, nil
		}
		first = false
		p := ProgressFrom(ctx)
		p.Due(3)
		p.Done(1)
		if value(m.running.WithLabelValues("t")) != 1 || value(m.itemsDue.WithLabelValues("t")) != 3 || value(m.itemsDone.WithLabelValues("t")) != 1 {
			t.Error("gauges do not follow the running cycle")
		}
		if st := r.State(); !st.Running || st.Done != 1 || st.Due != 3 {
			t.Errorf("state %+v does not follow the running cycle", st)
		}
		p.Done(0) // ignored
		p.Done(2)
		return Stats{}, nil
	})
	m := r.metrics
	_ = r.Once(ctx)
	if want := [][2]int64{{0, 3}, {1, 3}, {3, 3}}; len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] {
		t.Errorf("observer saw %v, want %v", seen, want)
	}
	if value(m.running.WithLabelValues("t")) != 0 || value(m.itemsDone.WithLabelValues("t")) != 3 || value(m.started.WithLabelValues("t")) == 0 {
		t.Error("after the cycle: want not running, its last progress kept and its start time")
	}
	_ = r.Once(context.Background())
	var none *Progress
	none.Due(1)
	none.Done(1)
	if d, n := ProgressFrom(context.Background()).Counts(); d != 0 || n != 0 || none != nil {
		t.Error("a nil Progress counts")
	}
}

// TestProgressLines: a cycle that outlasts the progress interval logs how
// far it got (done of due), with the loop's logger, before its own line.
func TestProgressLines(t *testing.T) {
	var buf syncBuf
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	r := runner(t, Spec{Name: "t", ProgressEvery: time.Millisecond}, Options{Logger: logger}, func(ctx context.Context) (Stats, error) {
		p := ProgressFrom(ctx)
		p.Due(4)
		p.Done(3)
		// Until the line is written, however slow the machine; the
		// deadline only turns a missing line into a failure, not a hang.
		for deadline := time.Now().Add(time.Minute); !strings.Contains(buf.String(), "msg=progress"); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				return Stats{}, errors.New("no progress line within a minute")
			}
		}
		return Stats{}, nil
	})
	if err := r.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	line := out[strings.Index(out, "msg=progress"):]
	line = line[:strings.IndexByte(line, '\n')]
	if !strings.Contains(line, "loop=t") || !strings.Contains(line, "done=3") || !strings.Contains(line, "due=4") {
		t.Errorf("progress line %q", line)
	}
	if strings.LastIndex(out, "msg=progress") > strings.Index(out, `msg="cycle done"`) {
		t.Errorf("a progress line after the cycle's own:\n%s", out)
	}
}

// syncBuf is a bytes.Buffer safe for the progress goroutine and the test.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
