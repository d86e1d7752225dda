package monitor

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// checkNames are the 10166 "c" values of the enabled checks, each with its
// timeout in milliseconds. rtt is announced as its three phases (the
// spec's open, read and write), which share the check's timeout; write
// only when the write test is on.
func (c Config) checkNames() [][2]string {
	ms := strconv.FormatInt(c.Timeout.Milliseconds(), 10)
	var out [][2]string
	for _, check := range probe.Checks {
		if !c.enabled(check) {
			continue
		}
		if check == probe.CheckRTT {
			out = append(out, [2]string{"open", ms}, [2]string{"read", ms})
			if c.WriteProbe {
				out = append(out, [2]string{"write", ms})
			}
			continue
		}
		out = append(out, [2]string{string(check), ms})
	}
	return out
}

// Announcement builds the unsigned kind 10166 event: "frequency" (seconds
// between two 30166 of one relay), a ["timeout", check, ms] and a
// ["c", check] per check (the spec example's order: name, then
// milliseconds), and "g" when the operator set monitor.geohash. The
// monitor passes c without the checks whose GeoIP database is missing.
func Announcement(c Config, at time.Time) nostr.Event {
	tags := nostr.Tags{{"frequency", strconv.FormatInt(int64(c.Interval/time.Second), 10)}}
	keep := c.checkNames()
	for _, n := range keep {
		tags = append(tags, nostr.Tag{"timeout", n[0], n[1]})
	}
	for _, n := range keep {
		tags = append(tags, nostr.Tag{"c", n[0]})
	}
	if c.Geohash != "" {
		tags = append(tags, nostr.Tag{"g", c.Geohash})
	}
	return nostr.Event{Kind: KindMonitorAnnouncement, CreatedAt: nostr.Timestamp(at.Unix()), Tags: tags, Content: ""}
}

// ProfileEvent builds the unsigned kind 0 event.
func ProfileEvent(p Profile, at time.Time) nostr.Event {
	b, _ := json.Marshal(p) // strings only: cannot fail
	return nostr.Event{Kind: nostr.KindProfileMetadata, CreatedAt: nostr.Timestamp(at.Unix()), Tags: nostr.Tags{}, Content: string(b)}
}

// RelayList builds the unsigned kind 10002 event: one ["r", url, "write"]
// per relay the monitor publishes to (NIP-65; NIP-66 asks monitors to name
// where their events go).
func RelayList(relays []string, at time.Time) nostr.Event {
	tags := nostr.Tags{}
	for _, r := range relays {
		u := r
		if p, err := schema.ParseRelayURL(r); err == nil {
			u = p.String()
		}
		tags = append(tags, nostr.Tag{"r", u, "write"})
	}
	return nostr.Event{Kind: nostr.KindRelayListMetadata, CreatedAt: nostr.Timestamp(at.Unix()), Tags: tags, Content: ""}
}
