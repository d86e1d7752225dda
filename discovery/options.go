package discovery

import (
	"time"

	"github.com/bigbrotr/bigbrotr/internal/loop"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Options are the dependencies of this package's loops: those every loop
// shares, and the URL policy.
type Options struct {
	loop.Options
	// URLs is the policy every found or seeded URL is normalized under;
	// the zero value accepts public relays only. The node sets
	// AllowPrivate from [network] allow_private.
	URLs schema.ParseOptions
	// Seeds is the seed list the seeder reads when [seeder] file is ""
	// (the node passes the one built into the binary); "" seeds nothing
	// then. The other loops ignore it.
	Seeds string
}

// Loop names: the "loop" metric label and log attribute.
const (
	NameSeeder    = "seeder"
	NameFinder    = "finder"
	NameValidator = "validator"
)

// spec is the runner description of a discovery loop: items are counted
// by network, rejects by reasons.
func spec(name string, interval, timeout time.Duration, reasons []string) loop.Spec {
	return loop.Spec{Name: name, Interval: interval, Timeout: timeout,
		Networks: loop.Names(schema.Networks), Reasons: reasons}
}
