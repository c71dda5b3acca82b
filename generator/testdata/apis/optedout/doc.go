// Package optedout opts out as a package, and no type opts back in.
// +conflict:generate=false
package optedout
