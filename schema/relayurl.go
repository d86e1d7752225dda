package schema

import (
	"strconv"
	"strings"
)

// MaxRelayURLLength bounds the canonical form. Longer URLs overflowed the
// seed's B-tree index rows and stopped its services; no real relay needs one.
const MaxRelayURLLength = 2048

// maxRawInput bounds the untrusted input before any work is done on it. A
// longer input could only normalize to something short by dropping most of
// itself (a junk path or query), and such inputs are refused outright.
const maxRawInput = 16 << 10

// RelayURL is a relay's address in its one canonical form:
//
//	scheme://host[:port][/path]
//
// where the scheme is enforced by the network (wss on the clearnet, ws on
// overlays) except for a private host accepted under AllowPrivate, which
// keeps the scheme it was given (see ParseOptions), the host is lower-case ASCII (punycode for IDNs, RFC 5952
// text for IPv6, bracketed in the URL only), the port is present only when
// it is not the scheme's default, and the path has no empty, dot or
// trailing segments. Query, fragment and user info never survive.
//
// The type is an immutable value: it has no exported fields, it is only
// built by ParseRelayURL, and two RelayURLs are == exactly when their
// canonical strings are equal, so it can be a map key. The zero value is
// the empty, invalid URL (IsZero); every method is safe on it.
type RelayURL struct {
	s       string
	scheme  string
	host    string
	path    string
	port    uint16
	network Network
	private bool
}

// ParseOptions is the policy a parse applies. The zero value is the public
// policy of ParseRelayURL. It is a value, not a global: the URL model stays
// pure, and the node passes its [network] allow_private down to every loop
// that reads relay URLs.
type ParseOptions struct {
	// AllowPrivate accepts relays on the operator's own machine and
	// network: IP literals that IsLocalIP accepts (loopback, RFC 1918,
	// shared address space, IPv4 and IPv6 link-local, IPv6 unique local)
	// and the private name zones of IsLocalName plus "localhost" itself.
	// Such a URL keeps its scheme: ws:// stays ws://, since a relay on a
	// LAN or on localhost commonly serves plain WebSocket and has no
	// certificate for its address, so forcing wss:// would make it
	// unreachable. Public hosts are unaffected (wss://, as always), and
	// every other non-public range (unspecified, multicast, documentation,
	// 6to4, obfuscated IPv4 spellings, ...) stays refused.
	AllowPrivate bool
}

// ParseRelayURL is the tolerant normalizer for untrusted relay URLs (from
// events, NIP-11 documents, peers, HTTP sources, config). It fixes harmless
// variance (case, default ports, trailing slashes, dot segments, IDN, IPv6
// spelling, the scheme) and rejects what cannot be a public relay with one
// of the sentinel errors, wrapped with a detail and the truncated input.
//
// Rejected: a scheme other than ws/wss; NUL bytes; hosts that are not a
// valid DNS name with a dot, a valid onion/i2p/loki name or an IP literal;
// local names (IsLocalName) and non-public IPs (IsPrivateIP), including
// IPv4 addresses in obfuscated spellings (0177.0.0.1, 0x7f.1, 2130706433);
// ports outside 1-65535; canonical forms over MaxRelayURLLength. These
// checks are lexical: a public-looking name may still resolve to a private
// address, which transport refuses at dial time with IsPrivateIP.
//
// A path with any segment outside [A-Za-z0-9-._~:] (after percent
// decoding), or not starting and ending alphanumeric, is dropped whole
// rather than rejected: URLs scraped from text often carry junk after the
// relay's address ("wss://relay.example.com/%0Awss://nos.lol"), and the
// address before it is still the relay.
//
// The trailing slash is dropped, as the seed did: for the root path both
// spellings send the same "GET /" handshake, so keeping both would store
// and probe every such relay twice; for deeper paths relay software serves
// "/x" and "/x/" alike, and one spelling per relay is what deduplication
// needs. NIP-66 "d" tags therefore carry no trailing slash either.
func ParseRelayURL(raw string) (RelayURL, error) {
	return ParseRelayURLWith(raw, ParseOptions{})
}

// ParseRelayURLWith is ParseRelayURL under the policy o. With the zero
// ParseOptions the two are identical.
func ParseRelayURLWith(raw string, o ParseOptions) (RelayURL, error) {
	if len(raw) > maxRawInput {
		return RelayURL{}, reject(ErrTooLong, raw, "input over "+strconv.Itoa(maxRawInput)+" bytes")
	}
	if strings.IndexByte(raw, 0) >= 0 {
		return RelayURL{}, reject(ErrNullByte, raw, "")
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return RelayURL{}, reject(ErrEmpty, raw, "")
	}

	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !isSchemeSyntax(scheme) {
		return RelayURL{}, reject(ErrInvalidScheme, raw, "missing scheme")
	}
	if scheme = strings.ToLower(scheme); scheme != "ws" && scheme != "wss" {
		return RelayURL{}, reject(ErrInvalidScheme, raw, "")
	}
	rest, ok = strings.CutPrefix(rest, "//")
	if !ok {
		return RelayURL{}, reject(ErrInvalidHost, raw, "missing //host")
	}

	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	rawPath := tail
	if i := strings.IndexAny(tail, "?#"); i >= 0 {
		rawPath = tail[:i]
	}
	// A backslash is refused because browsers read it as '/', so
	// "a.com\@b.com" would name two different hosts. User info is dropped
	// (the last '@' ends it, as in browsers): Nostr relays take no
	// credentials in the URL, and the host after it is where a client
	// would connect.
	if strings.IndexByte(authority, '\\') >= 0 {
		return RelayURL{}, reject(ErrInvalidHost, raw, "backslash in authority")
	}
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}

	hostPart, portPart, bracketed, err := splitAuthority(authority)
	if err != nil {
		return RelayURL{}, reject(ErrInvalidHost, raw, err.Error())
	}
	h, err := normalizeHost(raw, hostPart, bracketed, o)
	if err != nil {
		return RelayURL{}, err
	}
	port, err := parsePort(raw, portPart)
	if err != nil {
		return RelayURL{}, err
	}

	u := RelayURL{scheme: h.network.Scheme(), host: h.host, network: h.network, path: normalizePath(rawPath), private: h.private}
	if h.private {
		u.scheme = scheme
	}
	if port != defaultPort(u.scheme) {
		u.port = uint16(port)
	}
	u.s = u.build(h.v6)
	if len(u.s) > MaxRelayURLLength {
		return RelayURL{}, reject(ErrTooLong, raw, "canonical form over "+strconv.Itoa(MaxRelayURLLength)+" bytes")
	}
	return u, nil
}

