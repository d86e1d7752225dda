package synchronizer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// run fills batches with what the relays submit and hands each part of a
// sealed batch to its saver, until in is closed. A failed write is retried
// (see retry); the writer fails only when ctx ends, and then keeps
// draining in, saving nothing, so that no relay stays blocked on the
// queue's room while it stops.
func (w *writer) run(ctx context.Context) {
	defer close(w.done)
	var work [saveConcurrency]chan part
	results := make(chan saved, saveConcurrency)
	var savers sync.WaitGroup
	for i := range work {
		work[i] = make(chan part)
		savers.Add(1)
		go func() {
			defer savers.Done()
			w.save(ctx, work[i], results)
		}()
	}
	sealed := make(chan *batch, 2*saveConcurrency)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		w.finish(ctx, sealed, results)
	}()
	defer func() {
		close(sealed)
		for i := range work {
			close(work[i])
		}
		savers.Wait()
		close(results)
		<-finished
	}()

	cur := &batch{}
	seal := func() {
		if cur.n == 0 && len(cur.states) == 0 {
			return
		}
		sealed <- cur // before its parts: the finisher must know the batch
		for i, p := range cur.parts {
			work[i] <- part{seq: cur.seq, sightings: p} // savers take parts until work is closed
		}
		cur = &batch{seq: cur.seq + 1}
	}
	timer := time.NewTimer(w.linger)
	defer timer.Stop()
	for {
		select {
		case it, ok := <-w.in:
			if !ok {
				seal()
				return
			}
			if w.failed() != nil {
				w.room.Release(it.bytes)
				continue
			}
			for _, s := range it.sightings {
				i := partOf(s.Event.PubKey)
				cur.parts[i] = append(cur.parts[i], s)
			}
			cur.n += len(it.sightings)
			cur.bytes += it.bytes
			if it.state != nil {
				cur.states = append(cur.states, *it.state)
			}
			if cur.n >= saveConcurrency*w.opts.batch || cur.bytes >= saveConcurrency*batchBytes {
				seal()
			}
		case <-timer.C:
			seal()
			timer.Reset(w.linger)
		}
	}
}

// save writes parts, one transaction each, and reports every part, saved
// or not, to the finisher.
func (w *writer) save(ctx context.Context, work <-chan part, results chan<- saved) {
	for p := range work {
		err := w.failed()
		if err == nil && len(p.sightings) > 0 {
			err = w.retry(ctx, "events", func(ctx context.Context) error {
				res, err := w.store.SaveEvents(ctx, p.sightings)
				if err != nil {
					return fmt.Errorf("save %d sightings: %w", len(p.sightings), err)
				}
				if w.opts.onSaved != nil {
					w.opts.onSaved(res)
				}
				return nil
			})
		}
		results <- saved{seq: p.seq, err: err}
	}
}

// finish waits for every part of each batch, in submission order, then
// gives the batch's room back and writes its cursors, unless a part of it
// or of an earlier batch failed: a cursor may cover the events of any
// batch before it.
func (w *writer) finish(ctx context.Context, sealed <-chan *batch, results <-chan saved) {
	var (
		order []*batch        // sealed and not finished, oldest first
		left  = map[int]int{} // parts not saved yet, by batch
	)
	for r := range results {
		for len(order) == 0 || order[len(order)-1].seq < r.seq {
			b := <-sealed // sent before any of its parts
			order = append(order, b)
			left[b.seq] = saveConcurrency
		}
		left[r.seq]--
		var states []schema.State
		for len(order) > 0 && left[order[0].seq] == 0 {
			b := order[0]
			order = order[1:]
			delete(left, b.seq)
			w.room.Release(b.bytes)
			states = append(states, b.states...)
		}
		if len(states) == 0 || w.failed() != nil {
			continue
		}
		_ = w.retry(ctx, "cursors", func(ctx context.Context) error {
			if err := w.store.PutState(ctx, states); err != nil {
				return fmt.Errorf("save %d cursors: %w", len(states), err)
			}
			return nil
		})
	}
}
