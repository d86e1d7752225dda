// Package probe holds the monitor's checks of one relay, as pure probes in
// the style of Prometheus' blackbox_exporter: one file per probe, one
// signature (Func: func(ctx, Target) (Outcome, error)), one literal Table
// from Check to probe. A probe reaches the relay only through package
// transport (routing, resolver, private-address guard, TLS roots), keeps
// no state between calls, and reads its clock and key from the Target, so
// the same relay state gives the same outcome.
//
// A dead, slow, refusing or broken relay is data: an Outcome whose Status
// has Success false and a Reason from a fixed per-check set (Reasons),
// which is safe as a metrics label. error is kept for a probe that could
// not run: a cancelled ctx (a passed deadline is a "timeout" outcome), a
// check that does not apply (ErrNotApplicable: ssl, dns, geo and net on
// overlays), a missing GeoIP database (ErrDisabled) or a malformed Target
// (ErrBadTarget).
//
// The probes:
//
//   - nip11: the information document (GET with Accept:
//     application/nostr+json, size cap, same-host redirects only), parsed
//     tolerantly by ParseNIP11 (current and retired fields).
//   - rtt: open (WebSocket connect), read (REQ to the first EVENT or EOSE)
//     and write (EVENT to OK, a regular-kind event with a NIP-40
//     expiration signed by the node key), in milliseconds. A refusal is
//     classified by its prefix (Classify) and mapped to NIP-66 "R" keys
//     (Requirement, RTTOutcome.Requirements). NIP-42 AUTH is answered when
//     Target.Auth is set, and the need for it recorded.
//   - nips: the claims of supported_nips that are cheap to test (42, 45,
//     50, 77) put to the test; NIPsOutcome.Published is what "N" tags
//     should carry.
//   - http: the Server and X-Powered-By headers.
//   - ssl: the certificate and TLS session; a bad certificate is data.
//   - dns: A, AAAA, CNAME, the zone's NS, TTL and query time.
//   - geo, net: City and ASN lookups in GeoLite2-format databases
//     (OpenGeoIP), with a geohash (Geohash) of precision 9.
//
// Every Outcome is a plain struct whose JSON form, through
// schema.Canonical, is the content-addressed snapshot the monitor stores.
// Per-run timings other than RTT's are tagged json:"-", so an unchanged
// relay keeps producing the same snapshot id.
package probe
