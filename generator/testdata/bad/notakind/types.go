package notakind

// Settings is not an object kind.
// +conflict:generate=true
type Settings struct {
	Value string `json:"value"`
}
