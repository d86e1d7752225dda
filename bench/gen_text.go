package bench

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// words is the vocabulary of generated text. A few entries carry what
// real notes carry and what JSON must escape: quotes, backslashes,
// newlines, non-ASCII and emoji.
var words = strings.Fields(`nostr relay bitcoin zap note the a of and to in is it that for on with
as was at by this be from or have an are not but what all were when we there can your which their
said if do will each about how up out them then she many some so these would other into has more her
two like him see time could no make than first been its who now people my made over did down only way
find use may water long little very after words called just where most know get through back much
before go good new write our used me man too any day same right look think also around another came
come work three word must because does part even place well such here take why things help put years
different away again off went old number great tell men say small every found still between name should
home big give air line set own under read last never us left end along while might next sound below saw
something thought both few those always looked show large often together asked house don't world going
want school important until form food keep children feet land side without boy once animal life enough
took sometimes four head above kind began almost live page got earth need far hand high year mother light
parts country father let night following picture being study second eyes soon times story boys since white
days ever paper hard near sentence better best across during today others however sure means knew it's try
told young miles sun ways thing whole hear example heard several change answer room sea against top turned
learn point city play toward five using himself usually GM pura-vida ☕ 🤙 ⚡ 🌱 日本語 café naïve "quoted"
back\slash #nostr #bitcoin @npub`)

// text returns at most n bytes (and nearly n) of words, with line breaks
// now and then; it never splits a UTF-8 sequence.
func text(r *rand.Rand, n int) string {
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n + 16)
	for b.Len() < n {
		if b.Len() > 0 {
			if r.IntN(14) == 0 {
				b.WriteString("\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	s := b.String()
	for len(s) > n || !utf8.ValidString(s) {
		s = s[:min(len(s), n)-1]
	}
	return s
}

var tlds = []string{"com", "net", "io", "org", "xyz", "social", "land", "wine", "band", "nostr.com"}

// relayURL returns the i-th relay of the synthetic relay population:
// mostly clearnet wss hosts, some with paths or ports, a few onions.
func relayURL(i int) string {
	switch {
	case i%97 == 0:
		h := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		return "ws://" + strings.ToLower(base32.StdEncoding.EncodeToString(append(h[:], h[:3]...))) + ".onion"
	case i%13 == 0:
		return fmt.Sprintf("wss://relay%d.%s.%s/inbox", i, words[i%len(words)%200], tlds[i%len(tlds)])
	case i%17 == 0:
		return fmt.Sprintf("wss://nostr%d.%s:4848", i, tlds[i%len(tlds)])
	default:
		return fmt.Sprintf("wss://relay%d.%s.%s", i, words[(i*7)%200], tlds[i%len(tlds)])
	}
}

// contentLen draws a note length in bytes: mostly short, a tail up to 2 KB.
func contentLen(r *rand.Rand) int {
	switch p := r.IntN(100); {
	case p < 5:
		return 0
	case p < 70:
		return 10 + r.IntN(270)
	case p < 95:
		return 280 + r.IntN(720)
	default:
		return 1000 + r.IntN(1000)
	}
}
