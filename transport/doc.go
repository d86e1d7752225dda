// Package transport is how every crawler loop reaches relays.
//
// One Transport holds the node's [network] settings and hands out a dialer,
// an HTTP client and WebSocket connections that all share the same rules:
//
//   - clearnet hosts are resolved once (through the configured DNS server or
//     the system resolver), every resolved address is checked, and the
//     connection goes to the checked IP, never to the name again, so a
//     second, different DNS answer cannot slip past the guard;
//   - private, loopback, link-local, multicast, unspecified and other
//     non-public addresses are refused at dial time and on every HTTP
//     redirect, because a relay URL is attacker input; allow_private opens
//     only the machine's own and its LAN's ranges (schema.IsLocalIP);
//   - .onion, .i2p and .loki hosts go through the SOCKS5 proxy of their
//     network with the name passed to the proxy (never resolved locally, which
//     would leak it to the clearnet DNS), or fail with ErrNetworkDisabled;
//   - TLS trusts the system roots plus an optional extra CA file;
//   - WebSocket messages are capped in size and handshakes and reads in time.
//
// Dials record how long each phase took (DNS, TCP connect, TLS, WebSocket
// upgrade) so probes can report them without timing anything themselves.
package transport
