package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/loop"
)

// TestProgressBar: the bar follows what the cycle reports (a total that
// grows as batches are learnt) and ends on its own line at done of due.
func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	ctx, finish := withProgressBar(context.Background(), &out, "validator")
	r, err := loop.New(loop.Spec{Name: "validator"}, loop.Options{}, func(ctx context.Context) (loop.Stats, error) {
		p := loop.ProgressFrom(ctx)
		p.Due(10)
		p.Done(10)
		p.Due(5) // a second batch
		p.Done(5)
		return loop.Stats{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = r.Once(ctx)
	finish()
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "validator") || !strings.Contains(got, "15/15") || !strings.HasSuffix(got, "\n") {
		t.Errorf("progress bar output %q, want the loop's name and 15/15, ending the line", got)
	}
}

// TestProgressBarOnlyOnATerminal: a log file or a pipe gets no bar.
func TestProgressBarOnlyOnATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&bytes.Buffer{}) {
		t.Error("a file or a buffer taken for a terminal")
	}
}
