package testnet

import (
	"strings"

	"github.com/nbd-wtf/go-nostr"
)

// hugeContentSize makes the HugeEvent profile's event about 2 MiB on the
// wire: over khatru's 512 kB default and most crawlers' message limits.
const hugeContentSize = 2<<20 + 1000

// extras adds the profile-specific events: invalid ones, far-future ones,
// the huge one, and the orphan events that dark relays serve.
func (g *generator) extras() {
	var future, huge, strange []*nostr.Event
	ghost := secretKey(g.o.Seed, "ghost")
	for _, p := range g.plans {
		if !p.hasStore() {
			continue
		}
		switch p.profile {
		case BadEvents:
			g.c.perRelay[p.idx] = append(g.c.perRelay[p.idx], g.badEvents(ghost, p)...)
		case FutureEvents:
			if future == nil {
				future = g.futureEvents(ghost)
			}
			g.c.perRelay[p.idx] = append(g.c.perRelay[p.idx], future...)
		case HugeEvent:
			if huge == nil {
				huge = []*nostr.Event{g.hugeEvent(ghost)}
			}
			g.c.perRelay[p.idx] = append(g.c.perRelay[p.idx], huge...)
		case StrangeEvents:
			if strange == nil {
				strange = g.strangeEvents(ghost)
			}
			g.c.perRelay[p.idx] = append(g.c.perRelay[p.idx], strange...)
		}
	}
}

// orphanEvents gives dark and hint-only relays events of their own, from
// users nobody else knows.
func (g *generator) orphanEvents() {
	g.orphans = map[int]*nostr.Event{}
	for _, p := range g.plans {
		if !p.dark && !p.hinted {
			continue
		}
		sk := secretKey(g.o.Seed, "orphan-"+p.host)
		note := g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: g.when(100), Content: "nobody lists this relay: " + g.sentence()})
		g.orphans[p.idx] = note
		g.c.perRelay[p.idx] = append(g.c.perRelay[p.idx],
			g.sign(sk, &nostr.Event{Kind: 0, CreatedAt: g.when(100), Content: `{"name":"hermit"}`}), note)
	}
}

// hintOnlyRefs makes one author reply to each hint-only relay's orphan
// note, with that relay as the e and p tag hint: the only way to find it.
func (g *generator) hintOnlyRefs() {
	k := 0
	for _, p := range g.plans {
		if !p.hinted || len(g.c.authors) == 0 {
			continue
		}
		a := g.c.authors[(7*k+3)%len(g.c.authors)]
		k++
		o := g.orphans[p.idx]
		ev := &nostr.Event{Kind: 1, CreatedAt: g.when(30), Content: "found this on a quiet relay",
			Tags: nostr.Tags{{"e", o.ID, p.url, "reply"}, {"p", o.PubKey, p.url}}}
		g.place(a, g.sign(a.sk, ev))
	}
}

// badEvents are one event with a corrupted signature, one whose id does not
// match its content, and a relay list with a corrupted signature that is the
// only reference to the dark relays: a crawler that skips verification
// discovers them, one that verifies does not.
func (g *generator) badEvents(sk string, p *relayPlan) []*nostr.Event {
	badSig := g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: g.when(30), Content: "bad signature on " + p.host})
	corruptSig(badSig)
	badID := g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: g.when(30), Content: "id mismatch on " + p.host})
	badID.Content += " (edited after signing)"
	list := &nostr.Event{Kind: 10002, CreatedAt: g.when(30)}
	for _, d := range g.plans {
		if d.dark {
			list.Tags = append(list.Tags, nostr.Tag{"r", d.url})
		}
	}
	list.Tags = append(list.Tags, nostr.Tag{"r", p.url})
	g.sign(sk, list)
	corruptSig(list)
	out := []*nostr.Event{badSig, badID, list}
	for _, ev := range out {
		g.c.class[ev.ID] = classInvalid
	}
	return out
}

func corruptSig(ev *nostr.Event) {
	b := []byte(ev.Sig)
	if b[10] == '0' {
		b[10] = '1'
	} else {
		b[10] = '0'
	}
	ev.Sig = string(b)
}

func (g *generator) futureEvents(sk string) []*nostr.Event {
	out := []*nostr.Event{
		g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: yearsAhead(g.base, 20), Content: "greetings from the future"}),
		// Past 2^31 (year 2038) and 2^32 (year 2106): overflows 32-bit created_at columns.
		g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: 4320000000, Content: "greetings from the far future"}),
	}
	for _, ev := range out {
		g.c.class[ev.ID] = classFuture
	}
	return out
}

func (g *generator) hugeEvent(sk string) *nostr.Event {
	var b strings.Builder
	b.Grow(hugeContentSize)
	for b.Len() < hugeContentSize {
		b.WriteString("this event is far too large for any sensible relay. ")
	}
	ev := g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: nostr.Timestamp(g.base - 2*365*86400), Content: b.String()})
	g.c.class[ev.ID] = classHuge
	return ev
}

// strangeTagSize is the length of StrangeEvents' long tag value: past the
// 2,048 bytes many stores index, as zap receipts' description tags are.
const strangeTagSize = 10 * 1024

// strangeEvents are valid events that careless stores refuse or mangle: a
// 10 KB tag value (a zap receipt's description), NUL inside a tag value,
// and NUL inside the content.
func (g *generator) strangeEvents(sk string) []*nostr.Event {
	desc := `{"kind":9734,"content":"` + strings.Repeat("z", strangeTagSize) + `"}`
	out := []*nostr.Event{
		g.sign(sk, &nostr.Event{Kind: 9735, CreatedAt: g.when(20), Content: "",
			Tags: nostr.Tags{{"p", strings.Repeat("0", 64)}, {"description", desc}}}),
		g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: g.when(20), Content: "a tag with a NUL",
			Tags: nostr.Tags{{"t", "nul\x00inside"}, {"r", "https://example.com/\x00"}}}),
		g.sign(sk, &nostr.Event{Kind: 1, CreatedAt: g.when(20), Content: "content with a NUL\x00in it",
			Tags: nostr.Tags{}}),
	}
	for _, ev := range out {
		g.c.class[ev.ID] = classStrange
	}
	return out
}
