package testnet

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/nbd-wtf/go-nostr"
)

// eventClass says what an archiver should do with an event.
type eventClass int

const (
	classValid   eventClass = iota
	classInvalid            // bad signature or bad id: reject
	classFuture             // validly signed, dated decades ahead
	classHuge               // validly signed, about 2 MiB
	classStrange            // validly signed, 10 KB tag value or NUL in a tag or the content
)

// author is one generated user.
type author struct {
	sk, pk string
	write  []*relayPlan // where its events are stored (and its 10002 "write" entries)
	read   []*relayPlan // its 10002 "read" entries
	notes  []*nostr.Event
}

// content is every generated event and where it lives.
type content struct {
	perRelay map[int][]*nostr.Event
	class    map[string]eventClass
	urls     map[string]urlInfo
	authors  []*author
}

// generator holds the state of one content generation run.
type generator struct {
	o       Options
	rng     *rand.Rand
	plans   []*relayPlan
	junk    *junkPool
	c       *content
	base    int64
	targets []*relayPlan // relays a list may reference: all but dark and hint-only ones
	lists   []*relayPlan // relays that may store URL-carrying events
	lossy   []*relayPlan // other relays with a store (and not dark or hint-only)
	orphans map[int]*nostr.Event
}

func secretKey(seed int64, who string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("bigbrotr-testnet-key/%d/%s", seed, who)))
	return hex.EncodeToString(h[:])
}

func generateContent(o Options, plans []*relayPlan) *content {
	g := &generator{
		o: o, rng: subRNG(o.Seed, "content"), plans: plans, base: o.BaseTime.Unix(),
		c: &content{perRelay: map[int][]*nostr.Event{}, class: map[string]eventClass{}, urls: map[string]urlInfo{}},
	}
	g.junk = newJunkPool(plans, subRNG(o.Seed, "junk"))
	for _, p := range plans {
		g.c.urls[p.url] = urlInfo{kind: URLRelay, canonical: p.url}
		if p.dark || p.hinted {
			continue
		}
		g.targets = append(g.targets, p)
		switch {
		case p.hasStore() && p.listSource():
			g.lists = append(g.lists, p)
		case p.hasStore():
			g.lossy = append(g.lossy, p)
		}
	}
	for k, list := range g.junk.byKind {
		for _, u := range list {
			g.c.urls[u] = urlInfo{kind: k, canonical: u}
		}
	}
	g.makeAuthors()
	g.orphanEvents()
	for _, a := range g.c.authors {
		g.authorEvents(a)
	}
	g.hintOnlyRefs()
	g.extras()
	return g.c
}

func (g *generator) pickDistinct(from []*relayPlan, k int, not []*relayPlan) []*relayPlan {
	var out []*relayPlan
	for tries := 0; len(out) < k && tries < 8*k+8 && len(from) > 0; tries++ {
		p := from[g.rng.IntN(len(from))]
		if !containsPlan(out, p) && !containsPlan(not, p) {
			out = append(out, p)
		}
	}
	return out
}

func containsPlan(list []*relayPlan, p *relayPlan) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

func (g *generator) makeAuthors() {
	hosts := g.lists
	if len(hosts) == 0 {
		hosts = g.lossy
	}
	for i := range g.o.Authors {
		sk := secretKey(g.o.Seed, "author-"+strconv.Itoa(i))
		pk, _ := nostr.GetPublicKey(sk)
		a := &author{sk: sk, pk: pk}
		a.write = g.pickDistinct(hosts, 2+g.rng.IntN(2), nil)
		if len(g.lossy) > 0 && g.rng.IntN(10) < 4 {
			a.write = append(a.write, g.pickDistinct(g.lossy, 1, a.write)...)
		}
		a.read = g.pickDistinct(g.targets, 1+g.rng.IntN(2), a.write)
		g.c.authors = append(g.c.authors, a)
	}
	if len(g.c.authors) == 0 {
		return
	}
	// Every relay with a store holds someone's events, and every target is
	// listed by someone, so only reachability (not chance) decides whether
	// discovery finds it.
	written, listed := map[*relayPlan]bool{}, map[*relayPlan]bool{}
	for _, a := range g.c.authors {
		for _, p := range a.write {
			written[p], listed[p] = true, true
		}
		for _, p := range a.read {
			listed[p] = true
		}
	}
	j := 0
	for _, p := range g.targets {
		a := g.c.authors[j%len(g.c.authors)]
		switch {
		case p.hasStore() && !written[p]:
			a.write = append(a.write, p)
		case !listed[p]:
			a.read = append(a.read, p)
		default:
			continue
		}
		j++
	}
}

