package testnet

import "time"

// REQEnd is how a relay ends its answer to a REQ.
type REQEnd string

const (
	EndEOSE   REQEnd = "eose"   // the matching events, then EOSE
	EndClosed REQEnd = "closed" // CLOSED (auth profiles: until AUTH)
	EndNever  REQEnd = "never"  // neither EOSE nor CLOSED for the REQ's id, whatever else arrives
	EndDrop   REQEnd = "drop"   // the connection is cut before the end
	EndNone   REQEnd = "none"   // there is no WebSocket to send a REQ on
)

// OKMode is how a relay answers an EVENT from a client that did not AUTH.
type OKMode string

const (
	OKAccepted OKMode = "accepted" // OK true
	OKRefused  OKMode = "refused"  // OK false with a reason
	OKNone     OKMode = "never"    // no OK at all
	OKNoSocket OKMode = "none"     // no WebSocket to send an EVENT on
)

// Behavior is what the manifest says about how a relay talks, so that tests
// can assert on it without knowing profile names.
type Behavior struct {
	Hostile bool   `json:"hostile"` // built to stall, flood or poison a client
	Summary string `json:"summary"` // one line, for people
	REQEnd  REQEnd `json:"req_end"`
	OK      OKMode `json:"ok"`
	// Endless: frames keep coming after the REQ (or the connection) until the
	// client leaves or the relay's safety budget (Hostility) runs out.
	Endless bool `json:"endless,omitempty"`
	// DistinctEvents: the endless frames are new, distinct, validly signed
	// events matching the filter's kinds and time window.
	DistinctEvents bool `json:"distinct_events,omitempty"`
	// LimitIgnored: a REQ may get more events than its limit.
	LimitIgnored bool `json:"limit_ignored,omitempty"`
	// FilterIgnored: a REQ may get events its filter excludes.
	FilterIgnored bool `json:"filter_ignored,omitempty"`
}

// Hostility is the network-wide pacing and safety budget of the hostile
// profiles, as the manifest reports it.
type Hostility struct {
	StreamRate     int   `json:"stream_rate"`      // events per second of streaming profiles
	DripEveryMS    int64 `json:"drip_every_ms"`    // period of NOTICE, AUTH and other-subscription drips
	StreamMax      int   `json:"stream_max"`       // frames per subscription before an endless behaviour stops
	StreamForMS    int64 `json:"stream_for_ms"`    // time per subscription (and NIP-11 response) before it stops
	ByteDelayMS    int64 `json:"byte_delay_ms"`    // slow-frames' pause between bytes
	HugeFrameBytes int   `json:"huge_frame_bytes"` // huge-frame's frame size
	GzipBombBytes  int   `json:"gzip_bomb_bytes"`  // nip11-gzip-bomb's inflated size
}

func hostilityOf(o *Options) Hostility {
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	return Hostility{
		StreamRate: o.StreamRate, DripEveryMS: ms(o.DripEvery), StreamMax: o.StreamMax,
		StreamForMS: ms(o.StreamFor), ByteDelayMS: ms(o.ByteDelay), HugeFrameBytes: o.HugeFrame,
		GzipBombBytes: gzipBombSize,
	}
}

