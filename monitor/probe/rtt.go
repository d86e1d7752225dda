package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/transport"
)

// RTTOutcome is the round-trip probe: open, read and write.
type RTTOutcome struct {
	// Status: Success means the relay was reached and spoke Nostr (any
	// relay message, refusals and AUTH challenges included): the "reachable
	// in this cycle" a 30166 needs. Reason is Open's when it failed, else
	// why nothing Nostr came back (not_nostr, timeout, closed).
	Status
	// Open is the WebSocket connect: DNS, TCP, TLS and upgrade.
	Open Phase `json:"open"`
	// Read is REQ to the first EVENT or EOSE; nil when Open failed.
	Read *Phase `json:"read,omitempty"`
	// Write is EVENT to OK; nil when Open failed or there is no signer.
	Write *Phase `json:"write,omitempty"`
	// Challenged: the relay sent a NIP-42 AUTH challenge.
	Challenged bool `json:"challenged,omitempty"`
	// Authenticated: our AUTH answer was accepted (only after a refusal
	// with auth-required, and only with Target.Auth).
	Authenticated bool `json:"authenticated,omitempty"`
	// Dial is the phases of Open; Dial.Addr is the address connected to.
	Dial transport.Timings `json:"-"`
}

// Phase is one step of the RTT probe.
type Phase struct {
	Success bool `json:"success"`
	// Reason is why it failed: a connection reason, or for a refusal the
	// classification of the relay's message (see Classify).
	Reason Reason `json:"reason,omitempty"`
	// Message is the relay's text (OK false, CLOSED, NOTICE) or the error.
	Message string `json:"message,omitempty"`
	// AuthRequired: the relay refused this step with "auth-required:"
	// (even if it then succeeded after AUTH).
	AuthRequired bool `json:"auth_required,omitempty"`
	// AfterAuth: the step was sent on a connection that had already
	// authenticated (the write, when a fresh connection for it could not
	// be opened), so it says nothing about unauthenticated clients.
	AfterAuth bool `json:"after_auth,omitempty"`
	// Duration is the round trip (of the retry, after AUTH); meaningful
	// only on success. It is written to JSON as whole milliseconds, "ms".
	Duration time.Duration `json:"-"`
}

// MarshalJSON adds "ms" (the NIP-66 rtt value) to successful phases.
func (p Phase) MarshalJSON() ([]byte, error) {
	type plain Phase
	v := struct {
		plain
		MS *int64 `json:"ms,omitempty"`
	}{plain: plain(p)}
	if p.Success {
		ms := p.Duration.Milliseconds()
		v.MS = &ms
	}
	return json.Marshal(v)
}

// MS is the NIP-66 rtt-* tag value: whole milliseconds as a string, "" when
// the phase is nil or failed.
func (p *Phase) MS() string {
	if p == nil || !p.Success {
		return ""
	}
	return strconv.FormatInt(p.Duration.Milliseconds(), 10)
}

// Check is CheckRTT.
func (*RTTOutcome) Check() Check { return CheckRTT }

// Requirements are what the probe proved about NIP-66 "R" keys: key →
// true (required) or false (proved not required). A key is absent when
// nothing was proved: a relay that could not be reached, a write that was
// not attempted or timed out, or a rate-limited one says nothing.
func (o *RTTOutcome) Requirements() map[string]bool {
	req := map[string]bool{}
	if o == nil || !o.Success {
		return req
	}
	if (o.Read != nil && o.Read.AuthRequired) || (o.Write != nil && o.Write.AuthRequired) {
		req["auth"] = true
	}
	if o.Write == nil {
		return req
	}
	if o.Write.Success {
		for _, k := range []string{"payment", "pow", "writes"} {
			req[k] = false
		}
		if !o.Write.AuthRequired && o.Read != nil && o.Read.Success && !o.Read.AuthRequired {
			req["auth"] = false
		}
		return req
	}
	if k := Requirement(o.Write.Reason); k != "" {
		req[k] = true
	}
	return req
}

