// Package aliasing finds memory that one Go value shares with others, for
// tests of functions that promise results that share nothing with their
// inputs.
package aliasing

import (
	"fmt"
	"reflect"
	"time"
)

// Shared returns the paths in result (".Spec.Config", ".Status.Conditions")
// of the maps, non-empty slices and pointers whose memory is also reached
// from one of inputs. Strings are not counted: they are immutable.
func Shared(result any, inputs ...any) []string {
	seen := map[uintptr]bool{}
	for _, in := range inputs {
		walk(reflect.ValueOf(in), "", func(addr uintptr, _ string) { seen[addr] = true })
	}
	var shared []string
	walk(reflect.ValueOf(result), "", func(addr uintptr, path string) {
		if seen[addr] {
			shared = append(shared, path)
		}
	})
	return shared
}

var timeType = reflect.TypeFor[time.Time]()

// walk calls visit with the address of every map, slice backing array and
// pointer target reachable from v, and the path that reached it. A
// time.Time's location is shared by design and not counted.
func walk(v reflect.Value, path string, visit func(addr uintptr, path string)) {
	if v.Type() == timeType {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		visit(v.Pointer(), path)
		walk(v.Elem(), path, visit)
	case reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, visit)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		visit(v.Pointer(), path)
		for it := v.MapRange(); it.Next(); {
			walk(it.Value(), fmt.Sprintf("%s[%v]", path, it.Key()), visit)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		visit(v.Pointer(), path)
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), visit)
		}
	case reflect.Array:
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), visit)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			walk(v.Field(i), path+"."+t.Field(i).Name, visit)
		}
	}
}
