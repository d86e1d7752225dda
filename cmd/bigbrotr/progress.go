package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/bigbrotr/bigbrotr/internal/loop"
)

// isTerminal reports whether w is a terminal: the progress bar is for a
// person watching, never for a log file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// withProgressBar makes the one cycle a `--once` command runs draw its
// progress (relays or candidates done of due) on w. The bar is told the
// counts the cycle reports; a cycle that learns its work in batches grows
// the bar's total as it goes. finish draws the final state and ends the
// line, so that what is written after it starts on its own line.
func withProgressBar(ctx context.Context, w io.Writer, name string) (_ context.Context, finish func()) {
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("items"),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { _, _ = io.WriteString(w, "\n") }),
	)
	// The bar completes itself when it reaches its total, and a cycle that
	// learns its work in batches reaches each batch's total before the
	// next: it is held one short of the total until the cycle ends.
	var last [2]int64
	ctx = loop.WithObserver(ctx, func(done, due int64) {
		last = [2]int64{done, due}
		if due > 0 && bar.GetMax64() != due {
			bar.ChangeMax64(due)
		}
		_ = bar.Set64(min(done, max(due-1, 0)))
	})
	return ctx, func() {
		switch done, due := last[0], last[1]; {
		case due > 0 && done >= due:
			_ = bar.Set64(done) // completes, ending the line
		default:
			_ = bar.Exit() // as far as it got
			_, _ = io.WriteString(w, "\n")
		}
	}
}
