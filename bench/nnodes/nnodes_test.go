package nnodes

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/benchchild"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/internal/procstat"
	"github.com/bigbrotr/bigbrotr/monitor"
	"github.com/bigbrotr/bigbrotr/node"
	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

// knobs is one run's size, from the environment (see ../README.md).
type knobs struct {
	relays    int
	interval  time.Duration
	intervals int // measured intervals per phase
}

func readKnobs(tb testing.TB) knobs {
	tb.Helper()
	k := knobs{relays: 300, interval: time.Minute, intervals: 3}
	if s := os.Getenv("BIGBROTR_BENCH_NNODES_RELAYS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("BIGBROTR_BENCH_NNODES_RELAYS=%q: want a positive integer", s)
		}
		k.relays = n
	}
	if s := os.Getenv("BIGBROTR_BENCH_NNODES_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 10*time.Second {
			tb.Fatalf("BIGBROTR_BENCH_NNODES_INTERVAL=%q: want a duration of at least 10s", s)
		}
		k.interval = d
	}
	if s := os.Getenv("BIGBROTR_BENCH_NNODES_INTERVALS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			tb.Fatalf("BIGBROTR_BENCH_NNODES_INTERVALS=%q: want an integer of at least 2", s)
		}
		k.intervals = n
	}
	return k
}

