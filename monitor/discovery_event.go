package monitor

import (
	"slices"
	"strconv"
	"strings"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
)

// NIP-66 kinds.
const (
	KindRelayDiscovery      = 30166
	KindMonitorAnnouncement = 10166
)

// NIP-32 label namespaces of the 30166 "l" tags, each announced by an "L"
// tag (NIP-32: with an L tag, the l marks must match it).
const (
	LabelCountry  = "ISO-3166-1" // where the server is, per the GeoIP City database (alpha-2)
	LabelLanguage = "ISO-639-1"  // the relay's NIP-11 language_tags, primary subtags of two letters
	LabelTimeZone = "IANA-tz"    // the server's time zone, per the GeoIP City database
	LabelASN      = "IANA-asn"   // the autonomous system announcing the server's address
)

// maxContent caps the NIP-11 document carried as 30166 content: a larger
// one would be refused by relays' message limits (the node's included).
// The parsed document is still in the nip11 snapshot.
const maxContent = 64 << 10

// RelayDiscovery builds the unsigned kind 30166 event for a reachable
// relay's check, with created_at the check time:
//
//   - d: the relay URL in its canonical form (schema.RelayURL: lower-case
//     host, no default port, no trailing slash), the same string every
//     bigbrotr table and API uses for the relay.
//   - n: the network; rtt-open, rtt-read, rtt-write: milliseconds, as
//     strings, for each phase that succeeded.
//   - N: the NIPs claimed in NIP-11 that were not disproved by the nips
//     check (NIPsOutcome.Published); none without a NIP-11 document.
//   - R: auth, payment, writes and pow, "!"-negated when false; what the
//     probes proved (RTTOutcome.Requirements) beats what NIP-11 claims;
//     a key neither knows is left out.
//   - T: Search (NIP-50 published), Community (NIP-29), Paid, and one of
//     PrivateStorage, PrivateInbox, PublicOutbox, PublicInbox from who may
//     read and write.
//   - t: NIP-11 tags; k: the write test's kind when it was accepted, and
//     "!"+kind for kinds NIP-11 retention says are not stored (time 0).
//   - g: the geohash of the server's location (GeoIP City).
//   - L/l: NIP-32 labels, see the Label* namespaces.
//
// Every value but d is cleaned of control characters and invalid UTF-8 and
// capped (cleanTags). content is the relay's NIP-11 document re-encoded as
// valid JSON (publishableJSON: keys in the order served, compact), or ""
// when there is none (or it is over 64 KiB).
func RelayDiscovery(r *Result) nostr.Event {
	ev := nostr.Event{Kind: KindRelayDiscovery, CreatedAt: nostr.Timestamp(r.At.Unix())}
	tags := nostr.Tags{{"d", r.URL.String()}, {"n", string(r.URL.Network())}}

	rtt := outcome[*probe.RTTOutcome](r, probe.CheckRTT)
	doc := outcome[*probe.NIP11Outcome](r, probe.CheckNIP11)
	var info *probe.NIP11Info
	if doc != nil && doc.Success {
		info = doc.Info
		if content, err := publishableJSON(doc.Raw); err == nil && len(content) <= maxContent {
			ev.Content = string(content)
		}
	}
	if rtt != nil {
		for _, p := range []struct {
			name string
			ph   *probe.Phase
		}{{"rtt-open", &rtt.Open}, {"rtt-read", rtt.Read}, {"rtt-write", rtt.Write}} {
			if ms := p.ph.MS(); ms != "" {
				tags = append(tags, nostr.Tag{p.name, ms})
			}
		}
	}
	var nips []int
	if info != nil {
		nips = info.SupportedNIPs
		if o := outcome[*probe.NIPsOutcome](r, probe.CheckNIPs); o != nil && o.Success {
			nips = o.Published()
		}
	}
	for _, n := range nips {
		tags = append(tags, nostr.Tag{"N", strconv.Itoa(n)})
	}
	req := requirements(rtt, info)
	for _, k := range []string{"auth", "payment", "writes", "pow"} {
		if v, ok := req[k]; ok {
			tags = append(tags, nostr.Tag{"R", negate(k, v)})
		}
	}
	for _, t := range relayTypes(rtt, req, nips) {
		tags = append(tags, nostr.Tag{"T", t})
	}
	if info != nil {
		for _, t := range topics(info.Tags) {
			tags = append(tags, nostr.Tag{"t", t})
		}
	}
	for _, k := range kinds(rtt, info) {
		tags = append(tags, nostr.Tag{"k", k})
	}
	geo := outcome[*probe.GeoOutcome](r, probe.CheckGeo)
	if geo != nil && geo.Success && geo.Geohash != "" {
		tags = append(tags, nostr.Tag{"g", geo.Geohash})
	}
	ev.Tags = cleanTags(append(tags, labels(r, info)...))
	return ev
}

