package schema

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile maps internationalized names to punycode the way browsers
// look them up (UTS #46, non-transitional, so "ß" stays "ß"), but without
// the STD3 rules: underscores are legal in DNS labels (RFC 2181) and occur
// in real relay names. The LDH check that STD3 would do is done afterwards
// by validHostname on the ASCII result, for IDN and ASCII hosts alike.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.BidiRule(),
)

// splitAuthority separates host and port. Brackets are required around an
// IPv6 literal; an unbracketed host with several colons is refused rather
// than guessed at.
func splitAuthority(a string) (host, port string, bracketed bool, err error) {
	if strings.HasPrefix(a, "[") {
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "", "", false, errors.New("unclosed '['")
		}
		host, after := a[1:end], a[end+1:]
		if after == "" {
			return host, "", true, nil
		}
		if after[0] != ':' {
			return "", "", false, errors.New("junk after ']'")
		}
		return host, after[1:], true, nil
	}
	switch strings.Count(a, ":") {
	case 0:
		return a, "", false, nil
	case 1:
		i := strings.IndexByte(a, ':')
		return a[:i], a[i+1:], false, nil
	}
	return "", "", false, errors.New("IPv6 address without brackets")
}

// hostInfo is a normalized host and what it says about the relay.
type hostInfo struct {
	host    string // canonical, no brackets
	v6      bool   // an IPv6 literal: bracketed in the URL
	network Network
	private bool // a private address or local name, accepted under AllowPrivate
}

// normalizeHost canonicalizes and classifies the host, rejecting what
// cannot be a relay under o (by default: what cannot be a public relay).
// raw is only for error messages.
func normalizeHost(raw, h string, bracketed bool, o ParseOptions) (hostInfo, error) {
	if bracketed {
		return ipLiteral(raw, h, o)
	}
	if strings.IndexByte(h, '%') >= 0 {
		dec, err := url.PathUnescape(h)
		if err != nil {
			return hostInfo{}, reject(ErrInvalidHost, raw, "bad percent-encoding in host")
		}
		if strings.IndexByte(dec, 0) >= 0 {
			return hostInfo{}, reject(ErrNullByte, raw, "in host")
		}
		h = dec
	}
	if h == "" {
		return hostInfo{}, reject(ErrInvalidHost, raw, "missing host")
	}
	if isASCII(h) {
		h = strings.ToLower(h)
	} else {
		if !utf8.ValidString(h) {
			return hostInfo{}, reject(ErrInvalidHost, raw, "host is not UTF-8")
		}
		a, err := idnaProfile.ToASCII(h)
		if err != nil {
			return hostInfo{}, reject(ErrInvalidHost, raw, "invalid internationalized hostname")
		}
		h = a
	}
	// One trailing dot is the fully-qualified spelling of the same name.
	h = strings.TrimSuffix(h, ".")

	if strings.IndexByte(h, ':') < 0 {
		if a, err := netip.ParseAddr(h); err == nil {
			return checkIP(raw, a, o)
		}
	}
	if endsInNumber(h) {
		// Not a dotted quad, yet a browser, inet_aton or getaddrinfo would
		// read it as an IPv4 address (0177.0.0.1, 0x7f.1, 127.1,
		// 2130706433). Never let such a spelling through.
		a, ok := parseLooseIPv4(h)
		if ok && IsPrivateIP(a) {
			return hostInfo{}, reject(ErrLocalAddress, raw, "host is "+a.String()+" in disguise")
		}
		return hostInfo{}, reject(ErrInvalidHost, raw, "not a dotted-decimal IPv4 address")
	}
	if IsLocalName(h) {
		if !o.AllowPrivate {
			return hostInfo{}, reject(ErrLocalAddress, raw, "local host name")
		}
		// "localhost" is the one single-label name accepted: the others
		// need a search domain to mean anything.
		if h != "localhost" {
			if err := validHostname(h); err != nil {
				return hostInfo{}, reject(ErrInvalidHost, raw, err.Error())
			}
		}
		return hostInfo{host: h, network: Clearnet, private: true}, nil
	}
	if err := validHostname(h); err != nil {
		sentinel := ErrInvalidHost
		if errors.Is(err, errNameLength) {
			sentinel = ErrTooLong
		}
		return hostInfo{}, reject(sentinel, raw, err.Error())
	}
	n, err := overlayNetwork(h)
	if err != nil {
		return hostInfo{}, reject(ErrInvalidHost, raw, err.Error())
	}
	return hostInfo{host: h, network: n}, nil
}

