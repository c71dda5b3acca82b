package generator

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// kindSelection is the --kinds flag: the kinds to generate for, by name.
// The zero value selects every kind.
type kindSelection struct {
	// found records, for every name asked for, whether a package has it.
	found map[string]bool
	// seen are the kinds the packages have, for the error about names
	// that are none of them.
	seen map[string]bool
}

func newKindSelection(names []string) *kindSelection {
	s := &kindSelection{seen: map[string]bool{}}
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			if s.found == nil {
				s.found = map[string]bool{}
			}
			s.found[n] = false
		}
	}
	return s
}

// active reports whether kinds were selected at all.
func (s *kindSelection) active() bool { return s != nil && s.found != nil }

// filter keeps the selected kinds, recording which names were found.
func (s *kindSelection) filter(kinds []*model.Kind) []*model.Kind {
	if !s.active() {
		return kinds
	}
	var kept []*model.Kind
	for _, k := range kinds {
		s.seen[k.Name] = true
		if _, ok := s.found[k.Name]; ok {
			s.found[k.Name] = true
			kept = append(kept, k)
		}
	}
	return kept
}

// check reports the names that are no kind of the packages, with the
// kinds there are.
func (s *kindSelection) check(errs *errorList) {
	if !s.active() {
		return
	}
	var missing []string
	for n, ok := range s.found {
		if !ok {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	var there []string
	for n := range s.seen {
		there = append(there, n)
	}
	sort.Strings(there)
	errs.add(model.Position{}, "--kinds: no kind %s in the packages given (their kinds: %s)",
		strings.Join(missing, ", "), strings.Join(there, ", "))
}

// checkInMainModule refuses to write next to types that are not the
// user's: a package outside the main module (in the module cache, or
// vendored) gets its file through --output-dir, in the user's module.
func checkInMainModule(pkgs []*model.Package, empty []emptyPackage) error {
	var dirs []string
	for _, p := range pkgs {
		if p.Output.SamePackage {
			dirs = append(dirs, p.Output.Dir)
		}
	}
	for _, e := range empty {
		if e.output.SamePackage {
			dirs = append(dirs, e.output.Dir)
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	roots, err := mainModuleDirs()
	if err != nil {
		return err
	}
	var errs errorList
	check := func(path string, out model.Output) {
		if !out.SamePackage || within(out.Dir, roots) {
			return
		}
		errs.add(model.Position{}, "%s: its types are in %s, outside the main module: generate its helpers into your own module with --output-dir DIR (with --kinds to select the kinds you need)", path, out.Dir)
	}
	for _, p := range pkgs {
		check(p.Path, p.Output)
	}
	for _, e := range empty {
		check(e.path, e.output)
	}
	return errs.err()
}

// mainModuleDirs returns the directories of the main modules (one, or a
// workspace's).
func mainModuleDirs() ([]string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("finding the main module (go list -m): %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n"), nil
}

// within reports whether dir is one of roots or below one, and not in a
// vendor directory.
func within(dir string, roots []string) bool {
	for _, r := range roots {
		rel, err := filepath.Rel(r, dir)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if rel == "vendor" || strings.HasPrefix(rel, "vendor"+string(filepath.Separator)) {
			return false
		}
		return true
	}
	return false
}
