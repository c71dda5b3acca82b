package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
	"sigs.k8s.io/controller-tools/pkg/loader"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// Error is one problem in the input, at a place in a source file when it
// has one.
type Error struct {
	// Pos is where the problem is; its File is empty for problems without
	// a place (a package that does not exist).
	Pos model.Position
	// Msg says what is wrong.
	Msg string
}

// Error returns "file:line: message" with the file relative to the working
// directory when it is below it.
func (e Error) Error() string {
	if e.Pos.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", relative(e.Pos.File), e.Pos.Line, e.Msg)
}

// ErrorList is every problem found in the input, sorted by place. The
// generator reports all of them at once and writes nothing.
type ErrorList []Error

// Error returns one problem per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errorList collects problems while the model is built.
type errorList struct {
	errs ErrorList
	// explained are the lines whose problem is said by an error of ours,
	// so that controller-tools' error about the same marker is left out.
	explained map[model.Position]bool
}

func (l *errorList) add(pos model.Position, format string, args ...any) {
	l.errs = append(l.errs, Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// addInstead adds an error that replaces the one controller-tools reports
// for the marker at pos.
func (l *errorList) addInstead(pos model.Position, format string, args ...any) {
	if l.explained == nil {
		l.explained = map[model.Position]bool{}
	}
	l.explained[pos] = true
	l.add(pos, format, args...)
}

// err returns the collected problems sorted and without duplicates, or nil.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i].Pos, l.errs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	out := l.errs[:1]
	for _, e := range l.errs[1:] {
		if e != out[len(out)-1] {
			out = append(out, e)
		}
	}
	return out
}

func relative(file string) string {
	wd, err := os.Getwd()
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(wd, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return file
	}
	return rel
}

// scannerNoise is the marker parser's position inside the marker's text,
// which says nothing to a user who has the marker's file and line.
var scannerNoise = regexp.MustCompile(` \(at <input>[^)]*\)`)

// addLoaderError adds an error from controller-tools (type checking,
// marker parsing) with its position.
func (l *errorList) addLoaderError(pkg *loader.Package, err error) {
	switch e := err.(type) {
	case loader.ErrList:
		for _, sub := range e {
			l.addLoaderError(pkg, sub)
		}
	case loader.PositionedError:
		if pos := tokenPosition(pkg.Fset, e.Pos); !l.explained[pos] {
			l.add(pos, "%s", scannerNoise.ReplaceAllString(e.Error(), ""))
		}
	case packages.Error:
		l.add(packagesErrorPosition(e), "%s", packagesErrorMessage(pkg, e))
	default:
		l.add(model.Position{}, "%s: %v", pkg.PkgPath, err)
	}
}

func tokenPosition(fset *token.FileSet, pos token.Pos) model.Position {
	p := fset.Position(pos)
	return model.Position{File: p.Filename, Line: p.Line}
}

func positionOf(file string, line int) model.Position {
	return model.Position{File: file, Line: line}
}

// packagesErrorPosition parses the "file:line:col" of a go/packages error.
func packagesErrorPosition(e packages.Error) model.Position {
	if e.Pos == "" || e.Pos == "-" {
		return model.Position{}
	}
	parts := strings.Split(e.Pos, ":")
	if len(parts) >= 2 {
		if line, err := strconv.Atoi(parts[1]); err == nil {
			return model.Position{File: parts[0], Line: line}
		}
	}
	return model.Position{}
}

func packagesErrorMessage(pkg *loader.Package, e packages.Error) string {
	if packagesErrorPosition(e).File == "" {
		return fmt.Sprintf("package %s: %s", pkg.PkgPath, e.Msg)
	}
	return e.Msg
}

// markerPosition returns where the marker +name of node is written: the
// nearest comment line above node that holds it, which is node's own when
// controller-tools associated that marker with node (a field's or a type's
// markers sit in the comments right above it). Without one it returns
// node's position.
func markerPosition(pkg *loader.Package, node ast.Node, name string) model.Position {
	for _, file := range pkg.Syntax {
		if node.Pos() < file.FileStart || node.Pos() > file.FileEnd {
			continue
		}
		var nearest *ast.Comment
		for _, group := range file.Comments {
			if group.Pos() >= node.Pos() {
				break
			}
			for _, c := range group.List {
				if isMarker(c.Text, name) {
					nearest = c
				}
			}
		}
		if nearest != nil {
			return tokenPosition(pkg.Fset, nearest.Pos())
		}
	}
	return tokenPosition(pkg.Fset, node.Pos())
}

// isMarker reports whether the comment text is the marker +name, with or
// without an argument.
func isMarker(comment, name string) bool {
	text, ok := strings.CutPrefix(comment, "//")
	if !ok {
		return false
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(text), "+"+name)
	return ok && (rest == "" || rest[0] == '=' || rest[0] == ':' || rest[0] == ' ')
}