func (g *generator) when(maxDays int) nostr.Timestamp {
	return nostr.Timestamp(g.base - int64(g.rng.IntN(maxDays*86400)) - 60)
}

func (g *generator) sign(sk string, ev *nostr.Event) *nostr.Event {
	if ev.Tags == nil {
		ev.Tags = nostr.Tags{}
	}
	if err := ev.Sign(sk); err != nil {
		panic(fmt.Sprintf("testnet: signing: %v", err)) // keys are generated valid
	}
	g.c.class[ev.ID] = classValid
	return ev
}

// place stores an author's event on its write relays; relays that are not
// list sources only get events that carry no relay URL, so discovery's
// ground truth never depends on a crawler's luck with a lossy relay.
func (g *generator) place(a *author, ev *nostr.Event) {
	carries := carriesURLs(ev)
	for _, p := range a.write {
		if p.listSource() || !carries {
			g.c.perRelay[p.idx] = append(g.c.perRelay[p.idx], ev)
		}
	}
}

func carriesURLs(ev *nostr.Event) bool {
	switch ev.Kind {
	case 2, 3, 10002:
		return true
	}
	for _, t := range ev.Tags {
		if len(t) >= 3 && t[2] != "" && (t[0] == "e" || t[0] == "p" || t[0] == "a") {
			return true
		}
	}
	return false
}

// ref returns the URL to write for p: usually canonical, sometimes a
// variant spelling that normalizes to it.
func (g *generator) ref(p *relayPlan, variants bool) string {
	if variants && p.network == Clearnet && g.rng.IntN(8) == 0 {
		v := variantSpelling(p.url, g.rng)
		g.c.urls[v] = urlInfo{kind: URLRelay, canonical: p.url}
		return v
	}
	return p.url
}

