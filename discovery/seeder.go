package discovery

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// SeederConfig is the [seeder] section.
type SeederConfig struct {
	// File lists relay URLs, one a line; blank lines and lines starting with
	// '#' are skipped. Empty (the default) means the list the seeder was
	// given in Options.Seeds (the node's built-in seeds.txt); SeedsNone
	// disables seeding.
	File string `toml:"file"`
}

// SeedsNone as [seeder] file disables seeding. A file of that name is
// still reachable as "./none".
const SeedsNone = "none"

// DefaultSeederConfig returns the defaults: the built-in list.
func DefaultSeederConfig() SeederConfig { return SeederConfig{} }

// Validate checks that the seed file, when set, can be read, so that
// `config check` catches a wrong path.
func (c SeederConfig) Validate() error {
	if c.File == "" || c.File == SeedsNone {
		return nil
	}
	f, err := os.Open(c.File)
	if err != nil {
		return fmt.Errorf("seeder.file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return fmt.Errorf("seeder.file: %s is not a readable file", c.File)
	}
	return nil
}

// seedBatch bounds one AddCandidates call; the seed's file has ~9k lines.
const seedBatch = 1000

// maxSeedLine bounds one line of the seed file.
const maxSeedLine = 64 << 10

// Seeder inserts the relays of a seed file as candidates.
type Seeder struct {
	*loop.Runner
	cfg   SeederConfig
	store CandidateStore
	urls  schema.ParseOptions
	seeds string
}

// SeederStats is what one seeding did.
type SeederStats struct {
	Lines    int            // URL lines read (comments and blanks excluded)
	Valid    int            // distinct lines that normalized to a relay URL
	Networks map[string]int // Valid by network
	Added    int            // candidates that were new
	Rejected map[string]int // invalid lines by schema.Reason
	Source   string         // the file read, "built-in" or "none"
}

// NewSeeder validates cfg and builds a seeder.
func NewSeeder(cfg SeederConfig, store CandidateStore, o Options) (*Seeder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, errors.New("seeder: nil store")
	}
	s := &Seeder{cfg: cfg, store: store, urls: o.URLs, seeds: o.Seeds}
	// No interval: the seeder is a start-up step, not a periodic loop, so
	// Run seeds once and returns.
	var err error
	if s.Runner, err = loop.New(spec(NameSeeder, 0, 0, schema.RejectReasons()), o.Options, s.RunOnce); err != nil {
		return nil, err
	}
	return s, nil
}

// RunOnce reads the seed file (or the built-in list) and inserts its
// relays as candidates. Existing candidates keep their failure count and
// validated relays are not re-added (the store's AddCandidates guarantees
// both).
func (s *Seeder) RunOnce(ctx context.Context) (SeederStats, error) {
	st := SeederStats{Rejected: map[string]int{}, Source: s.source()}
	var in io.Reader
	switch s.cfg.File {
	case SeedsNone:
		return st, nil
	case "":
		if s.seeds == "" {
			return st, nil
		}
		in = strings.NewReader(s.seeds)
	default:
		f, err := os.Open(s.cfg.File)
		if err != nil {
			return st, fmt.Errorf("seeder: %w", err)
		}
		defer f.Close()
		in = f
	}
	c := newCollector(s.urls)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxSeedLine)
	flush := func() error {
		batch := c.take()
		if len(batch) == 0 {
			return nil
		}
		n, err := s.store.AddCandidates(ctx, batch)
		st.Added += n
		if err != nil {
			return fmt.Errorf("seeder: add candidates: %w", err)
		}
		return nil
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		st.Lines++
		c.add(line)
		if len(c.order) >= seedBatch {
			if err := flush(); err != nil {
				return st.finish(c), err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return st.finish(c), fmt.Errorf("seeder: read %s: %w", st.Source, err)
	}
	err := flush()
	return st.finish(c), err
}

// source names what RunOnce reads, for its log line.
func (s *Seeder) source() string {
	switch {
	case s.cfg.File == SeedsNone:
		return "none"
	case s.cfg.File != "":
		return s.cfg.File
	case s.seeds != "":
		return "built-in"
	}
	return "none"
}

func (st SeederStats) finish(c *collector) SeederStats {
	st.Valid = len(c.found)
	st.Rejected = c.rejects
	st.Networks = c.networks
	return st
}

// LoopStats is the seeding in the runner's terms.
func (st SeederStats) LoopStats() loop.Stats {
	return loop.Stats{
		Items:   st.Networks,
		Rejects: st.Rejected,
		Attrs:   []slog.Attr{slog.String("source", st.Source), slog.Int("lines", st.Lines), slog.Int("added", st.Added)},
	}
}
