package archive

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bigbrotr/bigbrotr/archive/internal/backend"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Sentinel errors of the group-commit writer.
var (
	// ErrWriterClosed: the writer is shut down; the event was not stored.
	ErrWriterClosed = errors.New("writer closed")
	// ErrRejected: the storage rules refused the event (see Store.SaveEvents);
	// the error names the reason.
	ErrRejected = errors.New("event rejected by the storage rules")
)

// EachSaver is SaveEvents reporting, for each sighting, whether this call
// inserted its event (the first sighting of an id only): both backends
// implement it, and the group-commit writer needs it to tell each
// submitter whether its event was new.
type EachSaver interface {
	SaveEach(ctx context.Context, batch []schema.Sighting) (schema.SaveResult, []bool, error)
}

// Default group-commit bounds (WriterOptions' zero values).
const (
	DefaultGroupEvents = 512
	DefaultGroupWait   = 2 * time.Millisecond
	// groupCommitTimeout bounds one batch's transaction(s).
	groupCommitTimeout = 30 * time.Second
)

// WriterOptions bounds the groups.
type WriterOptions struct {
	// MaxEvents seals a group at this many events.
	MaxEvents int
	// MaxWait seals a group this long after its first event arrived. A
	// group waiting for a free committer keeps filling meanwhile, so under
	// load groups grow with the store's commit time, not with MaxWait.
	MaxWait time.Duration
	// Committers is how many groups commit at once (PostgreSQL: several
	// connections; the embedded store has one writer connection).
	Committers int
	// OnCommit, when set, is called with each group's result after it
	// committed and before any submitter is answered.
	OnCommit func(schema.SaveResult)
}

// Writer is a group-commit writer: sightings submitted concurrently (by
// every WebSocket connection of the relay) are saved together in one
// SaveEvents transaction, and each submitter is answered only after the
// transaction holding its event committed. An event the storage rules
// refuse is answered at once and never joins a group, so it cannot fail
// its neighbours; a group whose transaction fails is retried event by
// event, so that one event the database refuses fails alone.
type Writer struct {
	store EachSaver
	o     WriterOptions

	mu     sync.RWMutex // held shared while submitting; exclusive by Close
	closed bool
	in     chan *writeReq
	done   chan struct{}
	slots  chan struct{} // one per committer
	ctx    context.Context
	cancel context.CancelFunc
	busy   sync.WaitGroup // running commits
	taken  atomic.Int64   // events taken into groups and not answered yet
}

type writeReq struct {
	s        schema.Sighting
	inserted bool
	err      error
	done     chan struct{}
}

// NewWriter starts a writer over store, which must implement EachSaver
// (both backends do).
func NewWriter(store Store, o WriterOptions) (*Writer, error) {
	each, ok := store.(EachSaver)
	if !ok {
		return nil, fmt.Errorf("group-commit writer: store %T does not report per-event results", store)
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = DefaultGroupEvents
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultGroupWait
	}
	if o.Committers <= 0 {
		o.Committers = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Writer{store: each, o: o, ctx: ctx, cancel: cancel,
		in:    make(chan *writeReq, o.MaxEvents),
		done:  make(chan struct{}),
		slots: make(chan struct{}, o.Committers)}
	go w.run()
	return w, nil
}

// Save submits one sighting and waits until its group committed. It
// returns inserted false and a nil error for an event already stored, an
// error matching ErrRejected for one the storage rules refuse, and
// ErrWriterClosed after Close. When ctx ends first Save returns ctx's
// error, and the event may still be stored with its group.
func (w *Writer) Save(ctx context.Context, s schema.Sighting) (inserted bool, err error) {
	if _, _, _, reason := backend.CheckEvent(s.Event); reason != "" {
		return false, fmt.Errorf("%w: %s", ErrRejected, reason)
	}
	r := &writeReq{s: s, done: make(chan struct{})}
	if err := w.submit(ctx, r); err != nil {
		return false, err
	}
	select {
	case <-r.done:
		return r.inserted, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (w *Writer) submit(ctx context.Context, r *writeReq) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	select {
	case w.in <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking events, commits every event already taken (within
// ctx: when ctx ends first, the commits in flight are cancelled and their
// submitters get an error, never a success that did not commit) and
// returns once every submitter has its answer.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		w.cancel()
		<-w.done
		return fmt.Errorf("close writer: %w", ctx.Err())
	}
}

// run seals groups and hands each to a free committer.
func (w *Writer) run() {
	defer close(w.done)
	defer w.cancel() // after the last commit
	defer w.busy.Wait()
	timer := time.NewTimer(0)
	<-timer.C
	for {
		first, ok := <-w.in
		if !ok {
			return
		}
		w.taken.Add(1)
		group := []*writeReq{first}
		timer.Reset(w.o.MaxWait)
		open := true
	fill:
		for len(group) < w.o.MaxEvents {
			select {
			case r, ok := <-w.in:
				if !ok {
					open = false
					break fill
				}
				w.taken.Add(1)
				group = append(group, r)
			case <-timer.C:
				break fill
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		// Wait for a committer, taking what arrives meanwhile.
	wait:
		for open && len(group) < w.o.MaxEvents {
			select {
			case w.slots <- struct{}{}:
				w.commitAsync(group)
				group = nil
				break wait
			case r, ok := <-w.in:
				if !ok {
					open = false
					break wait
				}
				w.taken.Add(1)
				group = append(group, r)
			}
		}
		if group != nil {
			w.slots <- struct{}{}
			w.commitAsync(group)
		}
		if !open {
			return
		}
	}
}

func (w *Writer) commitAsync(group []*writeReq) {
	w.busy.Add(1)
	go func() {
		defer w.busy.Done()
		defer func() { <-w.slots }()
		w.commit(group)
		w.taken.Add(-int64(len(group)))
	}()
}

// Pending is how many events the writer has taken into groups and not
// answered yet.
func (w *Writer) Pending() int { return int(w.taken.Load()) }

// commit saves a group in one transaction and answers its submitters. A
// failed group is saved again event by event, so that an event the
// database refuses does not take its neighbours down with it.
func (w *Writer) commit(group []*writeReq) {
	ctx, cancel := context.WithTimeout(w.ctx, groupCommitTimeout)
	defer cancel()
	batch := make([]schema.Sighting, len(group))
	for i, r := range group {
		batch[i] = r.s
	}
	res, each, err := w.store.SaveEach(ctx, batch)
	if err == nil {
		if w.o.OnCommit != nil {
			w.o.OnCommit(res)
		}
		for i, r := range group {
			r.inserted = each[i]
			close(r.done)
		}
		return
	}
	if len(group) == 1 || ctx.Err() != nil {
		for _, r := range group {
			r.err = err
			close(r.done)
		}
		return
	}
	for _, r := range group {
		res, each, err := w.store.SaveEach(ctx, []schema.Sighting{r.s})
		if err == nil {
			if w.o.OnCommit != nil {
				w.o.OnCommit(res)
			}
			r.inserted = each[0]
		}
		r.err = err
		close(r.done)
	}
}
