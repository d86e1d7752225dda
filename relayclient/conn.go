package relayclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/transport"
)

// SignFunc signs an event in place with the node key (id, pubkey, sig).
type SignFunc func(ctx context.Context, ev *nostr.Event) error

// Options configure a connection.
type Options struct {
	Limits Limits
	// Signer answers NIP-42 challenges; nil makes Auth fail with ErrAuth.
	Signer SignFunc
	// SubPrefix starts the subscription ids of this connection's requests
	// (default "bigbrotr"); a number follows.
	SubPrefix string
	// Now stamps AUTH events (default time.Now).
	Now func() time.Time
}

// Conn is one WebSocket to one relay. Its read pump parses every frame
// once; the exchanges (Req, Count, Publish, Auth, NegIDs) run one at a time,
// and so do Recv and Send.
type Conn struct {
	URL     string
	Timings transport.Timings // phases of the dial
	Header  http.Header       // headers of the upgrade response

	ws      *websocket.Conn
	opts    Options
	in      chan inbound
	stop    context.CancelFunc
	timer   *time.Timer
	wmu     sync.Mutex
	deadMu  sync.Mutex
	deadErr error

	bytes  atomic.Int64 // bytes of every frame received
	events atomic.Int64 // EVENT frames received, any subscription

	nsub      int
	challenge string // the relay's latest AUTH challenge
	authErr   error  // the outcome of our AUTH, once tried
	authed    bool
}

type inbound struct {
	msg Message
	err error // ErrNotRelayMessage: the connection goes on
}

// pumpBuffer is how many parsed frames wait for the consumer: enough to
// keep the pump reading while a chunk of events is being checked.
const pumpBuffer = 64

// keepBuf is the largest frame buffer the pump keeps between frames: the
// odd huge event does not pin its size for the connection's life.
const keepBuf = 256 << 10

