// Package nokinds holds types, none of which is an object kind.
package nokinds

// Settings is plain configuration.
type Settings struct {
	Value string `json:"value"`
}