// ParseCanonicalRelayURL accepts only a URL already in canonical form, as
// stored in the database: anything ParseRelayURL would change is refused
// with ErrNotCanonical, so drift between the stored and the computed form
// is noticed instead of silently creating a second row.
func ParseCanonicalRelayURL(s string) (RelayURL, error) {
	return ParseCanonicalRelayURLWith(s, ParseOptions{})
}

// ParseCanonicalRelayURLWith is ParseCanonicalRelayURL under the policy o.
func ParseCanonicalRelayURLWith(s string, o ParseOptions) (RelayURL, error) {
	u, err := ParseRelayURLWith(s, o)
	if err != nil {
		return RelayURL{}, err
	}
	if u.s != s {
		return RelayURL{}, reject(ErrNotCanonical, s, "canonical form is "+quoteInput(u.s))
	}
	return u, nil
}

// MustRelayURL is ParseRelayURL for constants and tests; it panics on error.
func MustRelayURL(s string) RelayURL {
	u, err := ParseRelayURL(s)
	if err != nil {
		panic(err)
	}
	return u
}

// String is the canonical form ("" for the zero value), at most
// MaxRelayURLLength bytes.
func (u RelayURL) String() string { return u.s }

// IsZero reports whether u is the zero (empty, invalid) value.
func (u RelayURL) IsZero() bool { return u.s == "" }

// Network is the overlay the relay is reached through ("" for the zero value).
func (u RelayURL) Network() Network { return u.network }

// Scheme is "wss" on the clearnet and "ws" on overlays; a private host
// (IsPrivate) has the scheme it was written with. "" for the zero value.
func (u RelayURL) Scheme() string { return u.scheme }

// IsPrivate reports whether the host is a private address or a local name,
// accepted only under ParseOptions.AllowPrivate. Such a relay is reached
// over the clearnet dialer but is no public relay: no certificate, DNS or
// GeoIP check says anything useful about it.
func (u RelayURL) IsPrivate() bool { return u.private }

// Host is the canonical host without IPv6 brackets.
func (u RelayURL) Host() string { return u.host }

// Port is the explicit port, or 0 when it is the scheme's default.
func (u RelayURL) Port() int { return int(u.port) }

// Path is the canonical path ("/a/b"), or "" when there is none.
func (u RelayURL) Path() string { return u.path }

// HTTPURL is the same host, port and path over HTTP (ws -> http, wss ->
// https), where a relay serves its NIP-11 document. The default ports of
// ws/http (80) and wss/https (443) coincide, so the port carries over as is.
func (u RelayURL) HTTPURL() string {
	if u.IsZero() {
		return ""
	}
	return "http" + strings.TrimPrefix(u.s, "ws")
}

// MarshalText writes the canonical form, so RelayURL works as a JSON or
// TOML string and as a JSON object key.
func (u RelayURL) MarshalText() ([]byte, error) { return []byte(u.s), nil }

// UnmarshalText parses with ParseRelayURL; an empty text gives the zero
// value, mirroring MarshalText.
func (u *RelayURL) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*u = RelayURL{}
		return nil
	}
	v, err := ParseRelayURL(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}

func (u RelayURL) build(bracket bool) string {
	var b strings.Builder
	b.Grow(len(u.host) + len(u.path) + 16)
	b.WriteString(u.scheme)
	b.WriteString("://")
	if bracket {
		b.WriteByte('[')
		b.WriteString(u.host)
		b.WriteByte(']')
	} else {
		b.WriteString(u.host)
	}
	if u.port != 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(int(u.port)))
	}
	b.WriteString(u.path)
	return b.String()
}

func defaultPort(scheme string) int {
	if scheme == "wss" {
		return 443
	}
	return 80
}

// isSchemeSyntax is RFC 3986's scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isSchemeSyntax(s string) bool {
	if s == "" || !isASCIIAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isASCIIAlpha(c) && !isASCIIDigit(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// parsePort accepts an empty port (RFC 3986 allows "host:") as the default.
func parsePort(raw, p string) (int, error) {
	if p == "" {
		return 0, nil
	}
	for i := 0; i < len(p); i++ {
		if !isASCIIDigit(p[i]) {
			return 0, reject(ErrInvalidPort, raw, "port "+quoteInput(p)+" is not a number")
		}
	}
	n, err := strconv.ParseUint(p, 10, 32)
	if err != nil || n < 1 || n > 65535 {
		return 0, reject(ErrInvalidPort, raw, "port "+quoteInput(p)+" out of range 1-65535")
	}
	return int(n), nil
}

func isASCIIAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }
