package conflictgrpc_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"

	"google.golang.org/grpc/metadata"

	"github.com/conflict-gen/conflict-gen/runtime/conflict/conflictgrpc"
)

// With WithIdentity, a known caller's ID is stored as a hash of identity
// and ID, and an unknown caller's as it came. Both land in one log: a
// caller who learns another's ID (and knows its identity, a certificate
// subject, which is no secret) connects without an identity and sends the
// hash itself first; the other's request is then taken for a duplicate,
// which scoping promises cannot happen.
func TestUnknownCallerCannotPreemptAScopedID(t *testing.T) {
	c := counterClient()
	conn := serve(t, increment(c), []conflictgrpc.ServerOption{conflictgrpc.WithIdentity(callerMetadata)})
	// The stored form of alice's ID (the interceptor's scheme: SHA-256 of
	// the identity's length, the identity and the ID).
	sum := sha256.Sum256([]byte(strconv.Itoa(len("alice")) + ":alice:alice-secret-id"))
	forged := hex.EncodeToString(sum[:])
	// mallory, unknown to the server (no "caller"), sends it first.
	if _, err := call(conflictgrpc.OutgoingContextWithRequestID(testCtx(t), forged), conn, ""); err != nil {
		t.Fatal(err)
	}
	alice := conflictgrpc.OutgoingContextWithRequestID(metadata.AppendToOutgoingContext(testCtx(t), "caller", "alice"), "alice-secret-id")
	if _, err := call(alice, conn, ""); err != nil {
		t.Fatal(err)
	}
	if got := counter(t, c); got != "2" {
		t.Errorf("counter %s, want 2: alice's request was taken for mallory's", got)
	}
}