// ipLiteral handles a bracketed host: an IPv6 address without zone. An
// IPv4-mapped address is the IPv4 address it carries, spelled as such.
func ipLiteral(raw, h string, o ParseOptions) (hostInfo, error) {
	if strings.IndexByte(h, '%') >= 0 {
		return hostInfo{}, reject(ErrInvalidHost, raw, "zone or percent-encoding in IPv6 literal")
	}
	a, err := netip.ParseAddr(h)
	if err != nil || !a.Is6() {
		return hostInfo{}, reject(ErrInvalidHost, raw, "invalid IPv6 literal")
	}
	return checkIP(raw, a.Unmap(), o)
}

func checkIP(raw string, a netip.Addr, o ParseOptions) (hostInfo, error) {
	if !IsPrivateIP(a) {
		return hostInfo{host: a.String(), v6: a.Is6(), network: Clearnet}, nil
	}
	if o.AllowPrivate && IsLocalIP(a) {
		return hostInfo{host: a.String(), v6: a.Is6(), network: Clearnet, private: true}, nil
	}
	return hostInfo{}, reject(ErrLocalAddress, raw, a.String()+" is not a public address")
}

var errNameLength = errors.New("too long")

// validHostname: at least two labels, at most 253 bytes, labels of 1-63
// bytes from [a-z0-9_-] not starting or ending with '-', and a top-level
// label that starts with a letter and has no '_' (every delegated TLD is
// alphabetic or "xn--"; this also keeps numeric names out).
func validHostname(h string) error {
	if len(h) > 253 {
		return fmt.Errorf("%w: host name over 253 bytes", errNameLength)
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return errors.New("host name needs a dot")
	}
	for _, l := range labels {
		if len(l) > 63 {
			return fmt.Errorf("%w: host label over 63 bytes", errNameLength)
		}
		if !validLabel(l) {
			return errors.New("invalid host label " + quoteInput(l))
		}
	}
	tld := labels[len(labels)-1]
	if !isASCIIAlpha(tld[0]) || strings.IndexByte(tld, '_') >= 0 {
		return errors.New("invalid top-level domain " + quoteInput(tld))
	}
	return nil
}

func validLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z') && !isASCIIDigit(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// overlayNetwork classifies a valid lower-case host name by its suffix and
// checks overlay names strictly: a name that claims an overlay but cannot
// exist there is invalid, never clearnet.
func overlayNetwork(h string) (Network, error) {
	labels := strings.Split(h, ".")
	n := len(labels)
	switch labels[n-1] {
	case "onion":
		// v3 (56 chars) or v2 (16 chars, retired by Tor in 2021 but
		// accepted as the seed did); subdomains to the left are allowed.
		if id := labels[n-2]; (len(id) == 56 || len(id) == 16) && isBase32(id) {
			return Tor, nil
		}
		return "", errors.New("not a valid onion address")
	case "i2p":
		if labels[n-2] != "b32" {
			return I2P, nil
		}
		if n == 3 && len(labels[0]) == 52 && isBase32(labels[0]) {
			return I2P, nil
		}
		return "", errors.New("not a valid .b32.i2p address")
	case "loki":
		// Lokinet addresses are 52 characters of z-base32, whose alphabet
		// (unlike RFC 4648 base32's) has the digits 1 and 3-9; both are
		// accepted.
		if n == 2 && len(labels[0]) == 52 && strings.Trim(labels[0], "abcdefghijklmnopqrstuvwxyz123456789") == "" {
			return Loki, nil
		}
		return "", errors.New("not a valid .loki address")
	}
	return Clearnet, nil
}

// isBase32 is the lower-case RFC 4648 alphabet.
func isBase32(s string) bool {
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") == ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
