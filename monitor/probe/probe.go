package probe

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayclient"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/transport"
)

// Check names a probe. The names are the NIP-66 10166 "c" values and the
// metadata types of the snapshots the monitor stores.
type Check string

const (
	CheckNIP11 Check = "nip11"
	CheckRTT   Check = "rtt"
	CheckNIPs  Check = "nips"
	CheckHTTP  Check = "http"
	CheckSSL   Check = "ssl"
	CheckDNS   Check = "dns"
	CheckGeo   Check = "geo"
	CheckNet   Check = "net"
)

// Checks lists every check in the order a monitor should run them for one
// relay: nips and http reuse Target.NIP11 when it is set, so nip11 comes
// first.
var Checks = []Check{CheckNIP11, CheckRTT, CheckNIPs, CheckHTTP, CheckSSL, CheckDNS, CheckGeo, CheckNet}

// Func is the signature every probe shares. A relay that is down, slow,
// refusing or broken gives an Outcome whose State().Success is false and
// whose Reason is one of Reasons(check). error means the probe could not be
// run at all: ctx was cancelled (not merely past its deadline), the check
// does not apply to the relay (ErrNotApplicable), a needed resource is
// missing (ErrDisabled, ErrNoSigner) or the Target is malformed.
type Func func(ctx context.Context, t Target) (Outcome, error)

// Table maps each check to its probe.
var Table = map[Check]Func{
	CheckNIP11: wrap(NIP11),
	CheckRTT:   wrap(RTT),
	CheckNIPs:  wrap(NIPs),
	CheckHTTP:  wrap(HTTP),
	CheckSSL:   wrap(SSL),
	CheckDNS:   wrap(DNS),
	CheckGeo:   wrap(Geo),
	CheckNet:   wrap(Net),
}

func wrap[O Outcome](f func(context.Context, Target) (O, error)) Func {
	return func(ctx context.Context, t Target) (Outcome, error) {
		o, err := f(ctx, t)
		if err != nil {
			return nil, err // never a typed nil inside a non-nil interface
		}
		return o, nil
	}
}

// Applies reports whether check makes sense for u: certificate, DNS, Geo
// and Net are clearnet matters (an overlay hides the server's address and
// encrypts already), and DNS has nothing to ask about an IP literal. A
// private relay (u.IsPrivate: the operator's own, on loopback or a LAN)
// has no public DNS name, GeoIP location or AS, and a certificate only
// when it is reached over wss.
func Applies(check Check, u schema.RelayURL) bool {
	switch check {
	case CheckSSL:
		return u.Network() == schema.Clearnet && u.Scheme() == "wss"
	case CheckGeo, CheckNet:
		return u.Network() == schema.Clearnet && !u.IsPrivate()
	case CheckDNS:
		if u.Network() != schema.Clearnet || u.IsPrivate() {
			return false
		}
		_, err := netip.ParseAddr(u.Host())
		return err != nil
	}
	return true
}

// Errors returned (wrapped, with the relay URL) when a probe cannot run.
var (
	ErrNotApplicable = errors.New("check does not apply to this relay")
	ErrDisabled      = errors.New("check disabled")
	ErrNoSigner      = errors.New("no signer")
	ErrBadTarget     = errors.New("invalid probe target")
)

// Outcome is the typed result of one probe: *NIP11Outcome, *RTTOutcome,
// *NIPsOutcome, *HTTPOutcome, *SSLOutcome, *DNSOutcome, *GeoOutcome or
// *NetOutcome, as Check() says. Each is a plain struct: schema.Canonical of
// it is the content-addressed snapshot. Fields that change on every run
// without the relay changing (phase timings outside RTT) are tagged
// json:"-" so that identical results share one snapshot.
type Outcome interface {
	Check() Check
	State() Status
}

// Status is embedded in every outcome.
type Status struct {
	// Success is true when the check got its data; false for a dead,
	// refusing or broken relay, with Reason saying why.
	Success bool `json:"success"`
	// Reason is "" on success, else one of Reasons(check): a bounded set,
	// usable as a metrics label.
	Reason Reason `json:"reason,omitempty"`
	// Detail is the human-readable failure (error text, relay message).
	Detail string `json:"detail,omitempty"`
	// Took is the wall time of the whole check.
	Took time.Duration `json:"-"`
}

