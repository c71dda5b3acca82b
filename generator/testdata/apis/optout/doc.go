// Package optout opts out as a package; one type opts back in.
// +conflict:generate=false
package optout
