package testnet

import (
	"context"
	"io"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"
)

// newKhatru builds the relay's khatru instance and wires its profile in as
// hooks.
func (r *relay) newKhatru() *khatru.Relay {
	kh := khatru.NewRelay()
	kh.Log = log.New(io.Discard, "", 0)
	// AUTH events name the relay by the URL clients dial; khatru checks them
	// against this (wss for TLS relays).
	kh.ServiceURL = strings.Replace(r.plan.url, "ws", "http", 1)
	kh.Info.Name = "testnet " + r.plan.host
	kh.Info.PubKey = strings.Repeat("0", 64)
	kh.QueryEvents = append(kh.QueryEvents, r.queryEvents)
	kh.StoreEvent = append(kh.StoreEvent, r.store.save)
	kh.ReplaceEvent = append(kh.ReplaceEvent, r.store.replace)
	kh.DeleteEvent = append(kh.DeleteEvent, r.store.delete)
	if r.plan.profile != FakeNIPs {
		kh.Negentropy = true
		kh.CountEvents = append(kh.CountEvents, func(_ context.Context, f nostr.Filter) (int64, error) {
			return r.store.count(f), nil
		})
	}
	switch r.plan.profile {
	case AuthRead, AuthWrite, AuthAll:
		kh.OnConnect = append(kh.OnConnect, khatru.RequestAuth)
	}
	kh.RejectFilter = append(kh.RejectFilter, r.rejectFilter)
	kh.RejectEvent = append(kh.RejectEvent, r.rejectEvent)
	if r.plan.profile == RateLimited {
		kh.OnDisconnect = append(kh.OnDisconnect, func(ctx context.Context) {
			r.rate.Delete(khatru.GetConnection(ctx))
		})
	}
	return kh
}

// subscriptionID tells a REQ's query (which has one) from khatru's internal
// lookups (which do not, and where khatru.GetSubscriptionID panics).
func subscriptionID(ctx context.Context) (id string) {
	defer func() { _ = recover() }()
	return khatru.GetSubscriptionID(ctx)
}

func (r *relay) queryEvents(ctx context.Context, f nostr.Filter) (chan *nostr.Event, error) {
	limit := f.Limit
	switch r.plan.profile {
	case Capped:
		if limit == 0 || limit > r.opts.CapK {
			limit = r.opts.CapK
		}
	case Flood:
		limit = 0
	}
	// khatru's own lookups (deletions, replacements) have no subscription
	// id: they must see the true store, whatever the profile.
	sub := subscriptionID(ctx)
	switch {
	case sub != "" && r.plan.profile == WrongKind:
		f.Kinds, f.Authors, f.IDs, f.Tags = nil, nil, nil, nil
	case sub != "" && r.plan.profile == OutOfWindow:
		f.Since, f.Until = nil, nil
	}
	evs := r.store.query(f, limit)
	if sub == "" {
		return chanOf(evs), nil
	}
	switch r.plan.profile {
	case Slow:
		ch := make(chan *nostr.Event, len(evs))
		for _, ev := range evs {
			ch <- ev
		}
		go func() {
			sleepCtx(ctx, r.opts.SlowDelay)
			close(ch)
		}()
		return ch, nil
	case Drop:
		ws := khatru.GetConnection(ctx)
		ch := make(chan *nostr.Event) // unbuffered: a send returns once khatru took the event
		go func() {
			defer close(ch)
			for _, ev := range evs[:(len(evs)+1)/2] {
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
			}
			sleepCtx(ctx, 50*time.Millisecond) // let the last event reach the socket
			_ = dropConn(ws)
		}()
		return ch, nil
	}
	return chanOf(evs), nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (r *relay) rejectFilter(ctx context.Context, f nostr.Filter) (bool, string) {
	switch r.plan.profile {
	case AuthRead, AuthAll:
		if khatru.GetAuthed(ctx) == "" {
			return true, "auth-required: this relay only serves authenticated users"
		}
	case FakeNIPs:
		if f.Search != "" {
			return true, "unsupported: search is not available"
		}
	case RateLimited:
		if !r.allow(ctx, true) {
			return true, "rate-limited: one subscription per second, slow down"
		}
	}
	return false, ""
}

func (r *relay) rejectEvent(ctx context.Context, ev *nostr.Event) (bool, string) {
	switch r.plan.profile {
	case Slow:
		sleepCtx(ctx, r.opts.SlowDelay)
	case AuthWrite, AuthAll:
		if khatru.GetAuthed(ctx) == "" {
			return true, "auth-required: publishing requires authentication"
		}
	case Paid:
		return true, "restricted: payment required"
	case RestrictedWrites:
		return true, "restricted: writes are limited to members"
	case OKFalse:
		return true, "error: could not save your event, try again later"
	case RateLimited:
		if !r.allow(ctx, false) {
			return true, "rate-limited: one event per second, slow down"
		}
	}
	return false, ""
}

// rateState is a RateLimited relay's per-connection budget.
type rateState struct {
	mu               sync.Mutex
	lastREQ, lastEVT time.Time
	lastSub          string
}

const rateWindow = time.Second

// allow spends the connection's budget. The filters of one REQ arrive one
// by one, so a REQ within a few milliseconds of its own first filter passes.
func (r *relay) allow(ctx context.Context, req bool) bool {
	ws := khatru.GetConnection(ctx)
	if ws == nil {
		return true
	}
	v, _ := r.rate.LoadOrStore(ws, &rateState{})
	st := v.(*rateState)
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	if !req {
		if now.Sub(st.lastEVT) < rateWindow {
			return false
		}
		st.lastEVT = now
		return true
	}
	sub := subscriptionID(ctx)
	if sub == st.lastSub && now.Sub(st.lastREQ) < 20*time.Millisecond {
		return true
	}
	if now.Sub(st.lastREQ) < rateWindow {
		return false
	}
	st.lastREQ, st.lastSub = now, sub
	return true
}
