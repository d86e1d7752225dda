package testnet

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// URLKind classifies a URL string found in the network's events.
type URLKind string

const (
	URLRelay   URLKind = "relay"    // a testnet relay (possibly spelled non-canonically)
	URLDead    URLKind = "dead"     // well-formed, but nothing answers (NXDOMAIN, unknown overlay name)
	URLPrivate URLKind = "private"  // a literal private/reserved address or localhost: reject
	URLInvalid URLKind = "invalid"  // not a relay URL at all: reject
	URLTooLong URLKind = "too-long" // over 2048 characters, or a host label over 63: reject
)

// urlInfo says what one URL string stands for.
type urlInfo struct {
	kind      URLKind
	canonical string // the relay's URL for URLRelay; the string itself otherwise
}

// junkPool is the set of bad URLs the generator sprinkles into relay lists.
type junkPool struct {
	byKind map[URLKind][]string
}

func newJunkPool(plans []*relayPlan, rng *rand.Rand) *junkPool {
	port := 7447
	for _, p := range plans {
		if p.network == Clearnet && p.port != 0 {
			port = p.port
			break
		}
	}
	n := len(plans)
	j := &junkPool{byKind: map[URLKind][]string{}}
	j.byKind[URLPrivate] = []string{
		"wss://10.0.0.1:7777", "wss://192.168.1.20", "wss://172.16.5.4:8080",
		"wss://169.254.10.10", "wss://100.64.1.1", "wss://192.0.2.33",
		"wss://[fd12:3456::1]", "wss://[fe80::1]:7000", "wss://localhost:4848",
	}
	j.byKind[URLInvalid] = []string{
		"wss://", "relay-1.testnet", "https://relay-2.testnet",
		fmt.Sprintf("wss://relay-1.testnet:%d", 99999), "wss://singlehost",
		"wss://nostr-relay.onion", "wss://bad host.testnet", "wss://-bad-.testnet",
		"nostr:npub1testnet", "ftp://relay-3.testnet", "wss://relay-4.testnet:0",
	}
	j.byKind[URLTooLong] = []string{
		fmt.Sprintf("wss://relay-1.testnet:%d/%s", port, strings.Repeat("a", 2100)),
		"wss://" + strings.Repeat("b", 70) + ".testnet",
	}
	dead := []string{
		fmt.Sprintf("wss://gone-1.%s:%d", Zone, port),
		fmt.Sprintf("wss://gone-2.%s", Zone),
		fmt.Sprintf("wss://relay-%d.%s:%d", n+1000, Zone, port),
	}
	for _, net := range []NetworkName{Tor, I2P, Loki} {
		dead = append(dead, "ws://"+overlayName(net, rng))
	}
	j.byKind[URLDead] = dead
	return j
}

var junkKinds = []URLKind{URLPrivate, URLInvalid, URLTooLong, URLDead}

func (j *junkPool) pick(rng *rand.Rand) (string, URLKind) {
	k := junkKinds[rng.IntN(len(junkKinds))]
	list := j.byKind[k]
	return list[rng.IntN(len(list))], k
}

// variantSpelling returns a non-canonical spelling of a clearnet relay URL
// that every normalizer maps back to it (upper-case host, trailing slash).
func variantSpelling(url string, rng *rand.Rand) string {
	if rng.IntN(2) == 0 {
		return url + "/"
	}
	const scheme = "wss://"
	return scheme + strings.ToUpper(strings.TrimPrefix(url, scheme))
}
