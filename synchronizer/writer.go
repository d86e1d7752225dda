package synchronizer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

const (
	// saveConcurrency is how many transactions write at once, each with its
	// share of the authors. A transaction spends most of its time in round
	// trips and in the server, not on this process's cores: one writer left
	// the machine a fifth idle and every relay waiting on it (measured with
	// libsecp256k1, where checks no longer fill the cores).
	// Authors are shared out, rather than batches, because two transactions
	// inserting one id, or moving the head of one replaceable address, make
	// the second wait for the first to commit; overlapping relays send the
	// same events at about the same time, and an author's versions of an
	// address together.
	saveConcurrency = 2
	// batchBytes seals a batch before batch_size sightings per transaction
	// when their events add up to this much JSON, so that large events do
	// not make large transactions.
	batchBytes = 4 << 20
	// queueBytes bounds the event JSON submitted and not yet saved (queued,
	// pending and in flight): with the relays' chunks, it is what bounds
	// the synchronizer's memory, whatever the size of the sync.
	queueBytes = 16 << 20
)

// writer gathers sightings from every relay into batches, splits
// each batch by author into saveConcurrency parts and saves the parts at
// once, one transaction each. Cursors are written in submission order, each
// once the batch it was submitted with and every earlier batch have
// committed: a cursor is never stored ahead of the events it covers,
// whatever moment the process dies at.
type writer struct {
	store  Store
	opts   writerOptions
	linger time.Duration
	in     chan writeItem
	room   *semaphore.Weighted // queueBytes, taken by submit, given back once saved
	done   chan struct{}

	mu  sync.Mutex
	err error
}

type writeItem struct {
	sightings []schema.Sighting
	bytes     int64 // JSON size of the sightings' events
	state     *schema.State
}

// batch is sightings on their way to the store, numbered in submission
// order, with the cursors submitted after them.
type batch struct {
	seq    int
	parts  [saveConcurrency][]schema.Sighting
	n      int // sightings in all parts
	states []schema.State
	bytes  int64
}

// part is one transaction's share of a batch.
type part struct {
	seq       int
	sightings []schema.Sighting
}

// saved is a part's outcome.
type saved struct {
	seq int
	err error
}

// partOf shares authors out between the transactions of a batch. Pubkeys
// reaching the writer are verified keys: their last digit is as good as
// any hash.
func partOf(pubkey string) int {
	if pubkey == "" {
		return 0
	}
	return int(pubkey[len(pubkey)-1]) % saveConcurrency
}

// writerOptions are the writer's settings and hooks; zero hooks do nothing.
type writerOptions struct {
	batch int // sightings per transaction
	// onSaved receives every committed part's result.
	onSaved func(schema.SaveResult)
	// backoff is the wait before the nth retry of a failed write.
	backoff func(n int) time.Duration
	// onRetry is told of every failed write ("events" or "cursors") that
	// will be retried, and onRecover of the success that follows.
	onRetry   func(op string, attempt int, err error)
	onRecover func(op string, attempts int)
	// hold blocks before each write while writing must wait (the disk is
	// nearly full), returning ctx's error if it ends first.
	hold func(ctx context.Context) error
}

func newWriter(ctx context.Context, store Store, o writerOptions) *writer {
	w := &writer{store: store, opts: o, linger: 100 * time.Millisecond,
		in: make(chan writeItem, 64), room: semaphore.NewWeighted(queueBytes),
		done: make(chan struct{})}
	go w.run(ctx)
	return w
}

// submit queues sightings and, optionally, a cursor that covers them and
// everything the same relay submitted before. It blocks while queueBytes
// of events wait to be saved.
func (w *writer) submit(ctx context.Context, it writeItem) error {
	if err := w.failed(); err != nil {
		return err
	}
	// An item larger than the whole budget waits for an empty queue.
	it.bytes = min(it.bytes, queueBytes)
	if err := w.room.Acquire(ctx, it.bytes); err != nil {
		return err
	}
	select {
	case w.in <- it:
		return nil
	case <-w.done:
		w.room.Release(it.bytes)
		if err := w.failed(); err != nil {
			return err
		}
		return errors.New("writer stopped")
	case <-ctx.Done():
		w.room.Release(it.bytes)
		return ctx.Err()
	}
}

// retry runs write until it succeeds, waiting backoff between attempts, so
// that a store that fails for a while (a failover, a restart, a full disk)
// loses nothing: the batch stays in the queue, whose room keeps the relays
// from fetching more than it holds. Only ctx ends it, and the writer fails.
func (w *writer) retry(ctx context.Context, op string, write func(context.Context) error) error {
	for n := 1; ; n++ {
		err := ctx.Err()
		if err == nil && w.opts.hold != nil {
			err = w.opts.hold(ctx)
		}
		if err == nil {
			if err = write(ctx); err == nil {
				if n > 1 && w.opts.onRecover != nil {
					w.opts.onRecover(op, n-1)
				}
				return nil
			}
		}
		if ctx.Err() != nil {
			w.fail(err)
			return err
		}
		if w.opts.onRetry != nil {
			w.opts.onRetry(op, n, err)
		}
		d := time.Second
		if w.opts.backoff != nil {
			d = w.opts.backoff(n)
		}
		if !loop.Sleep(ctx, d) {
			w.fail(fmt.Errorf("%w (store failing: %w)", ctx.Err(), err))
			return ctx.Err()
		}
	}
}

// close flushes what is pending and stops the writer.
func (w *writer) close() error {
	close(w.in)
	<-w.done
	return w.failed()
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// newWriter starts the writer the relays of a run share; onSaved receives
// every committed part's result after the metrics.
func (s *Syncer) newWriter(ctx context.Context, onSaved func(schema.SaveResult)) *writer {
	return newWriter(ctx, s.store, writerOptions{
		batch: s.cfg.BatchSize,
		onSaved: func(r schema.SaveResult) {
			s.metrics.saved(r)
			onSaved(r)
		},
		backoff: s.backoff,
		onRetry: func(op string, attempt int, err error) {
			s.metrics.storeRetries.WithLabelValues(op).Inc()
			s.Logger().Warn("store write failed, batch kept and retried", "op", op, "attempt", attempt,
				"retry_in", s.backoff(attempt), "err", err)
		},
		onRecover: func(op string, attempts int) {
			s.Logger().Info("store write recovered", "op", op, "failed_attempts", attempts)
		},
		hold: s.disk.holdWrites,
	})
}
