package testnet

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"
)

// onConnect starts what a raw profile does before any message arrives.
func (s *session) onConnect() {
	switch s.r.plan.profile {
	case BinaryFrames:
		s.typ = websocket.MessageBinary
	case SlowFrames:
		if s.tc != nil {
			s.tc.shape.Store(&shaping{byteDelay: s.r.opts.ByteDelay})
		}
	case AuthLoop:
		s.start("\x00auth", func(ctx context.Context) {
			s.drip(ctx, true, func(int) bool { return s.challenge() })
		})
	case PingFlood:
		s.start("\x00ping", s.pingFlood)
	}
}

func (s *session) onREQ(sub string, filters nostr.Filters) {
	o := s.r.opts
	switch s.r.plan.profile {
	case EndlessStream:
		f := firstFilter(filters)
		s.start(sub, func(ctx context.Context) {
			s.paced(ctx, func(i int) bool { return s.send("EVENT", sub, s.r.spam(f, i)) })
		})
	case NoticeDrip:
		s.start(sub, func(ctx context.Context) {
			s.drip(ctx, true, func(i int) bool {
				return s.send("NOTICE", fmt.Sprintf("still working on your request (%d)", i+1))
			})
		})
	case OtherSubID:
		evs := s.r.store.query(nostr.Filter{}, 0)
		other := "other-" + sub
		s.start(sub, func(ctx context.Context) {
			s.drip(ctx, true, func(i int) bool {
				if len(evs) > 0 && i%2 == 0 {
					return s.send("EVENT", other, evs[(i/2)%len(evs)])
				}
				return s.send("EOSE", other)
			})
		})
	case NoEOSE:
		s.sendEvents(sub, s.matching(filters))
	case AfterEOSE:
		s.serveREQ(sub, filters)
		f := firstFilter(filters)
		s.start(sub, func(ctx context.Context) {
			s.paced(ctx, func(i int) bool { return s.send("EVENT", sub, s.r.spam(f, i)) })
		})
	case RepeatLoop:
		evs := s.matching(unlimited(filters))
		if len(evs) == 0 {
			evs = s.r.store.query(nostr.Filter{}, 0)
		}
		if len(evs) == 0 {
			return
		}
		s.start(sub, func(ctx context.Context) {
			s.paced(ctx, func(i int) bool { return s.send("EVENT", sub, evs[i%len(evs)]) })
		})
	case AuthLoop:
		s.send("CLOSED", sub, "auth-required: authenticate to read")
	case ClosedLoop:
		evs := s.matching(filters)
		if len(evs) == 0 {
			evs = s.r.store.query(nostr.Filter{}, 1)
		}
		if len(evs) > 0 && !s.send("EVENT", sub, evs[0]) {
			return
		}
		s.send("CLOSED", sub, "error: subscription expired, send your REQ again")
	case RateLimitedAlways:
		s.send("CLOSED", sub, "rate-limited: slow down")
	case MalformedJSON:
		s.malformed(sub, filters)
	case HugeFrame:
		evs := s.matching(filters)
		if len(evs) > 0 && !s.send("EVENT", sub, evs[0]) {
			return
		}
		if !s.hugeFrame(o.HugeFrame) {
			return
		}
		if len(evs) > 0 {
			evs = evs[1:]
		}
		if s.sendEvents(sub, evs) {
			s.send("EOSE", sub)
		}
	case ResetMidFrame:
		if s.tc != nil {
			s.tc.shape.Store(&shaping{cut: true})
		}
		s.serveREQ(sub, filters)
	default: // SlowFrames, BinaryFrames, PingFlood, OKNever: reads are served normally
		s.serveREQ(sub, filters)
	}
}

func (s *session) onCOUNT(sub string, f nostr.Filter) {
	switch s.r.plan.profile {
	case AuthLoop:
		s.send("CLOSED", sub, "auth-required: authenticate to count")
	case RateLimitedAlways:
		s.send("CLOSED", sub, "rate-limited: slow down")
	case EndlessStream, NoticeDrip, OtherSubID, NoEOSE, RepeatLoop:
		// Streaming relays never answer a COUNT either.
	default:
		s.serveCOUNT(sub, f)
	}
}

func (s *session) onEVENT(ev *nostr.Event) {
	switch s.r.plan.profile {
	case OKNever:
	case AuthLoop:
		s.send("OK", ev.ID, false, "auth-required: authenticate to publish")
	case RateLimitedAlways:
		s.send("OK", ev.ID, false, "rate-limited: slow down")
	default:
		s.acceptEvent(ev)
	}
}

// onAUTH accepts any AUTH event (auth-loop is the only raw profile that
// asks) and, for auth-loop, asks again at once.
func (s *session) onAUTH(ev *nostr.Event) {
	s.send("OK", ev.ID, true, "")
	if s.r.plan.profile == AuthLoop {
		s.challenge()
	}
}