// BenchmarkNNodes monitors one testnet with one node and then with three
// sharing one PostgreSQL database, and prints per phase the relays checked
// per interval (total and per node), each node's CPU per relay check, and
// whether every relay was checked once per interval; then the ratio of
// CPU per check, three nodes over one. Target (issue 17): at most 1.2.
//
//	go test -run '^$' -bench NNodes -benchtime 1x -timeout 60m ./bench/nnodes/
func BenchmarkNNodes(b *testing.B) {
	k := readKnobs(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tn, err := testnet.Start(ctx, testnet.Options{Relays: k.relays, Seed: 17, OutDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer tn.Close()
	var phases []*phase
	for b.Loop() {
		phases = nil
		for _, nodes := range []int{1, 3} {
			phases = append(phases, runPhase(b, ctx, tn, k, nodes))
		}
	}
	b.StopTimer()
	printTable(os.Stdout, k, phases)
	if len(phases) == 2 && phases[0].cpuPerCheck() > 0 {
		b.ReportMetric(phases[1].cpuPerCheck()/phases[0].cpuPerCheck(), "cpu_ratio_3/1")
	}
}

// phase is one measured run of n nodes.
type phase struct {
	nodes  []*nodeRun
	window time.Duration
	leases *leaseLog
	load   string
	pgCPU  time.Duration // the PostgreSQL server's, over the window
}

type nodeRun struct {
	pid    int
	cpu    time.Duration // over the window
	checks int           // finished checks attributed to this node
	// A node's CPU per check is its CPU over the checks attributed to it;
	// the phase's is every node's CPU over every finished check, idle
	// nodes' upkeep included.
}

func (p *phase) cpuPerCheck() float64 {
	var cpu time.Duration
	for _, n := range p.nodes {
		cpu += n.cpu
	}
	checks := p.leases.finished()
	if checks == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(checks)
}

func runPhase(tb testing.TB, ctx context.Context, tn *testnet.Network, k knobs, n int) *phase {
	tb.Helper()
	url := pgtest.NewDatabase(tb)
	addRelays(tb, ctx, url, tn.Manifest())
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	p := &phase{leases: newLeaseLog()}
	// The server's CPU is the postmaster's process tree (a backend's
	// parent): the lease statements' cost lands there, not in the nodes.
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		tb.Fatal(err)
	}
	st, _ := procstat.Read(backend)
	postmaster := st.PPID
	var kids []*benchchild.Child
	for range n {
		kids = append(kids, startChild(tb, tn, url, k.interval))
	}
	cpu0 := make([]time.Duration, n)
	for i, c := range kids {
		cpu0[i] = c.CPU()
	}
	pg0 := procstat.TreeCPU(postmaster)
	start := time.Now()
	end := start.Add(time.Duration(k.intervals) * k.interval)
	for time.Now().Before(end) {
		if err := p.leases.poll(ctx, conn); err != nil {
			tb.Fatalf("read leases: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.window = time.Since(start)
	p.pgCPU = procstat.TreeCPU(postmaster) - pg0
	p.load = benchchild.LoadAverage()
	for i, c := range kids {
		p.nodes = append(p.nodes, &nodeRun{pid: c.PID(), cpu: c.CPU() - cpu0[i]})
		c.Stop()
	}
	for _, nr := range p.nodes {
		nr.checks = p.leases.byPID[nr.pid]
	}
	fmt.Fprintf(os.Stdout, "nnodes: %d node(s) done, %d checks in %v (load %s)\n", n, p.leases.finished(), p.window.Round(time.Second), p.load)
	return p
}

// addRelays puts every testnet relay in the relay table, as promoted
// relays: the monitor checks them without the validator.
func addRelays(tb testing.TB, ctx context.Context, url string, m *testnet.Manifest) {
	tb.Helper()
	s, err := archive.Open(ctx, archive.Options{URL: url})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	var rs []schema.Relay
	for _, r := range m.Relays {
		u, err := schema.ParseRelayURL(r.URL)
		if err != nil {
			tb.Fatalf("%s: %v", r.URL, err)
		}
		rs = append(rs, schema.Relay{URL: u, Network: u.Network(), DiscoveredAt: time.Now()})
	}
	if _, err := s.AddRelays(ctx, rs); err != nil {
		tb.Fatal(err)
	}
}

func startChild(tb testing.TB, tn *testnet.Network, dbURL string, every time.Duration) *benchchild.Child {
	tb.Helper()
	// The node's env variables would override the config.
	return benchchild.Start(tb, node.EnvPrivateKey+"=", node.EnvDatabaseURL+"=",
		childEnv+"="+tn.Dir()+"/"+testnet.FileNodeConfig, childDBEnv+"="+dbURL,
		childDirEnv+"="+tb.TempDir(), childEveryEnv+"="+every.String())
}

// leaseLog follows the monitor's relay_lease rows: a relay's done_at moves
// once per finished check (the release of a finished lease sets it to the
// server's now()), and the holder of its lease, whose monitor holder name
// carries the node's pid, says which node did it. A check is seen as long
// as done_at does not move twice between two polls, which the interval
// (a relay is due again an interval after done_at) rules out.
type leaseLog struct {
	done   map[string][]float64 // relay -> done_at of each check seen
	holder map[string]int       // relay -> pid of its last seen holder
	byPID  map[int]int          // checks per node
	orphan int                  // checks whose holder was never seen
	polls  int
}

func newLeaseLog() *leaseLog {
	return &leaseLog{done: map[string][]float64{}, holder: map[string]int{}, byPID: map[int]int{}}
}

func (l *leaseLog) poll(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT relay, holder, extract(epoch FROM done_at)::float8
		FROM relay_lease WHERE loop = $1`, monitor.Name)
	if err != nil {
		return err
	}
	var (
		relay, holder string
		at            float64
	)
	_, err = pgx.ForEachRow(rows, []any{&relay, &holder, &at}, func() error {
		if holder != "" {
			l.holder[relay] = holderPID(holder)
		}
		seen := l.done[relay]
		first := l.polls == 0 && len(seen) == 0
		if at > 0 && (len(seen) == 0 || seen[len(seen)-1] != at) && !first {
			l.done[relay] = append(seen, at)
			if pid, ok := l.holder[relay]; ok {
				l.byPID[pid]++
				delete(l.holder, relay) // the next check's holder is seen anew
			} else {
				l.orphan++
			}
		}
		return nil
	})
	l.polls++
	return err
}

// holderPID reads the pid out of a monitor holder name, host-pid-random.
func holderPID(h string) int {
	f := strings.Split(h, "-")
	if len(f) < 3 {
		return 0
	}
	pid, _ := strconv.Atoi(f[len(f)-2])
	return pid
}

func (l *leaseLog) finished() int {
	n := 0
	for _, d := range l.done {
		n += len(d)
	}
	return n
}

// once summarises the gaps between consecutive checks of each relay
// against the interval: a gap under the interval is a relay checked twice
// within it; a gap over two intervals is a missed interval.
type once struct {
	checked, twice, missed int
	minGap, maxGap         float64 // in intervals
	perRelayMin, perRelay  int
}

func (l *leaseLog) once(every time.Duration) once {
	o := once{minGap: -1, perRelayMin: -1}
	iv := every.Seconds()
	for _, d := range l.done {
		if len(d) == 0 {
			continue
		}
		o.checked++
		o.perRelay = max(o.perRelay, len(d))
		if o.perRelayMin < 0 || len(d) < o.perRelayMin {
			o.perRelayMin = len(d)
		}
		for i := 1; i < len(d); i++ {
			g := (d[i] - d[i-1]) / iv
			if g < 1 {
				o.twice++
			}
			if g > 2 {
				o.missed++
			}
			if o.minGap < 0 || g < o.minGap {
				o.minGap = g
			}
			o.maxGap = max(o.maxGap, g)
		}
	}
	return o
}

func printTable(w io.Writer, k knobs, phases []*phase) {
	fmt.Fprintf(w, "\nN nodes on one PostgreSQL: %d testnet relays (default mix), monitor interval %v, %d intervals per phase\n",
		k.relays, k.interval, k.intervals)
	fmt.Fprintf(w, "%-7s %-9s %12s %10s %14s %s\n", "nodes", "node", "checks", "per intvl", "cpu/check ms", "cpu s")
	for _, p := range phases {
		ivs := p.window.Seconds() / k.interval.Seconds()
		tot := p.leases.finished() // attributed or not
		var cpu time.Duration
		for i, n := range p.nodes {
			cpu += n.cpu
			fmt.Fprintf(w, "%-7d %-9s %12d %10.1f %14.2f %.1f\n", len(p.nodes), fmt.Sprintf("#%d", i+1), n.checks,
				float64(n.checks)/ivs, perCheck(n.cpu, n.checks), n.cpu.Seconds())
		}
		fmt.Fprintf(w, "%-7d %-9s %12d %10.1f %14.2f %.1f\n", len(p.nodes), "total", tot, float64(tot)/ivs, perCheck(cpu, tot), cpu.Seconds())
		fmt.Fprintf(w, "%-7d %-9s %12d %10.1f %14.2f %.1f\n", len(p.nodes), "postgres", tot, float64(tot)/ivs, perCheck(p.pgCPU, tot), p.pgCPU.Seconds())
		o := p.leases.once(k.interval)
		fmt.Fprintf(w, "        relays finished %d of %d; checks per relay %d..%d; gap between checks %.2f..%.2f intervals; "+
			"checked twice within an interval: %d; missed an interval: %d; unattributed checks: %d; load average %s\n",
			o.checked, k.relays, max(o.perRelayMin, 0), o.perRelay, max(o.minGap, 0), o.maxGap, o.twice, o.missed, p.leases.orphan, p.load)
	}
	if len(phases) == 2 && phases[0].cpuPerCheck() > 0 {
		r := phases[1].cpuPerCheck() / phases[0].cpuPerCheck()
		verdict := "met"
		if r > 1.2 {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "CPU per relay check, 3 nodes / 1 node: %.2f (target <= 1.2: %s)\n", r, verdict)
		if a, b := phases[0], phases[1]; a.pgCPU > 0 && a.leases.finished() > 0 && b.leases.finished() > 0 {
			fmt.Fprintf(w, "PostgreSQL CPU per relay check, 3 nodes / 1 node: %.2f\n",
				perCheck(b.pgCPU, b.leases.finished())/perCheck(a.pgCPU, a.leases.finished()))
		}
	}
}

func perCheck(cpu time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return cpu.Seconds() * 1000 / float64(n)
}
