package backend

import "context"

// replicaKey marks a context whose reads may be answered by a replica.
type replicaKey struct{}

// AllowReplica marks ctx: a read-only store call made with it may be
// answered by a streaming replica, so it may miss what the primary
// committed within the replica's lag. Callers mark what they serve to
// clients (REQ, COUNT, the status page and API), never a read a write
// decision rests on (a deletion check before saving, a lease, a cursor).
func AllowReplica(ctx context.Context) context.Context {
	return context.WithValue(ctx, replicaKey{}, true)
}

// ReplicaAllowed reports whether ctx was marked by AllowReplica.
func ReplicaAllowed(ctx context.Context) bool {
	ok, _ := ctx.Value(replicaKey{}).(bool)
	return ok
}
