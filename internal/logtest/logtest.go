// Package logtest is a slog handler for tests that keeps every record with
// its attributes, those added through With included, so that a test can
// assert on what a component logged (level, message, attributes) rather
// than on formatted text.
package logtest

import (
	"context"
	"log/slog"
	"slices"
	"sync"
)

// Recorder is a slog.Handler that keeps every record, at every level.
type Recorder struct {
	mu    *sync.Mutex
	all   *[]slog.Record
	attrs []slog.Attr
}

// New returns an empty Recorder; slog.New(r) logs into it.
func New() Recorder { return Recorder{mu: &sync.Mutex{}, all: &[]slog.Record{}} }

// Enabled accepts every level.
func (h Recorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle keeps a copy of r with the handler's attributes appended.
func (h Recorder) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.mu.Lock()
	*h.all = append(*h.all, r)
	h.mu.Unlock()
	return nil
}

// WithAttrs shares the record list and adds as to every later record.
func (h Recorder) WithAttrs(as []slog.Attr) slog.Handler {
	h.attrs = append(slices.Clone(h.attrs), as...)
	return h
}

// WithGroup is ignored: the tests look attributes up by their own key.
func (h Recorder) WithGroup(string) slog.Handler { return h }

// Records returns the records kept so far.
func (h Recorder) Records() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(*h.all)
}

// Attrs maps a record's attribute keys to their values.
func Attrs(r slog.Record) map[string]slog.Value {
	m := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value; return true })
	return m
}