// RTT opens a WebSocket (Open), asks for one event (Read: REQ
// {"kinds":[1],"limit":1} until the first EVENT or EOSE; an empty relay
// passes) and publishes one event (Write: a small event of
// Target.WriteKind, a regular kind, expiring after Target.WriteTTL by
// NIP-40, signed by Target.Signer, until its OK). Read gets half of the
// budget left after Open, Write the rest. If Open fails nothing else is
// tried. A refusal with "auth-required:" is answered with AUTH when
// Target.Auth is set, then the step is retried once; after an AUTH on the
// read, the write is asked on a second connection (see writeSession).
func RTT(ctx context.Context, t Target) (*RTTOutcome, error) {
	if err := t.validate(true); err != nil {
		return nil, err
	}
	kind := t.WriteKind
	if kind == 0 {
		kind = DefaultWriteKind
	}
	if !nostr.IsRegularKind(kind) {
		return nil, fmt.Errorf("probe rtt %s: %w: write kind %d is not a regular kind", t.URL, ErrBadTarget, kind)
	}
	start := time.Now()
	pctx, cancel := bound(ctx)
	defer cancel()
	out := &RTTOutcome{}
	defer func() { out.Took = time.Since(start) }()

	s, tm, err := openSession(pctx, t)
	out.Dial = tm
	if err != nil {
		if e := abandoned(ctx, CheckRTT, t.URL); e != nil {
			return nil, e
		}
		r := reasonOf(err)
		out.Open = Phase{Reason: r, Message: truncate(err.Error(), maxDetail)}
		out.Status = failed(r, err.Error())
		return out, nil
	}
	defer s.close()
	out.Open = Phase{Success: true, Duration: tm.Total}

	share := 1.0
	if t.Signer != nil {
		share = 0.5
	}
	rctx, rcancel := phaseCtx(pctx, share)
	out.Read = s.readPhase(rctx)
	rcancel()
	ws := s
	if t.Signer != nil && !s.echoed && out.Read.Reason != ReasonNotNostr {
		ws = s.writeSession(pctx)
		if ws != s {
			defer ws.close()
		}
		out.Write = ws.writePhase(pctx, kind)
	}
	if e := abandoned(ctx, CheckRTT, t.URL); e != nil {
		return nil, e
	}
	out.Challenged, out.Authenticated = s.challenged || ws.challenged, s.authenticated || ws.authenticated
	switch {
	case s.spoke && !s.echoed:
		out.Status = ok()
	case out.Read.Reason != "" && out.Read.Reason != ReasonTimeout:
		out.Status = failed(out.Read.Reason, out.Read.Message)
	default:
		out.Status = failed(s.waitErrReason(errTimeout), "no relay message")
	}
	return out, nil
}

// writeSession is where the write phase runs: the read's session, unless
// the read had to AUTH. A write on that session would ride on the read's
// AUTH and say nothing about whether an unauthenticated client may write,
// which is what tells an inbox (AUTH to read, anyone writes) from private
// storage (AUTH for both). The write then gets a fresh connection, and
// answers an auth-required refusal there itself. If that connection cannot
// be opened, the write falls back to the read's session.
func (s *session) writeSession(ctx context.Context) *session {
	if !s.authenticated {
		return s
	}
	fresh, _, err := openSession(ctx, s.t)
	if err != nil {
		return s
	}
	return fresh
}

