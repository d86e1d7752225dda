package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/nbd-wtf/go-nostr"
)

// maxTags caps ordinary events' tags; kind 3 follow lists go beyond it.
const maxTags = 20

func (g *generator) relay(r *rand.Rand) string {
	// Popular relays are seen far more often than the long tail.
	return relayURL(int(float64(g.p.Relays) * math.Pow(r.Float64(), 2)))
}

func (g *generator) hint(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return g.relay(r)
	}
	return ""
}

func add(ev *nostr.Event, tag ...string) {
	if len(ev.Tags) < maxTags {
		ev.Tags = append(ev.Tags, tag)
	}
}

// note is a kind 1: replies (NIP-10 markers, thread participants),
// mentions, hashtags, the odd article quote and link.
func (g *generator) note(r *rand.Rand, ev *nostr.Event, prior int) {
	ev.Kind = 1
	ev.Content = text(r, contentLen(r))
	if r.IntN(100) < 40 {
		if t := g.target(r, prior, 1); t != nil {
			root := t.ID
			for _, tag := range t.Tags {
				if len(tag) >= 4 && tag[0] == "e" && tag[3] == "root" {
					root = tag[1]
				}
			}
			add(ev, "e", root, g.hint(r), "root")
			if root != t.ID {
				add(ev, "e", t.ID, g.hint(r), "reply")
			}
			add(ev, "p", t.PubKey)
			for _, tag := range t.Tags {
				if len(tag) >= 2 && tag[0] == "p" && r.IntN(2) == 0 {
					add(ev, "p", tag[1])
				}
			}
		}
	}
	for range r.IntN(4) * r.IntN(2) {
		add(ev, "p", g.pubs[g.author(r)])
	}
	if r.IntN(4) == 0 {
		for range 1 + r.IntN(4) {
			add(ev, "t", words[r.IntN(200)])
		}
	}
	if r.IntN(33) == 0 {
		add(ev, "a", g.address(r), g.hint(r))
	}
	if r.IntN(20) == 0 {
		add(ev, "r", fmt.Sprintf("https://%s.%s/%d", words[r.IntN(200)], tlds[r.IntN(len(tlds))], r.IntN(1e6)))
	}
}

// target draws an earlier event of the wanted kind, or nil.
func (g *generator) target(r *rand.Rand, prior, kind int) *nostr.Event {
	for range 4 {
		if j := g.earlier(r, prior); j >= 0 && g.events[j].Kind == kind {
			return g.events[j]
		}
	}
	return nil
}

func (g *generator) address(r *rand.Rand) string {
	return fmt.Sprintf("30023:%s:%s", g.pubs[g.author(r)], slug(r))
}

func slug(r *rand.Rand) string {
	return fmt.Sprintf("%s-%s-%d", words[r.IntN(200)], words[r.IntN(200)], r.IntN(8))
}

// reaction is a kind 7 on an earlier note (or an article by address).
func (g *generator) reaction(r *rand.Rand, ev *nostr.Event, prior int) {
	ev.Kind = 7
	switch p := r.IntN(10); {
	case p < 7:
		ev.Content = "+"
	case p < 9:
		ev.Content = []string{"🤙", "⚡", "❤️", "😂", "🔥"}[r.IntN(5)]
	default:
		ev.Content = "-"
	}
	if t := g.target(r, prior, 1); t != nil {
		add(ev, "e", t.ID, g.hint(r))
		add(ev, "p", t.PubKey)
		add(ev, "k", "1")
		return
	}
	add(ev, "a", g.address(r))
	add(ev, "p", g.pubs[g.author(r)])
	add(ev, "k", "30023")
}