// Dial opens a WebSocket to url through tr (routing, guard, timings and
// message size limit are the transport's) and starts its read pump. The
// connection closes itself at conn_time.
func Dial(ctx context.Context, tr *transport.Transport, url string, o Options) (*Conn, error) {
	if o.SubPrefix == "" {
		o.SubPrefix = "bigbrotr"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := o.Limits.Validate("limits"); err != nil {
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	tc, err := tr.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	pctx, stop := context.WithCancel(context.Background())
	c := &Conn{URL: url, Timings: tc.Timings, Header: tc.Header, ws: tc.WS, opts: o,
		in: make(chan inbound, pumpBuffer), stop: stop}
	c.timer = time.AfterFunc(o.Limits.ConnTime, func() { c.fail(ErrConnTime) })
	go c.pump(pctx)
	return c, nil
}

// Limits returns the connection's limits.
func (c *Conn) Limits() Limits { return c.opts.Limits }

// Received returns the bytes and EVENT frames received so far.
func (c *Conn) Received() (bytes, events int64) { return c.bytes.Load(), c.events.Load() }

// Challenge is the relay's latest NIP-42 challenge seen by a consumer, ""
// before one.
func (c *Conn) Challenge() string { return c.challenge }

// Authenticated reports whether our AUTH was accepted.
func (c *Conn) Authenticated() bool { return c.authed }

// Err is why the connection ended, nil while it is open.
func (c *Conn) Err() error {
	c.deadMu.Lock()
	defer c.deadMu.Unlock()
	return c.deadErr
}

// fail ends the connection with err (the first reason wins).
func (c *Conn) fail(err error) {
	c.deadMu.Lock()
	if c.deadErr == nil {
		c.deadErr = fmt.Errorf("%s: %w", c.URL, err)
	}
	c.deadMu.Unlock()
	_ = c.ws.CloseNow()
}

// Close ends the connection at once (a hostile relay could hold a close
// handshake open) and waits for the pump to stop.
func (c *Conn) Close() error {
	c.timer.Stop()
	c.fail(ErrConnLost)
	c.stop()
	for range c.in { // drain until the pump has exited
	}
	return nil
}

func (c *Conn) pump(ctx context.Context) {
	defer close(c.in)
	lim := c.opts.Limits
	var buf bytes.Buffer
	for {
		if buf.Cap() > keepBuf {
			buf = bytes.Buffer{}
		}
		buf.Reset()
		typ, r, err := c.ws.Reader(ctx)
		if err == nil {
			_, err = buf.ReadFrom(r)
		}
		if err != nil {
			c.fail(fmt.Errorf("%w: %w", ErrConnLost, err))
			return
		}
		if c.bytes.Add(int64(buf.Len())) > lim.ConnBytes {
			c.fail(ErrConnBytes)
			return
		}
		var in inbound
		if typ != websocket.MessageText {
			in.err = fmt.Errorf("%w: binary message", ErrNotRelayMessage)
		} else {
			in.msg, in.err = Parse(buf.Bytes())
		}
		if in.err == nil && in.msg.Label == "EVENT" && c.events.Add(1) > int64(lim.ConnEvents) {
			c.fail(ErrConnEvents)
			return
		}
		select {
		case c.in <- in:
		case <-ctx.Done():
			return
		}
	}
}

// Recv returns the next frame: a Message, or an error wrapping
// ErrNotRelayMessage (the connection goes on; Label is set when the frame
// had one), or why the connection ended, or ctx's error (the connection
// goes on). AUTH challenges are recorded and returned.
func (c *Conn) Recv(ctx context.Context) (Message, error) {
	select {
	case in, open := <-c.in:
		return c.take(in, open)
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

func (c *Conn) take(in inbound, open bool) (Message, error) {
	if !open {
		if err := c.Err(); err != nil {
			return Message{}, err
		}
		return Message{}, fmt.Errorf("%s: %w", c.URL, ErrConnLost)
	}
	if in.err != nil {
		return in.msg, fmt.Errorf("%s: %w", c.URL, in.err)
	}
	if in.msg.Label == "AUTH" {
		c.challenge = in.msg.Text
	}
	return in.msg, nil
}

// Send writes v (an envelope, or any JSON value) as one text frame, within
// the idle limit.
func (c *Conn) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("write to %s: %w", c.URL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.Limits.Idle)
	defer cancel()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		if dead := c.Err(); dead != nil {
			return dead
		}
		return fmt.Errorf("write to %s: %w: %w", c.URL, ErrConnLost, err)
	}
	return nil
}

// NewSubID returns a subscription id unique on this connection.
func (c *Conn) NewSubID(name string) string {
	c.nsub++
	if name != "" {
		return c.opts.SubPrefix + "-" + name + "-" + strconv.Itoa(c.nsub)
	}
	return c.opts.SubPrefix + "-" + strconv.Itoa(c.nsub)
}

// waiter times one exchange: first_answer until the first frame of the
// exchange, then idle after each one, never past the exchange's own
// deadline. Frames that are not progress leave it untouched.
type waiter struct {
	c        *Conn
	answered bool
	deadline time.Time // of the frame awaited
	end      time.Time // of the exchange (req_time)
	timer    *time.Timer
}

func (c *Conn) newWaiter(total time.Duration) *waiter {
	now := time.Now()
	w := &waiter{c: c, end: now.Add(total)}
	w.deadline = now.Add(c.opts.Limits.FirstAnswer)
	w.timer = time.NewTimer(time.Until(w.next()))
	return w
}

func (w *waiter) next() time.Time {
	if w.end.Before(w.deadline) {
		return w.end
	}
	return w.deadline
}

func (w *waiter) stop() { w.timer.Stop() }

// progress resets the idle deadline after a frame of the exchange.
func (w *waiter) progress() {
	w.answered = true
	w.deadline = time.Now().Add(w.c.opts.Limits.Idle)
	w.timer.Reset(time.Until(w.next()))
}

// recv waits for the next frame within the exchange's deadlines. Frames
// no relay sends are skipped.
func (w *waiter) recv(ctx context.Context) (Message, error) {
	for {
		select {
		case in, open := <-w.c.in:
			m, err := w.c.take(in, open)
			if errors.Is(err, ErrNotRelayMessage) {
				continue
			}
			return m, err
		case <-ctx.Done():
			return Message{}, fmt.Errorf("%s: %w", w.c.URL, ctx.Err())
		case <-w.timer.C:
			switch {
			case w.end.Before(w.deadline):
				return Message{}, fmt.Errorf("%s: %w", w.c.URL, ErrReqTime)
			case w.answered:
				return Message{}, fmt.Errorf("%s: %w after %v", w.c.URL, ErrIdle, w.c.opts.Limits.Idle)
			}
			return Message{}, fmt.Errorf("%s: %w within %v", w.c.URL, ErrNoAnswer, w.c.opts.Limits.FirstAnswer)
		}
	}
}