func (g *generator) authorEvents(a *author) {
	name := "user-" + a.pk[:8]
	meta, _ := json.Marshal(map[string]string{"name": name, "about": "bigbrotr testnet user", "picture": ""})
	g.place(a, g.sign(a.sk, &nostr.Event{Kind: 0, CreatedAt: g.when(300), Content: string(meta)}))

	// NIP-65 relay list.
	rl := &nostr.Event{Kind: 10002, CreatedAt: g.when(200)}
	for _, p := range a.write {
		if g.rng.IntN(2) == 0 {
			rl.Tags = append(rl.Tags, nostr.Tag{"r", g.ref(p, true)})
		} else {
			rl.Tags = append(rl.Tags, nostr.Tag{"r", g.ref(p, true), "write"})
		}
	}
	for _, p := range a.read {
		rl.Tags = append(rl.Tags, nostr.Tag{"r", g.ref(p, true), "read"})
	}
	if g.rng.IntN(100) < 15 {
		u, _ := g.junk.pick(g.rng)
		rl.Tags = append(rl.Tags, nostr.Tag{"r", u})
	}
	g.place(a, g.sign(a.sk, rl))

	g.place(a, g.sign(a.sk, g.followList(a)))

	// Notes, some replying to earlier authors' notes with relay hints.
	for range 2 + g.rng.IntN(3) {
		ev := &nostr.Event{Kind: 1, CreatedAt: g.when(120), Content: g.sentence()}
		if target, owner := g.earlierNote(); target != nil && g.rng.IntN(2) == 0 {
			hint := g.hintFor(owner)
			ev.Tags = nostr.Tags{{"e", target.ID, hint, "reply"}, {"p", owner.pk, hint}}
		}
		a.notes = append(a.notes, g.sign(a.sk, ev))
		g.place(a, ev)
	}
	// Reactions.
	for range g.rng.IntN(3) {
		if target, owner := g.earlierNote(); target != nil {
			ev := &nostr.Event{Kind: 7, CreatedAt: g.when(60), Content: "+",
				Tags: nostr.Tags{{"e", target.ID, g.hintFor(owner)}, {"p", owner.pk}}}
			g.place(a, g.sign(a.sk, ev))
		}
	}
	// Long-form article.
	if g.rng.IntN(2) == 0 {
		slug := "post-" + strconv.Itoa(g.rng.IntN(1000))
		ev := &nostr.Event{Kind: 30023, CreatedAt: g.when(365), Content: "# " + slug + "\n\n" + g.sentence(),
			Tags: nostr.Tags{{"d", slug}, {"title", slug}}}
		g.place(a, g.sign(a.sk, ev))
	}
	// Legacy kind-2 relay recommendation.
	if g.rng.IntN(4) == 0 {
		u := g.ref(g.targets[g.rng.IntN(len(g.targets))], false)
		if g.rng.IntN(10) < 3 {
			u, _ = g.junk.pick(g.rng)
		}
		g.place(a, g.sign(a.sk, &nostr.Event{Kind: 2, CreatedAt: g.when(900), Content: " " + u + "\n"}))
	}
}

// followList is a kind-3 event with p-tag relay hints and, for half the
// authors, the legacy relay map in content.
func (g *generator) followList(a *author) *nostr.Event {
	ev := &nostr.Event{Kind: 3, CreatedAt: g.when(250)}
	for range 3 + g.rng.IntN(4) {
		f := g.c.authors[g.rng.IntN(len(g.c.authors))]
		if f == a {
			continue
		}
		hint := ""
		if g.rng.IntN(2) == 0 {
			hint = g.hintFor(f)
		}
		ev.Tags = append(ev.Tags, nostr.Tag{"p", f.pk, hint, "friend-" + f.pk[:4]})
	}
	if g.rng.IntN(2) == 0 {
		m := map[string]map[string]bool{}
		for _, p := range a.write {
			m[g.ref(p, true)] = map[string]bool{"read": true, "write": true}
		}
		for _, p := range a.read {
			m[g.ref(p, true)] = map[string]bool{"read": true, "write": false}
		}
		if g.rng.IntN(100) < 10 {
			u, _ := g.junk.pick(g.rng)
			m[u] = map[string]bool{"read": true, "write": true}
		}
		b, _ := json.Marshal(m) // map keys are sorted: deterministic
		ev.Content = string(b)
	}
	return ev
}

func (g *generator) hintFor(a *author) string {
	if len(a.write) == 0 {
		return ""
	}
	return a.write[0].url
}

func (g *generator) earlierNote() (*nostr.Event, *author) {
	var cands []*author
	for _, a := range g.c.authors {
		if len(a.notes) > 0 {
			cands = append(cands, a)
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	a := cands[g.rng.IntN(len(cands))]
	return a.notes[g.rng.IntN(len(a.notes))], a
}

var words = strings.Fields(`nostr relay note zap sats bitcoin lightning pleb gm
	signal noise archive monitor graph seed crawl hello world testnet key event`)

func (g *generator) sentence() string {
	n := 4 + g.rng.IntN(10)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = words[g.rng.IntN(len(words))]
	}
	return strings.Join(ws, " ")
}

func yearsAhead(base int64, years int) nostr.Timestamp {
	return nostr.Timestamp(time.Unix(base, 0).AddDate(years, 0, 0).Unix())
}