// State returns the status; every outcome has it through embedding.
func (s Status) State() Status { return s }

func ok() Status { return Status{Success: true} }

func failed(r Reason, detail string) Status {
	return Status{Reason: r, Detail: truncate(detail, maxDetail)}
}

// Defaults used when a Target field is zero.
const (
	// DefaultTimeout bounds a probe whose ctx has no deadline.
	DefaultTimeout = 30 * time.Second
	// DefaultNIP11MaxBytes is monitor.nip11_max_bytes' default.
	DefaultNIP11MaxBytes = 1 << 20
	// DefaultWriteKind is the kind of the write probe's event: a regular
	// kind (stored, never ephemeral), and the one relays that whitelist
	// kinds accept first, so a refusal says something about the relay's
	// write policy rather than about an exotic kind.
	DefaultWriteKind = 1
	// DefaultWriteTTL is how long the write probe's event lives (NIP-40).
	DefaultWriteTTL = 10 * time.Minute
	// DefaultLookupTimeout bounds the name resolution of geo and net.
	DefaultLookupTimeout = 5 * time.Second
	// maxDetail keeps relay-provided text in outcomes short.
	maxDetail = 300
)

// Target is one relay to probe and what the probes need to reach it.
type Target struct {
	URL       schema.RelayURL      // required
	Transport *transport.Transport // required for every probe but geo/net with Addrs set
	GeoIP     *GeoIP               // readers for geo and net; nil disables them (ErrDisabled)
	// Signer is the node key: it signs the write probe's event, the NIP-42
	// AUTH answers and the nips probe's NIP-42 test event. Without it the
	// write phase and the NIP-42 test are skipped.
	Signer nostr.Signer
	// Auth answers AUTH challenges with Signer when a relay refuses with
	// "auth-required:" (monitor.auth), then retries once.
	Auth bool
	// Now is the clock (event created_at, expiration, certificate validity).
	// nil means time.Now.
	Now func() time.Time

	NIP11MaxBytes int64         // 0: DefaultNIP11MaxBytes
	WriteKind     int           // 0: DefaultWriteKind; must be a regular kind
	WriteTTL      time.Duration // 0: DefaultWriteTTL
	LookupTimeout time.Duration // 0: DefaultLookupTimeout

	// Limits bound the probes' WebSocket connections (zero:
	// relayclient.DefaultLimits); each phase is bounded by its own share
	// of the probe's deadline as well.
	Limits relayclient.Limits

	// NIP11 is this cycle's nip11 outcome for the relay, when already run:
	// nips reads the claimed NIPs from it and http its response headers,
	// instead of fetching the document again.
	NIP11 *NIP11Outcome
	// Addrs are the relay's addresses when already known (DNSOutcome.Addrs
	// or the address an RTT dial connected to), so geo and net do not
	// resolve the name again.
	Addrs []netip.Addr
}

func (t Target) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t Target) limits() relayclient.Limits {
	if t.Limits == (relayclient.Limits{}) {
		return relayclient.DefaultLimits()
	}
	return t.Limits
}

func (t Target) validate(needTransport bool) error {
	if t.URL.IsZero() {
		return fmt.Errorf("probe: %w: no relay URL", ErrBadTarget)
	}
	if needTransport && t.Transport == nil {
		return fmt.Errorf("probe %s: %w: no transport", t.URL, ErrBadTarget)
	}
	return nil
}

// bound gives ctx a deadline when it has none, so a hostile relay can never
// hold a probe forever.
func bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// abandoned returns the error a probe reports instead of an outcome when
// its caller cancelled it: a cancelled run says nothing about the relay.
// A deadline is different: the relay was too slow, and that is data.
func abandoned(parent context.Context, check Check, u schema.RelayURL) error {
	if err := parent.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("probe %s %s: %w", check, u, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "..."
}