func negate(k string, v bool) string {
	if v {
		return k
	}
	return "!" + k
}

// requirements merges the probes' proof with NIP-11's claims.
func requirements(rtt *probe.RTTOutcome, info *probe.NIP11Info) map[string]bool {
	req := map[string]bool{}
	if info != nil {
		req["auth"] = info.AuthRequired()
		req["payment"] = info.PaymentRequired()
		req["writes"] = info.RestrictedWrites()
		req["pow"] = info.MinPoW() > 0
	}
	for k, v := range rtt.Requirements() {
		req[k] = v
	}
	return req
}

// relayTypes derives the T tags (nostr-protocol/nips issue #1282 names).
// Who may read comes from the read phase; who may write from the write
// phase, or from R when there was none.
func relayTypes(rtt *probe.RTTOutcome, req map[string]bool, nips []int) []string {
	var out []string
	if slices.Contains(nips, 50) {
		out = append(out, "Search")
	}
	if slices.Contains(nips, 29) {
		out = append(out, "Community")
	}
	if req["payment"] {
		out = append(out, "Paid")
	}
	if rtt == nil || rtt.Read == nil {
		return out
	}
	readAuth := rtt.Read.AuthRequired
	var writeRestricted bool
	if w := rtt.Write; w != nil {
		// A write that rode on the read's AUTH proves nothing for anyone
		// else: count it restricted, as AUTH to read mostly means AUTH
		// for everything.
		writeRestricted = w.AuthRequired || w.AfterAuth || !w.Success && probe.Requirement(w.Reason) != ""
	} else {
		writeRestricted = req["payment"] || req["writes"] || req["auth"] && !readAuth
	}
	switch {
	case readAuth && writeRestricted:
		out = append(out, "PrivateStorage")
	case readAuth:
		out = append(out, "PrivateInbox")
	case writeRestricted:
		out = append(out, "PublicOutbox")
	default:
		out = append(out, "PublicInbox")
	}
	return out
}

// kinds are the k tags: the write test's kind when the relay accepted it,
// then "!kind" for each single kind NIP-11 retention says is not stored.
func kinds(rtt *probe.RTTOutcome, info *probe.NIP11Info) []string {
	var out []string
	if rtt != nil && rtt.Write != nil && rtt.Write.Success {
		out = append(out, strconv.Itoa(probe.DefaultWriteKind))
	}
	if info == nil {
		return out
	}
	var refused []int
	for _, r := range info.Retention {
		if r.Time == nil || *r.Time != 0 {
			continue
		}
		for _, k := range r.Kinds {
			if k.From == k.To && k.From >= 0 && k.From <= 65535 {
				refused = append(refused, int(k.From))
			}
		}
	}
	slices.Sort(refused)
	for _, k := range slices.Compact(refused) {
		out = append(out, "!"+strconv.Itoa(k))
	}
	return out
}

// labels are the NIP-32 L/l pairs, namespace by namespace.
func labels(r *Result, info *probe.NIP11Info) nostr.Tags {
	var out nostr.Tags
	add := func(ns string, values ...string) {
		values = dedupe(values)
		if len(values) == 0 {
			return
		}
		out = append(out, nostr.Tag{"L", ns})
		for _, v := range values {
			out = append(out, nostr.Tag{"l", v, ns})
		}
	}
	if geo := outcome[*probe.GeoOutcome](r, probe.CheckGeo); geo != nil && geo.Success {
		add(LabelCountry, geo.Country)
		add(LabelTimeZone, geo.TimeZone)
	}
	if info != nil {
		add(LabelLanguage, languages(info.LanguageTags)...)
	}
	if n := outcome[*probe.NetOutcome](r, probe.CheckNet); n != nil && n.Success && n.ASN != 0 {
		add(LabelASN, strconv.FormatUint(uint64(n.ASN), 10))
	}
	return out
}

// languages maps IETF language tags to ISO 639-1 codes: the primary subtag
// when it has two letters. "*" (global) means no particular language.
func languages(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t == "*" {
			return nil
		}
		p, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(t)), "-")
		if len(p) == 2 && p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'a' && p[1] <= 'z' {
			out = append(out, p)
		}
	}
	return out
}

// Topic limits: NIP-11 tags are the relay's to write, and one overlong
// value would get the whole 30166 refused by relays' tag limits.
const (
	maxTopics   = 20
	maxTopicLen = 100
)

// topics are the t tags: NIP-11 tags, lower-cased, short ones only.
func topics(tags []string) []string {
	var out []string
	for _, t := range tags {
		t = strings.ToLower(cleanValue(t))
		if len(t) <= maxTopicLen {
			out = append(out, t)
		}
	}
	out = dedupe(out)
	return out[:min(len(out), maxTopics)]
}

// dedupe drops empty and repeated values, keeping the first order.
func dedupe(in []string) []string {
	var out []string
	for _, v := range in {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
