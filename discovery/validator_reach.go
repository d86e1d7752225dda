package discovery

import (
	"context"
	"fmt"
	"sync/atomic"
)

// reachWarnAfter is how many candidates must have failed to connect, none
// having connected, before the validator warns before its cycle ends: the
// built-in seed list is thousands of relays, so a blocked network would
// otherwise stay silent for the whole first cycle.
const reachWarnAfter = 100

// reach follows, since start, how many candidates were probed and how many
// of them answered at all (a WebSocket opened, Nostr or not). None of many
// answering says more about this machine's network than about the relays.
type reach struct {
	probed, reached atomic.Int64
	warned          atomic.Bool
}

// NoneReachable is the operator-facing warning while candidates were
// probed and not one could be connected to, else "".
func (v *Validator) NoneReachable() string {
	probed, reached := v.reach.probed.Load(), v.reach.reached.Load()
	if probed == 0 || reached > 0 {
		return ""
	}
	return fmt.Sprintf("0 of %d candidates reachable: is outbound network access blocked?", probed)
}

// noteReach counts a batch's outcomes and, once, logs the warning when
// enough candidates (or, at the end of a cycle, any) failed to connect
// and none connected.
func (v *Validator) noteReach(ctx context.Context, reasons []string, cycleEnd bool) {
	for _, r := range reasons {
		v.reach.probed.Add(1)
		if r != ReasonRefused && r != ReasonUnreachable {
			v.reach.reached.Add(1)
		}
	}
	if msg := v.NoneReachable(); msg != "" && (cycleEnd || v.reach.probed.Load() >= reachWarnAfter) && v.reach.warned.CompareAndSwap(false, true) {
		v.Logger().WarnContext(ctx, msg, "probed", v.reach.probed.Load(),
			"hint", "candidates are dialled directly (or through [network] proxies); a firewall or a sandbox without outbound access fails every dial")
	}
}
