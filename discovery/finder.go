package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// ReasonBadEvent labels events a relay sent that fail id or signature
// verification, or do not match the filter asked for: they are neither
// archived nor mined for URLs.
const ReasonBadEvent = "bad_event"

// ReasonOverLimit counts REQs a relay answered with more events than their
// limit: the walk keeps the events up to the limit and moves on.
const ReasonOverLimit = "over_limit"

// Finder collects relay URLs from relay-list events (asked from validated
// relays and scanned in the archive) and from HTTP JSON sources, and inserts
// the new ones as candidates.
type Finder struct {
	cfg   FinderConfig
	paths []Path // compiled Sources[i].Path
	store FinderStore
	tr    *transport.Transport
	urls  schema.ParseOptions
	*loop.Runner

	run sync.Mutex // one RunOnce at a time
	mu  sync.Mutex // guards col and st while relays are fetched concurrently
	col *collector
	st  *FinderStats
}

// FinderStats is what one cycle did.
type FinderStats struct {
	Found          int            // distinct valid relay URLs seen this cycle
	Added          int            // of which were new candidates
	Networks       map[string]int // Found by network
	Rejected       map[string]int // by schema.Reason, plus ReasonBadEvent and ReasonOverLimit
	RelaysAsked    int
	RelayFailures  int // relays that could not be read this cycle
	EventsFetched  int // verified events received from relays
	EventsScanned  int // archived events scanned
	SourcesFetched int
	SourceFailures int
	SourcesSkipped int // still in cooldown
}

// NewFinder validates cfg and builds a finder dialling through tr.
func NewFinder(cfg FinderConfig, store FinderStore, tr *transport.Transport, o Options) (*Finder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || tr == nil {
		return nil, errors.New("finder: nil store or transport")
	}
	f := &Finder{cfg: cfg, store: store, tr: tr, urls: o.URLs}
	for _, s := range cfg.Sources {
		p, _ := ParsePath(s.Path) // checked by Validate
		f.paths = append(f.paths, p)
	}
	reasons := append(schema.RejectReasons(), ReasonBadEvent, ReasonOverLimit)
	var err error
	if f.Runner, err = loop.New(spec(NameFinder, cfg.Interval, cfg.CycleTimeout, reasons), o.Options, f.RunOnce); err != nil {
		return nil, err
	}
	return f, nil
}

// RunOnce runs the three phases in turn: HTTP sources, relay lists asked
// from validated relays, and the archive scan. A phase failing (the store
// being down) does not keep the others from running; its error is returned
// joined with theirs. A relay or source failing is not an error: it is
// counted and retried next cycle.
func (f *Finder) RunOnce(ctx context.Context) (FinderStats, error) {
	f.run.Lock()
	defer f.run.Unlock()
	st := &FinderStats{}
	f.col, f.st = newCollector(f.urls), st
	var errs []error
	if len(f.cfg.Sources) > 0 {
		errs = append(errs, f.sources(ctx))
	}
	if f.cfg.Relays {
		errs = append(errs, f.relays(ctx))
	}
	if f.cfg.Scan {
		errs = append(errs, f.scan(ctx))
	}
	errs = append(errs, f.flush(ctx))
	st.Found = len(f.col.found)
	st.Networks = f.col.networks
	st.Rejected = f.col.rejects
	return *st, errors.Join(errs...)
}

// flush inserts the URLs collected since the last flush as candidates.
// Phases flush before they save a cursor, so a cursor never gets ahead of
// the candidates it stands for.
func (f *Finder) flush(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	batch := f.col.take()
	if len(batch) == 0 {
		return nil
	}
	n, err := f.store.AddCandidates(ctx, batch)
	f.st.Added += n
	if err != nil {
		// Put them back so the final flush retries them.
		for _, c := range batch {
			f.col.order = append(f.col.order, c.URL)
		}
		return fmt.Errorf("finder: add candidates: %w", err)
	}
	return nil
}

// collect adds raw URL strings under the lock.
func (f *Finder) collect(raws []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range raws {
		f.col.add(r)
	}
}

// count updates the cycle's stats under the lock.
func (f *Finder) count(fn func(st *FinderStats, rejects map[string]int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.st, f.col.rejects)
}

// LoopStats is the cycle in the runner's terms.
func (st FinderStats) LoopStats() loop.Stats {
	return loop.Stats{
		Items:   st.Networks,
		Rejects: st.Rejected,
		Attrs: []slog.Attr{
			slog.Int("found", st.Found), slog.Int("added", st.Added),
			slog.Int("relays", st.RelaysAsked), slog.Int("relay_failures", st.RelayFailures),
			slog.Int("events_fetched", st.EventsFetched), slog.Int("events_scanned", st.EventsScanned),
			slog.Int("sources", st.SourcesFetched), slog.Int("source_failures", st.SourceFailures),
		},
	}
}
