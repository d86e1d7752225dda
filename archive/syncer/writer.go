package syncer

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// writer is the one goroutine that writes to the store during a cycle. It
// gathers sightings from every relay into batches and writes each batch's
// cursors right after the batch commits, in submission order: a cursor is
// never stored ahead of the events it covers, whatever moment the process
// dies at.
type writer struct {
	store   Store
	batch   int
	linger  time.Duration
	in      chan writeItem
	done    chan struct{}
	onSaved func(SaveResult)

	mu  sync.Mutex
	err error
}

type writeItem struct {
	sightings []Sighting
	state     *State
}

func newWriter(ctx context.Context, store Store, batch int, onSaved func(SaveResult)) *writer {
	w := &writer{store: store, batch: batch, linger: 100 * time.Millisecond,
		in: make(chan writeItem, 64), done: make(chan struct{}), onSaved: onSaved}
	go w.run(ctx)
	return w
}

// submit queues sightings and, optionally, a cursor that covers them and
// everything the same relay submitted before.
func (w *writer) submit(ctx context.Context, it writeItem) error {
	if err := w.failed(); err != nil {
		return err
	}
	select {
	case w.in <- it:
		return nil
	case <-w.done:
		if err := w.failed(); err != nil {
			return err
		}
		return fmt.Errorf("writer stopped")
	case <-ctx.Done():
		return ctx.Err()
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

func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	var (
		pending []Sighting
		states  []State
	)
	timer := time.NewTimer(w.linger)
	defer timer.Stop()
	commit := func() error {
		if len(pending) > 0 {
			res, err := w.store.SaveEvents(ctx, pending)
			if err != nil {
				return fmt.Errorf("save %d sightings: %w", len(pending), err)
			}
			if w.onSaved != nil {
				w.onSaved(res)
			}
		}
		if len(states) > 0 {
			if err := w.store.PutState(ctx, states); err != nil {
				return fmt.Errorf("save %d cursors: %w", len(states), err)
			}
		}
		clear(pending)
		pending, states = pending[:0], states[:0]
		return nil
	}
	fail := func(err error) {
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
	}
	for {
		select {
		case it, ok := <-w.in:
			if !ok {
				if err := commit(); err != nil {
					fail(err)
				}
				return
			}
			pending = append(pending, it.sightings...)
			if it.state != nil {
				states = append(states, *it.state)
			}
			if len(pending) >= w.batch {
				if err := commit(); err != nil {
					fail(err)
					return
				}
			}
		case <-timer.C:
			if err := commit(); err != nil {
				fail(err)
				return
			}
			timer.Reset(w.linger)
		}
	}
}
