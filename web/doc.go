// Package web serves the node's status page for browsers and its JSON API
// (/api/v1, described by the OpenAPI document at /api/v1/openapi.json) on
// the relay's own listener.
//
// The pages are server-rendered html/template with embedded assets and
// charts drawn as inline SVG on the server: no CDN, no JavaScript, so they
// work in any browser and behind any content policy. Everything is read
// through Source, which the node implements over the archive; the relay
// list is cached for a few seconds, so a busy page never turns into a
// query storm against the store.
//
// The overview's world map is drawn the same way, from Natural Earth land
// embedded in geodata/ (see geodata/NOTICE and internal/landgen, which
// made the file); the relay list's near= filter ranks relays by their
// great-circle distance from a place.
//
// Two optional sources widen the view when the Source also implements
// them (or Options names them): ProvenanceSource (which relays had an
// event, which events a relay delivered first: the event page and search
// box, the relay page's first-seen list) and MonitorSource (what other
// NIP-66 monitors say about each relay, the monitors page). The nip=
// filter and the NIP statistics count what the monitor verified, not what
// relays claim; claimed_nip= filters by the claim.
package web
