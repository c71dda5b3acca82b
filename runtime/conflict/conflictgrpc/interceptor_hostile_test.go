package conflictgrpc_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

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

// noStatus is an error whose GRPCStatus has nothing to say (nil), as some
// libraries' error types answer when they carry no gRPC status.
type noStatus struct{}

func (noStatus) Error() string              { return "storage quota check failed" }
func (noStatus) GRPCStatus() *status.Status { return nil }

// A handler's error never reaches the client as success: one that claims
// to carry a gRPC status but has none (nil, which grpc-go takes for
// UNKNOWN) is still an error.
func TestHandlerErrorWithoutAStatusIsNotSuccess(t *testing.T) {
	err := fmt.Errorf("increase: %w", noStatus{})
	if got := conflictgrpc.Error(err); got == nil {
		t.Errorf("Error(%v) = nil: the failure would reach the client as success", err)
	}
	conn := serve(t, func(context.Context, string) (string, error) { return "", err }, nil)
	if _, got := call(testCtx(t), conn, ""); status.Code(got) == codes.OK {
		t.Errorf("through the interceptor the client got %v, want an error", got)
	}
}
