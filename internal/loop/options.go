package loop

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options are the dependencies every loop shares. A loop's constructor
// takes them (beside its Config, its store and what only it needs) and
// hands them to New, which resolves the defaults once for every loop.
type Options struct {
	// Logger receives one line per cycle and the loop's own lines; the
	// runner adds loop=<name> to it. Nil discards.
	Logger *slog.Logger
	// Registerer receives the loop metrics (bigbrotr_loop_*) and the
	// loop's own; nil registers nothing. Every loop may share one registry.
	Registerer prometheus.Registerer
	// Now is the loop's clock (check times, due dates, created_at); nil
	// means time.Now. Tests inject a fixed one. The runner's own timing
	// (cycle starts, durations, the next run) is on the real clock.
	Now func() time.Time
	// Holder names this node in the leases a loop takes; "" means host
	// name, pid and a random suffix, drawn once per loop.
	Holder string
	// Health is where the runner keeps the loop's health for the status
	// page; nil keeps it in a Health of the loop's own.
	Health *Health
}

func (o Options) logger(name string) *slog.Logger {
	l := o.Logger
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	// Every line of a loop carries loop=<name>, the cycle's own included.
	return l.With("loop", name)
}

func (o Options) clock() func() time.Time {
	if o.Now == nil {
		return time.Now
	}
	return o.Now
}

func (o Options) holder() string {
	if o.Holder != "" {
		return o.Holder
	}
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
}

// Names turns a list of string-like labels (schema.Networks) into the
// label values Spec.Networks and Spec.Reasons take.
func Names[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}
