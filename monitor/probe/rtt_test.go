package probe

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/fiatjaf/khatru"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/testnet"
)

func TestRTTTestnet(t *testing.T) {
	n := testNet(t)
	type want struct {
		success     bool
		reason      Reason
		open        Reason // "" = success
		read, write Reason // "" = success, "-" = not attempted
		readAuth    bool
		writeAuth   bool
		authed      bool
		req         map[string]bool
	}
	none := map[string]bool{}
	allFalse := map[string]bool{"auth": false, "payment": false, "pow": false, "writes": false}
	tests := []struct {
		profile testnet.Profile
		network testnet.NetworkName
		index   int
		auth    bool
		noKey   bool
		want    want
	}{
		{testnet.Healthy, testnet.Clearnet, 0, true, false, want{success: true, req: allFalse}},
		{testnet.Slow, testnet.Clearnet, 0, true, false, want{success: true, req: allFalse}},
		{testnet.Healthy, testnet.Tor, 0, true, false, want{success: true, req: allFalse}},
		{testnet.Healthy, testnet.I2P, 0, true, false, want{success: true, req: allFalse}},
		{testnet.RateLimited, testnet.Clearnet, 0, true, false, want{success: true, req: allFalse}},
		{testnet.NIP11Missing, testnet.Clearnet, 0, true, false, want{success: true, req: allFalse}},
		{testnet.AuthRead, testnet.Clearnet, 0, true, false, want{success: true, readAuth: true, authed: true,
			req: map[string]bool{"auth": true, "payment": false, "pow": false, "writes": false}}},
		{testnet.AuthRead, testnet.Clearnet, 0, false, false, want{success: true, read: ReasonAuthRequired, readAuth: true,
			req: map[string]bool{"auth": true, "payment": false, "pow": false, "writes": false}}},
		{testnet.AuthWrite, testnet.Clearnet, 0, true, false, want{success: true, writeAuth: true, authed: true,
			req: map[string]bool{"auth": true, "payment": false, "pow": false, "writes": false}}},
		{testnet.AuthWrite, testnet.Clearnet, 0, false, false, want{success: true, write: ReasonAuthRequired, writeAuth: true,
			req: map[string]bool{"auth": true}}},
		// The write does not ride on the read's AUTH: it asks on a fresh
		// connection, so AUTH for writing is proved here too.
		{testnet.AuthAll, testnet.Clearnet, 0, true, false, want{success: true, readAuth: true, writeAuth: true, authed: true,
			req: map[string]bool{"auth": true, "payment": false, "pow": false, "writes": false}}},
		{testnet.AuthAll, testnet.Clearnet, 0, false, false, want{success: true, read: ReasonAuthRequired,
			write: ReasonAuthRequired, readAuth: true, writeAuth: true, req: map[string]bool{"auth": true}}},
		{testnet.Paid, testnet.Clearnet, 0, true, false, want{success: true, write: ReasonPaymentRequired,
			req: map[string]bool{"payment": true}}},
		{testnet.RestrictedWrites, testnet.Clearnet, 0, true, false, want{success: true, write: ReasonRestricted,
			req: map[string]bool{"writes": true}}},
		{testnet.Healthy, testnet.Clearnet, 0, true, true, want{success: true, write: "-", req: none}},
		{testnet.Echo, testnet.Clearnet, 0, true, false, want{reason: ReasonNotNostr, read: ReasonNotNostr, write: "-", req: none}},
		{testnet.HTTPOnly, testnet.Clearnet, 0, true, false, want{reason: ReasonUpgrade, open: ReasonUpgrade, read: "-", write: "-", req: none}},
		{testnet.Closed, testnet.Clearnet, 0, true, false, want{reason: ReasonConnect, open: ReasonConnect, read: "-", write: "-", req: none}},
		{testnet.Capped, testnet.Clearnet, 0, true, false, want{reason: ReasonTLS, open: ReasonTLS, read: "-", write: "-", req: none}},
	}
	for _, tc := range tests {
		r := relayOf(t, n, tc.profile, tc.network, tc.index)
		name := string(tc.profile) + "/" + string(tc.network)
		if !tc.auth {
			name += "/no-auth"
		}
		if tc.noKey {
			name += "/no-key"
		}
		t.Run(name, func(t *testing.T) {
			if raceDetector && tc.want.write == "" {
				t.Skip("an accepted write trips khatru's own data race (see race_on_test.go)")
			}
			t.Parallel()
			tg := netTarget(t, n, r.URL)
			tg.Auth = tc.auth
			if tc.noKey {
				tg.Signer = nil
			}
			out, err := RTT(probeCtx(t, 6*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if out.Success != w.success || out.Reason != w.reason {
				t.Errorf("success %v reason %q (%s), want %v %q", out.Success, out.Reason, out.Detail, w.success, w.reason)
			}
			checkPhase(t, "open", &out.Open, w.open)
			checkPhase(t, "read", out.Read, w.read)
			checkPhase(t, "write", out.Write, w.write)
			if out.Read != nil && out.Read.AuthRequired != w.readAuth {
				t.Errorf("read auth_required %v, want %v", out.Read.AuthRequired, w.readAuth)
			}
			if out.Write != nil && out.Write.AuthRequired != w.writeAuth {
				t.Errorf("write auth_required %v, want %v", out.Write.AuthRequired, w.writeAuth)
			}
			if out.Authenticated != w.authed {
				t.Errorf("authenticated %v, want %v", out.Authenticated, w.authed)
			}
			if got := out.Requirements(); !maps.Equal(got, w.req) {
				t.Errorf("requirements %v, want %v", got, w.req)
			}
			if out.Open.Success && !out.Dial.Addr.IsValid() && tc.network == testnet.Clearnet {
				t.Errorf("no dialled address in %+v", out.Dial)
			}
		})
	}
}

func checkPhase(t *testing.T, name string, p *Phase, want Reason) {
	t.Helper()
	switch {
	case want == "-":
		if p != nil {
			t.Errorf("%s attempted: %+v", name, *p)
		}
	case p == nil:
		t.Errorf("%s not attempted, want reason %q", name, want)
	case p.Success != (want == "") || p.Reason != want:
		t.Errorf("%s success %v reason %q (%s), want %q", name, p.Success, p.Reason, p.Message, want)
	case p.Success && p.MS() == "":
		t.Errorf("%s succeeded without a time", name)
	}
}

// TestRTTWriteEvent checks what the write probe publishes: a regular kind,
// a NIP-40 expiration from the injected clock, signed by the node key.
func TestRTTWriteEvent(t *testing.T) {
	clock := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	got := make(chan nostr.Event, 1)
	kh := quietKhatru()
	kh.RejectEvent = append(kh.RejectEvent, func(_ context.Context, ev *nostr.Event) (bool, string) {
		got <- *ev
		return true, "pow: difficulty 28 needed"
	})
	tg := localRelay(t, "write", kh)
	tg.Now = func() time.Time { return clock }
	out, err := RTT(probeCtx(t, 5*time.Second), tg)
	if err != nil {
		t.Fatal(err)
	}
	ev := <-got
	pub, _ := testSigner(t).GetPublicKey(context.Background())
	switch {
	case ev.Kind != DefaultWriteKind || !nostr.IsRegularKind(ev.Kind):
		t.Errorf("kind %d", ev.Kind)
	case ev.PubKey != pub:
		t.Errorf("signed by %s, want the node key %s", ev.PubKey, pub)
	case ev.CreatedAt != nostr.Timestamp(clock.Unix()):
		t.Errorf("created_at %d, want the injected clock", ev.CreatedAt)
	case !slices.Equal(ev.Tags.Find("expiration"), nostr.Tag{"expiration", "1793535000"}):
		t.Errorf("expiration tag missing or wrong: %v", ev.Tags)
	}
	if out.Write == nil || out.Write.Reason != ReasonPoWRequired || !strings.HasPrefix(out.Write.Message, "pow:") {
		t.Fatalf("write %+v, want pow_required", out.Write)
	}
	if req := out.Requirements(); !maps.Equal(req, map[string]bool{"pow": true}) {
		t.Errorf("requirements %v", req)
	}
	tg.WriteKind = 20001
	if _, err := RTT(context.Background(), tg); !errors.Is(err, ErrBadTarget) {
		t.Errorf("ephemeral write kind: got %v, want ErrBadTarget", err)
	}
}

func TestRTTSnapshotJSON(t *testing.T) {
	out := &RTTOutcome{
		Status: ok(),
		Open:   Phase{Success: true, Duration: 12*time.Millisecond + 600*time.Microsecond},
		Read:   &Phase{Success: true},
		Write:  &Phase{Reason: ReasonAuthRequired, Message: "auth-required: x", AuthRequired: true, Duration: time.Second},
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"success":true,"open":{"success":true,"ms":12},"read":{"success":true,"ms":0},` +
		`"write":{"success":false,"reason":"auth_required","message":"auth-required: x","auth_required":true}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	if out.Open.MS() != "12" || out.Read.MS() != "0" || out.Write.MS() != "" || (*Phase)(nil).MS() != "" {
		t.Errorf("MS: %q %q %q", out.Open.MS(), out.Read.MS(), out.Write.MS())
	}
}

// quietKhatru is a khatru relay with an in-memory nothing store.
func quietKhatru() *khatru.Relay {
	kh := khatru.NewRelay()
	kh.Log = log.New(io.Discard, "", 0)
	kh.Info.PubKey = strings.Repeat("0", 64)
	kh.QueryEvents = append(kh.QueryEvents, func(context.Context, nostr.Filter) (chan *nostr.Event, error) {
		ch := make(chan *nostr.Event)
		close(ch)
		return ch, nil
	})
	kh.StoreEvent = append(kh.StoreEvent, func(context.Context, *nostr.Event) error { return nil })
	return kh
}

// TestRTTHostile: WebSockets that are not relays are contained by the
// probe's deadline and reported as such.
func TestRTTHostile(t *testing.T) {
	ws := func(talk func(ctx context.Context, c *websocket.Conn)) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer func() { _ = c.CloseNow() }()
			talk(r.Context(), c)
		})
	}
	tests := []struct {
		name   string
		talk   func(ctx context.Context, c *websocket.Conn)
		reason Reason
	}{
		{"silent", func(ctx context.Context, c *websocket.Conn) { <-ctx.Done() }, ReasonTimeout},
		{"junk", func(ctx context.Context, c *websocket.Conn) {
			for ctx.Err() == nil {
				if c.Write(ctx, websocket.MessageText, []byte("<html>hello</html>")) != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}, ReasonNotNostr},
		{"binary", func(ctx context.Context, c *websocket.Conn) {
			_ = c.Write(ctx, websocket.MessageBinary, []byte{0, 1, 2})
			<-ctx.Done()
		}, ReasonNotNostr},
		{"hangs up", func(ctx context.Context, c *websocket.Conn) {
			_ = c.Close(websocket.StatusGoingAway, "bye")
		}, ReasonClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := RTT(probeCtx(t, 600*time.Millisecond), localRelay(t, "hostile", ws(tc.talk)))
			if err != nil {
				t.Fatal(err)
			}
			if out.Success || out.Reason != tc.reason || !out.Open.Success {
				t.Errorf("success %v reason %q (%s) open %v, want %q", out.Success, out.Reason, out.Detail,
					out.Open.Success, tc.reason)
			}
		})
	}
}
