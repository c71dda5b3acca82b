package conflict

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// This file migrates to server-side apply the fields a field manager owns
// through Update (client-side writes). Without it, a field the manager
// wrote with Update before stays co-owned by its Update entry after the
// switch (kubernetes#99003): an apply that leaves it out removes it from
// the Apply entry only, and the field stays.

// needsMigration reports whether obj's managedFields hold an Update entry
// of owner for subresource sub.
func needsMigration(obj metav1.Object, owner, sub string) bool {
	for _, e := range obj.GetManagedFields() {
		if e.Manager == owner && e.Subresource == sub && e.Operation == metav1.ManagedFieldsOperationUpdate {
			return true
		}
	}
	return false
}

// migrate merges the call's field manager's Update entry for its
// subresource into its Apply entry (client-go's csaupgrade), through a
// JSON patch that carries cur's resourceVersion: a write made meanwhile
// makes it a 409, and it is made again on the object read anew, within
// the call's budget. It returns the object as migrated and the count of
// writes to the object its patch made (object_writes.go), 0 when nothing
// needed migrating and cur is returned.
func (cl *call[O, T]) migrate(ctx context.Context, cur T) (T, uint64, error) {
	for attempt := 1; ; attempt++ {
		patch, err := csaupgrade.UpgradeManagedFieldsPatch(cur, sets.New(cl.fieldOwner), cl.fieldOwner,
			csaupgrade.Subresource(cl.subresource()))
		if err != nil {
			return nil, 0, fmt.Errorf("migrating the fields of %q from Update to Apply: %w", cl.fieldOwner, err)
		}
		if patch == nil {
			return cur, 0, nil
		}
		migrated := T(new(O))
		migrated.SetName(cl.key.Name)
		migrated.SetNamespace(cl.key.Namespace)
		seq := cl.writing()
		err = cl.client.Patch(ctx, migrated, client.RawPatch(types.JSONPatchType, patch))
		if err == nil {
			return migrated, seq, nil
		}
		if !apierrors.IsConflict(err) {
			return nil, 0, fmt.Errorf("migrating the fields of %q from Update to Apply: %w", cl.fieldOwner, err)
		}
		delay := cl.backoff.Delay(attempt, rand.Float64())
		if time.Now().Add(delay).After(cl.deadline) {
			return nil, 0, fmt.Errorf("migrating the fields of %q from Update to Apply: %w", cl.fieldOwner, err)
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, 0, ctx.Err()
		case <-timer.C:
		}
		if cur, err = cl.read(ctx); err != nil {
			return nil, 0, err
		}
	}
}