// profile is a kind 0 with NIP-01/24 metadata in content.
func (g *generator) profile(r *rand.Rand, ev *nostr.Event) {
	ev.Kind = 0
	name := words[r.IntN(200)] + strconv.Itoa(r.IntN(1000))
	b, _ := json.Marshal(map[string]string{
		"name":         name,
		"display_name": words[r.IntN(len(words))] + " " + words[r.IntN(len(words))],
		"about":        text(r, r.IntN(400)),
		"picture":      fmt.Sprintf("https://cdn.%s.%s/%x.jpg", words[r.IntN(200)], tlds[r.IntN(len(tlds))], r.Uint64()),
		"nip05":        name + "@" + words[r.IntN(200)] + ".com",
		"lud16":        name + "@getalby.com",
	})
	ev.Content = string(b)
}

// follows is a kind 3 contact list: many p tags, some with relay hints.
func (g *generator) follows(r *rand.Rand, ev *nostr.Event) {
	ev.Kind = 3
	n := 10 + int(240*math.Pow(r.Float64(), 1.5))
	seen := make(map[int]bool, n)
	for range n {
		a := g.author(r)
		if seen[a] {
			continue
		}
		seen[a] = true
		if r.IntN(5) == 0 {
			ev.Tags = append(ev.Tags, nostr.Tag{"p", g.pubs[a], g.relay(r)})
		} else {
			ev.Tags = append(ev.Tags, nostr.Tag{"p", g.pubs[a]})
		}
	}
}

// relayList is a NIP-65 kind 10002.
func (g *generator) relayList(r *rand.Rand, ev *nostr.Event) {
	ev.Kind = 10002
	for range 2 + r.IntN(11) {
		switch r.IntN(4) {
		case 0:
			add(ev, "r", g.relay(r), "read")
		case 1:
			add(ev, "r", g.relay(r), "write")
		default:
			add(ev, "r", g.relay(r))
		}
	}
}

// article is a NIP-23 kind 30023 with a d tag: an author edits a few
// articles over time, so addresses get several versions.
func (g *generator) article(r *rand.Rand, ev *nostr.Event) {
	ev.Kind = 30023
	ev.Content = text(r, 1000+r.IntN(1048))
	add(ev, "d", slug(r))
	add(ev, "title", text(r, 20+r.IntN(40)))
	add(ev, "summary", text(r, 50+r.IntN(150)))
	add(ev, "published_at", strconv.FormatInt(int64(ev.CreatedAt)-r.Int64N(86400*30), 10))
	for range r.IntN(6) {
		add(ev, "t", words[r.IntN(200)])
	}
}

// discovery is a NIP-66 kind 30166 by a monitor: d is the relay URL.
func (g *generator) discovery(r *rand.Rand, ev *nostr.Event) {
	ev.Kind = 30166
	url := g.relay(r)
	add(ev, "d", url)
	network := "clearnet"
	if len(url) > 60 {
		network = "tor"
	}
	add(ev, "n", network)
	add(ev, "rtt-open", strconv.Itoa(20+r.IntN(800)))
	add(ev, "rtt-read", strconv.Itoa(20+r.IntN(800)))
	for _, nip := range []string{"1", "2", "9", "11", "40", "42", "45", "50", "65", "77"} {
		if r.IntN(3) > 0 {
			add(ev, "N", nip)
		}
	}
	if r.IntN(4) == 0 {
		add(ev, "R", "auth")
	}
	add(ev, "R", []string{"!payment", "payment"}[r.IntN(2)])
	add(ev, "T", []string{"PublicOutbox", "PublicInbox", "Paid", "Search"}[r.IntN(4)])
	add(ev, "g", fmt.Sprintf("u%x", r.Uint32()&0xfffff))
	if r.IntN(2) == 0 {
		b, _ := json.Marshal(map[string]any{
			"name":           words[r.IntN(200)] + " relay",
			"description":    text(r, r.IntN(200)),
			"software":       "git+https://github.com/" + words[r.IntN(200)] + "/relay",
			"version":        fmt.Sprintf("%d.%d.%d", r.IntN(3), r.IntN(20), r.IntN(10)),
			"supported_nips": []int{1, 2, 9, 11, 40},
		})
		ev.Content = string(b)
	}
}