func (s *session) challenge() bool {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(s.r.spamSeq.Add(1))
	}
	return s.send("AUTH", "challenge-"+hex.EncodeToString(b))
}

// drip calls frame every DripEvery (at once first, if now) until ctx ends,
// frame fails or StreamMax frames are sent.
func (s *session) drip(ctx context.Context, now bool, frame func(i int) bool) {
	t := time.NewTicker(s.r.opts.DripEvery)
	defer t.Stop()
	for i := 0; i < s.r.opts.StreamMax; i++ {
		if i > 0 || !now {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		if ctx.Err() != nil || !frame(i) {
			return
		}
	}
}

// paced calls frame at StreamRate per second until ctx ends, frame fails
// or StreamMax frames are sent.
func (s *session) paced(ctx context.Context, frame func(i int) bool) {
	rate := s.r.opts.StreamRate
	period, per := 10*time.Millisecond, max(1, rate/100)
	if rate < 100 {
		period, per = time.Second/time.Duration(rate), 1
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for i := 0; i < s.r.opts.StreamMax; {
		for k := 0; k < per && i < s.r.opts.StreamMax; k++ {
			if ctx.Err() != nil || !frame(i) {
				return
			}
			i++
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pingFlood pings as fast as pongs come back (at most one per millisecond):
// the read loop answers them, so this costs the client a round trip each.
func (s *session) pingFlood(ctx context.Context) {
	for i := 0; i < s.r.opts.StreamMax && ctx.Err() == nil; i++ {
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		s.r.pings.Add(1)
		err := s.c.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil && pctx.Err() == nil {
			return // the connection failed
		}
		sleepCtx(ctx, time.Millisecond)
	}
}

// spam is the i-th event of an endless stream: new, validly signed, and
// matching the filter's kinds and time window (newest first, never below
// since), so that only a budget can stop a client from taking it.
func (r *relay) spam(f nostr.Filter, i int) *nostr.Event {
	kind := 1
	if len(f.Kinds) > 0 {
		kind = f.Kinds[i%len(f.Kinds)]
	}
	top := nostr.Now()
	if f.Until != nil && *f.Until < top {
		top = *f.Until
	}
	ts := top - nostr.Timestamp(i)
	if f.Since != nil && ts < *f.Since {
		ts = *f.Since
	}
	ev := &nostr.Event{Kind: kind, CreatedAt: ts, Tags: nostr.Tags{{"t", "testnet-spam"}},
		Content: fmt.Sprintf("spam #%d from %s", r.spamSeq.Add(1), r.plan.host)}
	_ = ev.Sign(r.spamKey)
	return ev
}

func firstFilter(filters nostr.Filters) nostr.Filter {
	if len(filters) == 0 {
		return nostr.Filter{}
	}
	return filters[0]
}

func unlimited(filters nostr.Filters) nostr.Filters {
	out := make(nostr.Filters, len(filters))
	for i, f := range filters {
		f.Limit, f.LimitZero = 0, false
		out[i] = f
	}
	return out
}

// malformedFrames are what a broken or hostile relay sends instead of
// NIP-01 messages; none of them is a valid relay message.
var malformedFrames = []string{
	`["EVENT","%s",{"id":"`,
	`{"not":"an array"}`,
	`["EVENT"]`,
	`["EVENT","%s","not an event"]`,
	`["EVENT","%s",{"id":1,"pubkey":2,"created_at":"yesterday","kind":"note","tags":{},"content":[],"sig":null}]`,
	`[]`,
	`this is not JSON at all`,
	`["EOSE"]`,
	`[1,2,3]`,
	"[\"NOTICE\",\"\xff\xfe invalid utf-8\"]",
}

// malformed interleaves the matching events with malformed frames, then EOSE.
func (s *session) malformed(sub string, filters nostr.Filters) {
	evs := s.matching(filters)
	for i, junk := range malformedFrames {
		if !s.writeRaw([]byte(strings.ReplaceAll(junk, "%s", sub))) {
			return
		}
		if i < len(evs) && !s.send("EVENT", sub, evs[i]) {
			return
		}
	}
	if len(evs) > len(malformedFrames) && !s.sendEvents(sub, evs[len(malformedFrames):]) {
		return
	}
	s.send("EOSE", sub)
}

// hugeFrames bounds the memory huge-frame relays hold at once.
var hugeFrames = make(chan struct{}, 2)

// hugeFrame sends one text frame of size bytes: a NOTICE of x's.
func (s *session) hugeFrame(size int) bool {
	select {
	case hugeFrames <- struct{}{}:
	case <-s.ctx.Done():
		return false
	}
	defer func() { <-hugeFrames }()
	const head, tail = `["NOTICE","`, `"]`
	b := make([]byte, max(size, len(head)+len(tail)))
	copy(b, head)
	for i := len(head); i < len(b)-len(tail); i++ {
		b[i] = 'x'
	}
	copy(b[len(b)-len(tail):], tail)
	return s.writeRaw(b)
}
