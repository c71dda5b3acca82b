package templates

import (
	"strings"
	"unicode"
)

// article returns name with the indefinite article English gives it in
// godoc: "an Order", "a Node". An initialism (two capitals first, as in
// HTTPRoute) is read letter by letter; words that start with a vowel
// letter but a consonant sound (User, One) take "a".
func article(name string) string {
	if name == "" {
		return name
	}
	runes := []rune(name)
	first := unicode.ToUpper(runes[0])
	if len(runes) == 1 || (unicode.IsUpper(runes[0]) && unicode.IsUpper(runes[1])) {
		// Letters whose names start with a vowel sound: A, E, F, H, I,
		// L, M, N, O, R, S, X.
		if strings.ContainsRune("AEFHILMNORSX", first) {
			return "an " + name
		}
		return "a " + name
	}
	lower := strings.ToLower(name)
	for _, p := range []string{"uni", "use", "usa", "usu", "uti", "uri", "ure", "one", "once", "eu"} {
		if strings.HasPrefix(lower, p) {
			return "a " + name
		}
	}
	if strings.ContainsRune("AEIOU", first) {
		return "an " + name
	}
	return "a " + name
}