// behaviors describes every profile. A test checks it has an entry for
// each one.
var behaviors = map[Profile]Behavior{
	Healthy:          {Summary: "serves reads and writes, NIP-11, COUNT and negentropy", REQEnd: EndEOSE, OK: OKAccepted},
	Slow:             {Summary: "delays EOSE and OK by slow_delay", REQEnd: EndEOSE, OK: OKAccepted},
	AuthRead:         {Summary: "CLOSED auth-required on REQ until AUTH", REQEnd: EndClosed, OK: OKAccepted},
	AuthWrite:        {Summary: "OK false auth-required on EVENT until AUTH", REQEnd: EndEOSE, OK: OKRefused},
	AuthAll:          {Summary: "AUTH required for REQ and EVENT", REQEnd: EndClosed, OK: OKRefused},
	Paid:             {Summary: "refuses writes: payment required", REQEnd: EndEOSE, OK: OKRefused},
	RestrictedWrites: {Summary: "refuses writes: restricted", REQEnd: EndEOSE, OK: OKRefused},
	Capped:           {Summary: "at most cap events per REQ whatever the limit", REQEnd: EndEOSE, OK: OKAccepted},
	Flood:            {Hostile: true, Summary: "ignores limit: every matching event at once", REQEnd: EndEOSE, OK: OKAccepted, LimitIgnored: true},
	Drop:             {Hostile: true, Summary: "cuts the connection halfway through a REQ", REQEnd: EndDrop, OK: OKAccepted},
	RateLimited:      {Summary: "one REQ and one EVENT per second per connection", REQEnd: EndEOSE, OK: OKAccepted},
	Echo:             {Summary: "WebSocket echo server: not Nostr", REQEnd: EndNever, OK: OKNone},
	HTTPOnly:         {Summary: "HTTP 200 text/html for everything, no WebSocket", REQEnd: EndNone, OK: OKNoSocket},
	Closed:           {Summary: "nothing listens", REQEnd: EndNone, OK: OKNoSocket},
	NIP11Missing:     {Summary: "NIP-11 404", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11Invalid:     {Summary: "NIP-11 body not JSON", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11WrongType:   {Summary: "NIP-11 served as text/html", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11Huge:        {Hostile: true, Summary: "NIP-11 of 5 MB", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11Redirect:    {Hostile: true, Summary: "NIP-11 redirects to the cloud metadata address", REQEnd: EndEOSE, OK: OKAccepted},
	FakeNIPs:         {Summary: "claims NIPs 45, 50, 77 and refuses them", REQEnd: EndEOSE, OK: OKAccepted},
	BadEvents:        {Hostile: true, Summary: "serves events with bad signatures and bad ids among valid ones", REQEnd: EndEOSE, OK: OKAccepted},
	FutureEvents:     {Hostile: true, Summary: "serves validly signed events dated decades ahead", REQEnd: EndEOSE, OK: OKAccepted},
	HugeEvent:        {Hostile: true, Summary: "serves a validly signed event of about 2 MiB", REQEnd: EndEOSE, OK: OKAccepted},
	Flapping:         {Summary: "listens and stops listening on a schedule", REQEnd: EndEOSE, OK: OKAccepted},

	EndlessStream: {Hostile: true, Summary: "endless distinct validly signed events, never EOSE", REQEnd: EndNever,
		OK: OKAccepted, Endless: true, DistinctEvents: true, LimitIgnored: true},
	NoticeDrip:    {Hostile: true, Summary: "a NOTICE every drip period, never EOSE", REQEnd: EndNever, OK: OKAccepted, Endless: true},
	OtherSubID:    {Hostile: true, Summary: "EVENT and EOSE frames for another subscription id, every drip period", REQEnd: EndNever, OK: OKAccepted, Endless: true},
	NoEOSE:        {Hostile: true, Summary: "the matching events, then silence: no EOSE", REQEnd: EndNever, OK: OKAccepted},
	AfterEOSE:     {Hostile: true, Summary: "EOSE, then new distinct events forever", REQEnd: EndEOSE, OK: OKAccepted, Endless: true, DistinctEvents: true},
	Silent:        {Hostile: true, Summary: "WebSocket upgrade, then never a data frame", REQEnd: EndNever, OK: OKNone},
	SlowFrames:    {Hostile: true, Summary: "every byte written separately, byte_delay apart", REQEnd: EndEOSE, OK: OKAccepted},
	RepeatLoop:    {Hostile: true, Summary: "the same events over and over, never EOSE", REQEnd: EndNever, OK: OKAccepted, Endless: true, LimitIgnored: true},
	StrangeEvents: {Hostile: true, Summary: "validly signed events with 10 KB tag values and NUL in tags and content", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11NUL:      {Hostile: true, Summary: "NIP-11 with \\u0000 in its strings", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11BadUTF8:  {Hostile: true, Summary: "NIP-11 with invalid UTF-8 in its strings", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11Endless:  {Hostile: true, Summary: "a NIP-11 document that never ends", REQEnd: EndEOSE, OK: OKAccepted},
	NIP11GzipBomb: {Hostile: true, Summary: "NIP-11 gzip bomb: 256 KiB on the wire, 256 MiB inflated", REQEnd: EndEOSE, OK: OKAccepted},
	AuthLoop: {Hostile: true, Summary: "AUTH challenges forever; authenticating never helps", REQEnd: EndClosed,
		OK: OKRefused, Endless: true},
	ClosedLoop:        {Hostile: true, Summary: "one event and CLOSED asking for the REQ again, on every REQ", REQEnd: EndClosed, OK: OKAccepted},
	RateLimitedAlways: {Hostile: true, Summary: "CLOSED rate-limited on every REQ, OK false rate-limited on every EVENT", REQEnd: EndClosed, OK: OKRefused},
	MalformedJSON:     {Hostile: true, Summary: "malformed frames among the events, then EOSE", REQEnd: EndEOSE, OK: OKAccepted},
	HugeFrame:         {Hostile: true, Summary: "one text frame of huge_frame_bytes after the first event", REQEnd: EndEOSE, OK: OKAccepted},
	BinaryFrames:      {Hostile: true, Summary: "NIP-01 in binary frames", REQEnd: EndEOSE, OK: OKAccepted},
	PingFlood:         {Hostile: true, Summary: "pings back to back from connect, reads served normally", REQEnd: EndEOSE, OK: OKAccepted, Endless: true},
	OKNever:           {Hostile: true, Summary: "never answers an EVENT", REQEnd: EndEOSE, OK: OKNone},
	OKFalse:           {Hostile: true, Summary: "OK false error: for every EVENT", REQEnd: EndEOSE, OK: OKRefused},
	WrongKind:         {Hostile: true, Summary: "ignores kinds, authors, ids and tags of the filter", REQEnd: EndEOSE, OK: OKAccepted, FilterIgnored: true},
	OutOfWindow:       {Hostile: true, Summary: "ignores since and until of the filter", REQEnd: EndEOSE, OK: OKAccepted, FilterIgnored: true},
	TCPStall:          {Hostile: true, Summary: "accepts TCP, never sends a byte: TLS and HTTP stall", REQEnd: EndNone, OK: OKNoSocket},
	WSStall:           {Hostile: true, Summary: "serves NIP-11, never answers a WebSocket upgrade", REQEnd: EndNone, OK: OKNoSocket},
	ResetMidFrame:     {Hostile: true, Summary: "half a frame, then a TCP reset", REQEnd: EndDrop, OK: OKAccepted},
}

// rawProfiles run on session.go's raw WebSocket instead of khatru.
var rawProfiles = map[Profile]bool{
	EndlessStream: true, NoticeDrip: true, OtherSubID: true, NoEOSE: true, AfterEOSE: true, Silent: true,
	SlowFrames: true, RepeatLoop: true, AuthLoop: true, ClosedLoop: true, RateLimitedAlways: true,
	MalformedJSON: true, HugeFrame: true, BinaryFrames: true, PingFlood: true, OKNever: true, ResetMidFrame: true,
}
