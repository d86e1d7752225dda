// Package relayserver is the node's own Nostr relay: the WebSocket front
// on the node's URL, its NIP-11 document, and publishing into it.
//
// The relay is an archive: the public reads (REQ, COUNT), and only the
// node key and configured writers publish. It is a khatru Router whose
// hooks come from package policies; EVENT and AUTH are khatru's, saved
// through the archive's group-commit writer. REQ, COUNT and CLOSE are
// answered here instead (session.go, taken from khatru's stream by
// wstap.go), so that an answer cut short ends with CLOSED, never with
// EOSE. NIP-77's NEG-* messages take the same path to a negentropy server
// over the archive (neg.go, negview.go, negproto.go) whose memory does not
// grow with it. The connection tracker (conn.go) owns every WebSocket khatru
// hijacks: per-IP limits, the idle timeout, closing them all on shutdown.
// The registry of open subscriptions (subscriptions.go) is where live
// events find their listeners.
//
// The node's loops publish its own events in-process through
// (*Server).Publish. Only package node imports this one.
package relayserver
