package testnet

import (
	"fmt"
	"net"
)

// writeFiles builds the manifest and writes every output file.
func (n *Network) writeFiles(c *content, geos []*Geo) error {
	if _, _, err := writeGeoIP(n.dir, n.opts.Seed, n.plans); err != nil {
		return fmt.Errorf("testnet: %w", err)
	}
	m := &Manifest{
		Version: ManifestVersion, Seed: n.opts.Seed, BaseTime: n.opts.BaseTime.Unix(), DNS: n.dns.addr,
		Proxies: map[NetworkName]string{},
		CAFile:  FileCA, GeoIPCity: FileGeoCity, GeoIPASN: FileGeoASN,
		NodeConfig: FileNodeConfig, SeedFile: FileSeeds,
		Discovery: computeDiscovery(n.plans, c),
		URLs:      map[string]URLEntry{},
		Hostility: hostilityOf(&n.opts),
	}
	for net, p := range n.proxies {
		m.Proxies[net] = "socks5://" + p.addr()
	}
	for i, r := range n.relays {
		m.Relays = append(m.Relays, buildRelayInfo(r, c, geos[i]))
		if r.plan.seed {
			m.Seeds = append(m.Seeds, r.plan.url)
		}
	}
	for u, info := range c.urls {
		e := URLEntry{Kind: info.kind}
		if info.kind == URLRelay && info.canonical != u {
			e.Canonical = info.canonical
		}
		m.URLs[u] = e
	}
	listen, err := n.nodeListen()
	if err != nil {
		return err
	}
	m.NodeListen = listen
	n.manifest = m
	return writeOutputs(n.dir, m, n.ca.pem, listen)
}

// nodeListen picks the address node.toml gives the node: the fixed service
// port 4 in fixed-port mode, else a port free right now.
func (n *Network) nodeListen() (string, error) {
	if p := n.servicePort(4); p != 0 {
		return fmt.Sprintf("127.0.0.1:%d", p), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("testnet: pick node port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
