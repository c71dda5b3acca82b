package generator

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// copyOf decides how a merge copies a value of type t that it takes whole
// from one of its inputs: by assignment when it holds no references, with
// its DeepCopyInto method, or as a slice, map or pointer of such values.
// Anything else is CopyShallow, and the kinds that reach it deep copy
// their whole result.
func (b *mergeBuilder) copyOf(t types.Type) model.Copy {
	if c := b.elementCopy(t); c != model.CopyShallow {
		return c
	}
	// Only unnamed composites: the runtime's copy functions are passed
	// where a func(T) T is expected, and a named pointer type is not *E.
	pair := func(plain, deep model.Copy, elem types.Type) model.Copy {
		switch b.elementCopy(elem) {
		case model.CopyValue:
			return plain
		case model.CopyDeep:
			return deep
		}
		return model.CopyShallow
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return pair(model.CopySlice, model.CopySliceDeep, u.Elem())
	case *types.Map:
		return pair(model.CopyMap, model.CopyMapDeep, u.Elem())
	case *types.Pointer:
		if _, unnamed := t.(*types.Pointer); unnamed {
			return pair(model.CopyPtr, model.CopyPtrDeep, u.Elem())
		}
	}
	return model.CopyShallow
}

// elementCopy is CopyValue for a plain value, CopyDeep for a type with a
// DeepCopyInto method, and CopyShallow otherwise.
func (b *mergeBuilder) elementCopy(t types.Type) model.Copy {
	switch {
	case isPlain(t):
		return model.CopyValue
	case b.hasDeepCopyInto(t):
		return model.CopyDeep
	}
	return model.CopyShallow
}

// isPlain reports whether assignment copies a value of type t: it holds
// no pointers, slices, maps or interfaces, as far as the loader's types
// show, and it holds no lock. A time.Time counts as plain:
// its location pointer is shared by design, as metav1.Time's DeepCopyInto
// shares it.
func isPlain(t types.Type) bool {
	if holdsLock(t) {
		// Assignment would copy the lock (and its state).
		return false
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time" {
		return true
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		// An invalid type is one the loader did not type-check (a
		// package only an unexported field refers to): it may hold
		// anything.
		return u.Kind() != types.UnsafePointer && u.Kind() != types.Invalid
	case *types.Array:
		return isPlain(u.Elem())
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if !isPlain(u.Field(i).Type()) {
				return false
			}
		}
		return true
	}
	return false
}

// hasDeepCopyInto reports whether *t has the method DeepCopyInto(*t) that
// controller-gen and deepcopy-gen generate. The loader leaves generated
// files out (as controller-gen does), so a method it does not show is
// looked for in the source of t's package.
func (b *mergeBuilder) hasDeepCopyInto(t types.Type) bool {
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.TypeArgs().Len() > 0 {
		return false
	}
	ptr := types.NewPointer(t)
	if sel := types.NewMethodSet(ptr).Lookup(nil, "DeepCopyInto"); sel != nil {
		sig, ok := sel.Type().(*types.Signature)
		return ok && sig.Params().Len() == 1 && sig.Results().Len() == 0 && types.Identical(sig.Params().At(0).Type(), ptr)
	}
	return b.deepCopied(named.Obj().Pkg().Path())[named.Obj().Name()]
}

// deepCopied returns the types of a package that have a DeepCopyInto
// method declared in any of its files, whatever their build tags.
func (b *mergeBuilder) deepCopied(path string) map[string]bool {
	if found, ok := b.deepCopies[path]; ok {
		return found
	}
	found := map[string]bool{}
	b.deepCopies[path] = found
	pkg := b.l.packageByPath(path)
	if pkg == nil || len(pkg.GoFiles) == 0 {
		return found
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(pkg.GoFiles[0]), "*.go"))
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil || !bytes.Contains(src, []byte("DeepCopyInto")) {
			continue // most files of a big API package (k8s.io/api's protobuf code) have none
		}
		f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
		if err != nil {
			continue // not ours to report: the compiler will
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || fn.Name.Name != "DeepCopyInto" {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok {
				found[id.Name] = true
			}
		}
	}
	return found
}

// setCopy decides out.Copy, for the operations that copy with it, from
// the field's type t.
func (b *mergeBuilder) setCopy(out *model.MergeField, t types.Type) {
	switch out.Op {
	case model.OpCurrent, model.OpCompared, model.OpAtomic:
		out.Copy = b.copyOf(t)
	case model.OpComparedPtr:
		out.Copy = b.copyOf(t.Underlying().(*types.Pointer).Elem())
	case model.OpMapAtomic:
		out.Copy = b.copyOf(t.Underlying().(*types.Map).Elem())
	case model.OpSet:
		// MergeSet copies its elements by assignment.
		if !isPlain(t.Underlying().(*types.Slice).Elem()) {
			out.Copy = model.CopyShallow
		}
	case model.OpListMap:
		if out.Struct == nil {
			out.Copy = b.elementCopy(t.Underlying().(*types.Slice).Elem())
		}
	}
}

// markSharing sets Shares on every struct whose merge may return memory
// of its inputs, directly or through the structs it merges.
func markSharing(structs []*model.MergeStruct) {
	for changed := true; changed; {
		changed = false
		for _, s := range structs {
			if s.Shares {
				continue
			}
			for _, f := range s.Fields {
				if f.Copy == model.CopyShallow || (f.Struct != nil && f.Struct.Shares) {
					s.Shares, changed = true, true
					break
				}
			}
		}
	}
}

// holdsLock reports whether a value of type t must not be copied, as go
// vet's copylocks check decides: it is a struct whose pointer is a
// sync.Locker and whose value is not (sync.Mutex, the noCopy markers of
// sync/atomic's types), or a struct or array that holds one by value,
// transitively (a protobuf message, whose state holds [0]sync.Mutex).
func holdsLock(t types.Type) bool { return lockIn(t) != "" }

// lockIn returns the type that makes t hold a lock, or "".
func lockIn(t types.Type) string { return lockPath(t, map[types.Type]bool{}) }

func lockPath(t types.Type, seen map[types.Type]bool) string {
	for {
		a, ok := t.Underlying().(*types.Array)
		if !ok {
			break
		}
		t = a.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	if !ok || seen[t] {
		return ""
	}
	seen[t] = true
	if types.Implements(types.NewPointer(t), lockerType) && !types.Implements(t, lockerType) {
		return typeString(t)
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Name() == "noCopy" && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "sync" {
		return typeString(t)
	}
	for i := 0; i < st.NumFields(); i++ {
		if lock := lockPath(st.Field(i).Type(), seen); lock != "" {
			return lock
		}
	}
	return ""
}

// lockerType is sync.Locker: interface{ Lock(); Unlock() }.
var lockerType = func() *types.Interface {
	nullary := types.NewSignatureType(nil, nil, nil, nil, nil, false)
	methods := []*types.Func{
		types.NewFunc(token.NoPos, nil, "Lock", nullary),
		types.NewFunc(token.NoPos, nil, "Unlock", nullary),
	}
	return types.NewInterfaceType(methods, nil).Complete()
}()
