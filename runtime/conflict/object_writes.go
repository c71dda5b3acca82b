package conflict

import (
	"hash/maphash"
	"sync/atomic"
)

// This file counts the writes this process sends to each object, through
// any helper, field manager or subresource. An apply keeps the object it
// last read or was answered (apply_queue.go) to skip a no-op without a
// request; that object is trusted only while no write of this process to
// the object was sent since it was read or answered. Otherwise a write of
// the same process under another field manager, an UpdateXWithRetry, or
// an apply whose answer was lost (it may have been stored) would leave a
// kept object that no longer holds what the server holds, and an apply
// that sets a field back would be taken for a no-op and skipped.
//
// Writes of other processes, or made with the client directly, are not
// counted: that is the trust rule the README states.

// objectWriteStripes bounds the counters: objects share them by hash, and
// a write to one object of a stripe makes the others' kept objects
// untrusted too, which costs a read, never a lost write.
const objectWriteStripes = 4096

var (
	objectWriteSeed = maphash.MakeSeed()
	objectWrites    [objectWriteStripes]atomic.Uint64
)

// writesTo is the counter of the writes to obj.
func writesTo(obj objectRef) *atomic.Uint64 {
	var h maphash.Hash
	h.SetSeed(objectWriteSeed)
	h.WriteString(obj.kind.Group)
	h.WriteByte(0)
	h.WriteString(obj.kind.Kind)
	h.WriteByte(0)
	h.WriteString(obj.key.Namespace)
	h.WriteByte(0)
	h.WriteString(obj.key.Name)
	return &objectWrites[h.Sum64()%objectWriteStripes]
}

// ref is the object the call writes.
func (cl *call[O, T]) ref() objectRef {
	return objectRef{kind: cl.kind.GroupKind, key: cl.key}
}

// writing counts a write of the call's object about to be sent and
// returns the count it makes: an object answered to that write is
// current while the count stays there.
func (cl *call[O, T]) writing() uint64 { return writesTo(cl.ref()).Add(1) }

// writesSoFar is the count of writes to the call's object sent so far: an
// object read from now on is current while the count stays there.
func (cl *call[O, T]) writesSoFar() uint64 { return writesTo(cl.ref()).Load() }
