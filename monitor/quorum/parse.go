package quorum

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// NIP-66 kinds read here.
const (
	KindDiscovery    = 30166 // one monitor's report on one relay
	KindAnnouncement = 10166 // a monitor's announcement: its frequency
)

// maxRTT bounds a round trip a report may state (ten minutes): a larger
// one is a broken or lying report, not a measurement.
const maxRTT = 600_000

// ErrNotReport is wrapped by the parse errors: the event is not a usable
// report or announcement.
var ErrNotReport = errors.New("not a usable NIP-66 event")

// Report is one monitor's newest 30166 on one relay: a 30166 says the
// relay was reachable at At; its round trips in milliseconds (nil: not
// measured).
type Report struct {
	Monitor string // pubkey, hex
	Relay   string // canonical relay URL
	At      time.Time
	RTT     RTT
}

// RTT are round trips in milliseconds.
type RTT struct {
	Open  *int64
	Read  *int64
	Write *int64
}

// Announcement is a monitor's 10166: how often it republishes each relay's
// 30166.
type Announcement struct {
	Monitor   string
	Frequency time.Duration
	At        time.Time
}

// ParseDiscovery reads a kind 30166: the relay from its d tag (normalized,
// so monitors spelling a URL differently agree on the relay), the round
// trips from rtt-open, rtt-read and rtt-write. The signature is the
// caller's to have checked.
func ParseDiscovery(ev *nostr.Event) (Report, error) {
	if ev == nil || ev.Kind != KindDiscovery {
		return Report{}, fmt.Errorf("%w: kind %d", ErrNotReport, kindOf(ev))
	}
	r := Report{Monitor: ev.PubKey, At: ev.CreatedAt.Time().UTC()}
	d := ev.Tags.GetD()
	u, err := schema.ParseRelayURLWith(d, schema.ParseOptions{AllowPrivate: true})
	if err != nil {
		return Report{}, fmt.Errorf("%w: 30166 %s: d tag %q: %v", ErrNotReport, ev.ID, d, err)
	}
	r.Relay = u.String()
	for _, t := range ev.Tags {
		if len(t) < 2 {
			continue
		}
		var dst **int64
		switch t[0] {
		case "rtt-open":
			dst = &r.RTT.Open
		case "rtt-read":
			dst = &r.RTT.Read
		case "rtt-write":
			dst = &r.RTT.Write
		default:
			continue
		}
		ms, err := strconv.ParseInt(t[1], 10, 64)
		if err != nil || ms < 0 || ms > maxRTT || *dst != nil {
			continue // a malformed or repeated value is left out, not guessed
		}
		*dst = &ms
	}
	return r, nil
}

// ParseAnnouncement reads a kind 10166's frequency tag (seconds).
func ParseAnnouncement(ev *nostr.Event) (Announcement, error) {
	if ev == nil || ev.Kind != KindAnnouncement {
		return Announcement{}, fmt.Errorf("%w: kind %d", ErrNotReport, kindOf(ev))
	}
	a := Announcement{Monitor: ev.PubKey, At: ev.CreatedAt.Time().UTC()}
	t := ev.Tags.Find("frequency")
	if t == nil {
		return Announcement{}, fmt.Errorf("%w: 10166 %s has no frequency", ErrNotReport, ev.ID)
	}
	s, err := strconv.ParseInt(t[1], 10, 64)
	// A week is the longest period a monitor can mean: a longer one would
	// keep a relay it saw once "reachable" for ever.
	if err != nil || s <= 0 || s > 7*24*3600 {
		return Announcement{}, fmt.Errorf("%w: 10166 %s: frequency %q", ErrNotReport, ev.ID, t[1])
	}
	a.Frequency = time.Duration(s) * time.Second
	return a, nil
}

func kindOf(ev *nostr.Event) int {
	if ev == nil {
		return -1
	}
	return ev.Kind
}