// readPhase sends a REQ and waits for the first EVENT or EOSE of it.
func (s *session) readPhase(ctx context.Context) *Phase {
	p := &Phase{}
	for attempt := 1; ; attempt++ {
		sub := s.subID("rtt")
		req := nostr.ReqEnvelope{SubscriptionID: sub, Filters: nostr.Filters{{Kinds: []int{1}, Limit: 1}}}
		sent := time.Now()
		if err := s.send(ctx, req); err != nil {
			return p.fail(s.waitErrReason(err), err.Error())
		}
		refusal, notice := "", ""
		for refusal == "" {
			m, err := s.next(ctx)
			if errors.Is(err, transport.ErrMessageTooBig) {
				// The answer to the REQ was an event over the read limit:
				// the relay answered, though it closed the connection for
				// the phases after this one.
				s.spoke = true
				p.Success, p.Reason, p.Message, p.Duration = true, "", "", time.Since(sent)
				return p
			}
			if err != nil {
				if notice != "" && s.waitErrReason(err) == ReasonTimeout {
					return p.fail(Classify(notice), notice)
				}
				return p.fail(s.waitErrReason(err), err.Error())
			}
			switch {
			case (m.Label == "EVENT" || m.Label == "EOSE") && m.SubID == sub:
				// No CLOSE: the connection ends right after the probe, which
				// closes the subscription, and a CLOSE right before the
				// write's EVENT trips a data race in khatru's listener list
				// (v0.19.1), the software of many relays.
				p.Success, p.Reason, p.Message, p.Duration = true, "", "", time.Since(sent)
				return p
			case m.Label == "CLOSED" && m.SubID == sub:
				refusal = m.Text
				if refusal == "" {
					refusal = "closed without a message"
				}
			case m.Label == "NOTICE":
				notice = m.Text
			}
		}
		if !s.retryAfterAuth(ctx, p, refusal, attempt) {
			return p
		}
	}
}

// writePhase publishes one event and waits for its OK.
func (s *session) writePhase(ctx context.Context, kind int) *Phase {
	p := &Phase{AfterAuth: s.authenticated}
	now := s.t.now()
	ttl := s.t.WriteTTL
	if ttl <= 0 {
		ttl = DefaultWriteTTL
	}
	ev := nostr.Event{
		CreatedAt: nostr.Timestamp(now.Unix()),
		Kind:      kind,
		Tags:      nostr.Tags{{"expiration", strconv.FormatInt(now.Add(ttl).Unix(), 10)}},
		Content:   "bigbrotr relay monitor: write test, expires in " + ttl.String(),
	}
	if err := s.t.Signer.SignEvent(ctx, &ev); err != nil {
		return p.fail(ReasonError, "sign: "+err.Error())
	}
	for attempt := 1; ; attempt++ {
		sent := time.Now()
		if err := s.send(ctx, nostr.EventEnvelope{Event: ev}); err != nil {
			return p.fail(s.waitErrReason(err), err.Error())
		}
		refusal, notice := "", ""
		for refusal == "" {
			m, err := s.next(ctx)
			if err != nil {
				if notice != "" && s.waitErrReason(err) == ReasonTimeout {
					return p.fail(Classify(notice), notice)
				}
				return p.fail(s.waitErrReason(err), err.Error())
			}
			switch {
			case m.Label == "OK" && m.EventID == ev.ID && m.OK:
				p.Success, p.Reason, p.Message, p.Duration = true, "", "", time.Since(sent)
				return p
			case m.Label == "OK" && m.EventID == ev.ID:
				refusal = m.Text
				if refusal == "" {
					refusal = "refused without a message"
				}
			case m.Label == "NOTICE":
				notice = m.Text
			}
		}
		if !s.retryAfterAuth(ctx, p, refusal, attempt) {
			return p
		}
	}
}

// retryAfterAuth records a refusal in p and reports whether the step
// should be sent again: only the first time, for auth-required, after a
// successful AUTH.
func (s *session) retryAfterAuth(ctx context.Context, p *Phase, refusal string, attempt int) bool {
	r := Classify(refusal)
	p.fail(r, refusal)
	if r != ReasonAuthRequired {
		return false
	}
	p.AuthRequired = true
	if attempt > 1 || !s.canAuth() {
		return false
	}
	if err := s.authenticate(ctx); err != nil {
		p.Message = truncate(refusal+"; "+err.Error(), maxDetail)
		return false
	}
	return true
}

func (p *Phase) fail(r Reason, msg string) *Phase {
	p.Success, p.Reason, p.Message = false, r, truncate(msg, maxDetail)
	return p
}
