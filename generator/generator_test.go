package generator

import (
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"kubebuilder", Options{Patterns: []string{"./testdata/apis/kubebuilder"}}},
		{"clientgen", Options{Patterns: []string{"./testdata/apis/clientgen"}}},
		{"optout", Options{Patterns: []string{"./testdata/apis/optout"}}},
		{"kubebuilder_outputdir", Options{Patterns: []string{"./testdata/apis/kubebuilder"}, OutputDir: "out"}},
		{"protostyle", Options{Patterns: []string{"./testdata/apis/protostyle"}}},
		{"conditions", Options{Patterns: []string{"./testdata/apis/conditions"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Generate(tc.opts)
			require.NoError(t, err)
			require.Len(t, files, 1)
			golden := filepath.Join("testdata", "golden", tc.name+".go.golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, files[0].Content, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./generator -update to create it")
			assert.Equal(t, string(want), string(files[0].Content))
		})
	}
}

func TestWhatIsAKind(t *testing.T) {
	files, err := Generate(Options{Patterns: []string{"./testdata/apis/kubebuilder", "./testdata/apis/clientgen", "./testdata/apis/optout"}})
	require.NoError(t, err)
	require.Len(t, files, 3)
	src := map[string]string{}
	for _, f := range files {
		src[filepath.Base(filepath.Dir(f.Path))] = string(f.Content)
	}
	has := func(pkg, name string) bool { return strings.Contains(src[pkg], "\nfunc "+name+"(") }

	assert.True(t, has("kubebuilder", "UpdateCronJobWithRetry"), "root marker in a detached block")
	assert.True(t, has("kubebuilder", "UpdateCronJobStatusWithRetry"), "+kubebuilder:subresource:status")
	assert.True(t, has("kubebuilder", "CronJobNeedsReconcile"))
	assert.True(t, has("kubebuilder", "SetCronJobCondition"))
	assert.Regexp(t, `StatusRequestLog:\s+conflictRequestLogCronJob,`, src["kubebuilder"], "+conflict:requestLog")
	assert.Contains(t, src["kubebuilder"], "return &obj.(*CronJob).Status.Requests\n", "a request log promoted from an inlined struct")
	assert.True(t, has("kubebuilder", "UpdateScheduleWithRetry"))
	assert.False(t, has("kubebuilder", "UpdateScheduleStatusWithRetry"), "no status subresource")
	assert.True(t, has("kubebuilder", "SetScheduleObservedGeneration"), "+conflict:observedGeneration through a pointer")
	assert.False(t, has("kubebuilder", "SetScheduleCondition"), "conditions that are not metav1.Conditions")
	for _, name := range []string{"CronJobList", "Config", "Ignored", "Generic", "unexported"} {
		assert.False(t, has("kubebuilder", "Update"+name+"WithRetry"), name)
	}

	assert.True(t, has("clientgen", "UpdateDeploymentStatusWithRetry"), "+genclient with status")
	assert.True(t, has("clientgen", "SetDeploymentCondition"), "conditions promoted from an inline struct of another package")
	assert.True(t, has("clientgen", "DeploymentNeedsReconcile"))
	assert.True(t, has("clientgen", "UpdateSecretWithRetry"))
	assert.False(t, has("clientgen", "UpdateSecretStatusWithRetry"), "+genclient:noStatus")
	assert.False(t, has("clientgen", "UpdateLeaseStatusWithRetry"), "+genclient:skipVerbs=updateStatus")
	assert.False(t, has("clientgen", "UpdateDeploymentListWithRetry"))

	assert.True(t, has("optout", "UpdateWantedWithRetry"), "type marker overrides the package")

	conds, err := Generate(Options{Patterns: []string{"./testdata/apis/conditions"}})
	require.NoError(t, err)
	src["conditions"] = string(conds[0].Content)
	assert.True(t, has("conditions", "SetClusterCondition"), "cluster-api v1beta1's shape, a named list")
	assert.True(t, has("conditions", "SetBucketCondition"), "Crossplane's shape, promoted from an inline struct")
	assert.True(t, has("conditions", "SetRolloutCondition"), "apps/v1's DeploymentCondition shape")
	assert.False(t, has("conditions", "SetServiceCondition"), "Knative's VolatileTime is not a metav1.Time")
	assert.False(t, has("conditions", "SetJobCondition"), "a time behind a pointer")
	assert.False(t, has("optout", "UpdateSkippedWithRetry"), "package opted out")
}

func TestBadInputIsReportedWithPositions(t *testing.T) {
	for _, tc := range []struct {
		pkg  string
		want []string
		// onlyNextToTypes: a problem only when the file goes into the API
		// package.
		onlyNextToTypes bool
	}{
		{"unknownstrategy", []string{`testdata/bad/unknownstrategy/types.go:14: unknown merge strategy "newest" in +conflict:merge (known: atomic, conditions, max, min, ours, strict, theirs, union)`}, false},
		{"unknownmarker", []string{`testdata/bad/unknownmarker/types.go:6: unknown marker +conflict:generat (known: generate, merge, observedGeneration, requestLog)`}, false},
		{"badarg", []string{`testdata/bad/badarg/types.go:6: expected true or false, got "maybe"`}, false},
		{"badobsgen", []string{
			`testdata/bad/badobsgen/types.go:6: type Missing: +conflict:observedGeneration=Status.Seen: no field Seen in badobsgen.ThingStatus`,
			`testdata/bad/badobsgen/types.go:14: type WrongType: +conflict:observedGeneration=Status.Phase: the field is string, not int64`,
		}, false},
		{"requestlog", []string{
			`testdata/bad/requestlog/types.go:7: type Missing: +conflict:requestLog=Status.Requests: no field Requests in requestlog.ThingStatus`,
			`testdata/bad/requestlog/types.go:17: type InSpec: +conflict:requestLog=Spec.Log: the field is not under Status: a write through /status stores only the status`,
			`testdata/bad/requestlog/types.go:27: type WrongType: +conflict:requestLog=Status.Count: the field is int32, not []string`,
			`testdata/bad/requestlog/types.go:36: type NamedList: +conflict:requestLog=Status.Named: the field is requestlog.Names, not []string`,
			`testdata/bad/requestlog/types.go:44: type NoSubresource: +conflict:requestLog=Status.Log: NoSubresource has no status subresource (+kubebuilder:subresource:status): its status is written through the main resource, whose writes keep their request IDs in an annotation`,
			`testdata/bad/requestlog/types.go:54: type Twice: +conflict:requestLog is given 2 times: a kind keeps one status request log`,
			`testdata/bad/requestlog/types.go:63: type Hidden: +conflict:requestLog=Status.Hidden: field Hidden is left out of JSON (json:"-"), so the API server would not keep the log`,
			`testdata/bad/requestlog/types.go:72: type Behind: +conflict:requestLog=Status.Extra.Log: field Extra is a pointer, which may be nil: the log must be reachable without allocating`,
			`testdata/bad/requestlog/types.go:81: type Dotted: +conflict:requestLog=Status.: the path has an empty field name`,
			`testdata/bad/requestlog/types.go:102: type ThingStatus: +conflict:requestLog goes on a kind, and ThingStatus is not a Kubernetes object kind (an exported struct that embeds metav1.TypeMeta and metav1.ObjectMeta)`,
		}, false},
		{"notakind", []string{`testdata/bad/notakind/types.go:4: type Settings: +conflict:generate=true, but Settings is not a Kubernetes object kind (an exported struct that embeds metav1.TypeMeta and metav1.ObjectMeta)`}, false},
		{"mergemarkers", []string{
			`testdata/bad/mergemarkers/types.go:25: field Inner of ThingSpec: +conflict:merge=max needs an ordered type (integer, float, string, metav1.Time, metav1.MicroTime, resource.Quantity, or a pointer to one), not mergemarkers.Inner`,
			`testdata/bad/mergemarkers/types.go:28: field Items of ThingSpec: +conflict:merge=union needs a slice of comparable elements, not []mergemarkers.Item`,
			`testdata/bad/mergemarkers/types.go:32: field Keyed of ThingSpec: +listMapKey=id names no field of mergemarkers.Item`,
			`testdata/bad/mergemarkers/types.go:36: field Twice of ThingSpec: +conflict:merge=ours contradicts +conflict:merge=theirs`,
			`testdata/bad/mergemarkers/types.go:40: field BadKey of ThingSpec: +listMapKey=attrs must name a string, integer or boolean field of mergemarkers.Item, not map[string]string`,
			`testdata/bad/mergemarkers/types.go:43: field NotComparable of ThingSpec: +listType=set needs comparable elements, not mergemarkers.Item`,
			`testdata/bad/mergemarkers/types.go:46: field NoKey of ThingSpec: +listType=map needs +listMapKey`,
			`testdata/bad/mergemarkers/types.go:49: field Flag of ThingSpec: +conflict:merge=min needs an ordered type (integer, float, string, metav1.Time, metav1.MicroTime, resource.Quantity, or a pointer to one), not map[string]string`,
		}, false},
		{"contradictions", []string{
			`testdata/bad/contradictions/types.go:13: type Period: +conflict:merge=max needs an ordered type (integer, float, string, metav1.Time, metav1.MicroTime, resource.Quantity, or a pointer to one), not contradictions.Period`,
			`testdata/bad/contradictions/types.go:22: field Conditions of ThingSpec: +listMapKey=typ contradicts the key of a list of metav1.Condition, which is always type`,
			`testdata/bad/contradictions/types.go:25: field Tags of ThingSpec: +conflict:merge=union contradicts +listType=atomic`,
			`testdata/bad/contradictions/types.go:29: field Names of ThingSpec: +conflict:merge=atomic contradicts +listType=set`,
		}, false},
		{"misfits", []string{
			`testdata/bad/misfits/types.go:20: field Name of ThingSpec: +listType=map needs a list, not string`,
			`testdata/bad/misfits/types.go:21: field Name of ThingSpec: +listMapKey needs a list, not string`,
			`testdata/bad/misfits/types.go:24: field Labels of ThingSpec: +listType=set needs a list, not map[string]string`,
			`testdata/bad/misfits/types.go:27: field Item of ThingSpec: +listType=atomic needs a list, not misfits.Item`,
			`testdata/bad/misfits/types.go:30: field Pointer of ThingSpec: +listMapKey needs a list, not *misfits.Item`,
			`testdata/bad/misfits/types.go:33: field Items of ThingSpec: +mapType=atomic needs a map, not []misfits.Item`,
			`testdata/bad/misfits/types.go:36: field Count of ThingSpec: +structType=atomic needs a struct, not int32`,
			`testdata/bad/misfits/types.go:39: field Conditions of ThingSpec: +listType=set contradicts a list of metav1.Condition, which is a map keyed by type`,
			`testdata/bad/misfits/types.go:43: field Ports of ThingSpec: +listMapKey=name contradicts patchMergeKey:"port"`,
			`testdata/bad/misfits/types.go:47: field Twice of ThingSpec: +listType=set contradicts +listType=map`,
		}, false},
		{"lockedcollections", []string{
			`testdata/bad/lockedcollections/types.go:24: field ByKey of ThingSpec: lockedcollections.Locked holds a lock (sync.Mutex), which must not be copied, and has no DeepCopyInto method to copy the map's values with`,
			`testdata/bad/lockedcollections/types.go:26: field Set of ThingSpec: a set copies its elements by value, and lockedcollections.Locked holds a lock (sync.Mutex), which must not be copied`,
			`testdata/bad/lockedcollections/types.go:29: field Pair of ThingSpec: [2]lockedcollections.Locked holds a lock (sync.Mutex), which must not be copied: an array of it is copied element by element with the element's DeepCopyInto method, and lockedcollections.Locked has none`,
		}, false},
		{"atomictopology", []string{
			`testdata/bad/atomictopology/types.go:21: field NoKey of Whole: +listType=map needs +listMapKey`,
			`testdata/bad/atomictopology/types.go:25: field Keyed of Whole: +listMapKey=id names no field of atomictopology.Item`,
			`testdata/bad/atomictopology/types.go:28: field Bag of Whole: unknown +listType=bag (atomic, set or map)`,
		}, false},
		{"valueless", []string{
			`testdata/bad/valueless/types.go:14: +conflict:merge needs a strategy, as +conflict:merge=<strategy> (known: atomic, conditions, max, min, ours, strict, theirs, union)`,
			`testdata/bad/valueless/types.go:20: +conflict:requestLog needs a Go field path, as +conflict:requestLog=<Go field path>`,
			`testdata/bad/valueless/types.go:28: +conflict:observedGeneration needs a Go field path, as +conflict:observedGeneration=<Go field path>`,
		}, false},
		{"clash", []string{
			`testdata/bad/clash/types.go:12: UpdateThingWithRetry is declared here, and conflict-gen generates a function of that name for kind Thing: rename it, or generate into a separate package (--output-dir)`,
			`testdata/bad/clash/types.go:15: conflictApplySchema is declared here, and conflict-gen generates a constant of that name to hold the server-side apply schema: rename it, or generate into a separate package (--output-dir)`,
			`testdata/bad/clash/types.go:18: conflictThingKind is declared here, and conflict-gen generates a variable of that name for kind Thing: rename it, or generate into a separate package (--output-dir)`,
		}, true},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			// Next to the types, together with a good package: nothing at
			// all is written.
			err := Run(Options{Patterns: []string{"./testdata/apis/optout", "./testdata/bad/" + tc.pkg}}, io.Discard)
			var list ErrorList
			require.ErrorAs(t, err, &list)
			assert.Equal(t, strings.Join(tc.want, "\n"), err.Error())
			assert.NoFileExists(t, filepath.Join("testdata", "bad", tc.pkg, DefaultOutputFile))
			assert.NoFileExists(t, filepath.Join("testdata", "apis", "optout", DefaultOutputFile))

			if !tc.onlyNextToTypes {
				out := t.TempDir()
				err = Run(Options{Patterns: []string{"./testdata/apis/optout", "./testdata/bad/" + tc.pkg}, OutputDir: out}, io.Discard)
				require.ErrorAs(t, err, &list)
				assertEmpty(t, out)
			}
		})
	}
}

func TestUnknownPackages(t *testing.T) {
	err := Run(Options{Patterns: []string{"./testdata/nosuchdir"}}, io.Discard)
	require.EqualError(t, err, "./testdata/nosuchdir: no such package directory")

	err = Run(Options{Patterns: []string{"example.com/no/such/package"}}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "example.com/no/such/package")
}

func TestVerify(t *testing.T) {
	out := t.TempDir()
	opts := Options{Patterns: []string{"./testdata/apis/kubebuilder", "./testdata/apis/optout"}, OutputDir: out}
	require.NoError(t, Run(opts, io.Discard))
	written := filepath.Join(out, "batch", "kubebuilder", DefaultOutputFile)
	require.FileExists(t, written)

	opts.Verify = true
	require.NoError(t, Run(opts, io.Discard))

	require.NoError(t, os.WriteFile(written, []byte("package kubebuilder\n"), 0o644))
	missing := filepath.Join(out, "apis", "optout", DefaultOutputFile)
	require.NoError(t, os.Remove(missing))
	err := Run(opts, io.Discard)
	var stale *StaleError
	require.ErrorAs(t, err, &stale)
	assert.Equal(t, []string{written}, stale.Stale)
	assert.Equal(t, []string{missing}, stale.Missing)
	content, _ := os.ReadFile(written)
	assert.Equal(t, "package kubebuilder\n", string(content), "verify writes nothing")
}

func TestOutputIsDeterministic(t *testing.T) {
	a, err := Generate(Options{Patterns: []string{"./testdata/apis/kubebuilder", "./testdata/apis/clientgen"}})
	require.NoError(t, err)
	b, err := Generate(Options{Patterns: []string{"./testdata/apis/clientgen", "./testdata/apis/kubebuilder"}})
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestHeaderFile(t *testing.T) {
	header := filepath.Join(t.TempDir(), "boilerplate.go.txt")
	require.NoError(t, os.WriteFile(header, []byte("/*\nCopyright YEAR The Authors.\n*/\n"), 0o644))
	files, err := Generate(Options{Patterns: []string{"./testdata/apis/optout"}, HeaderFile: header})
	require.NoError(t, err)
	year := strconv.Itoa(time.Now().UTC().Year())
	want := "//go:build !ignore_autogenerated\n\n/*\nCopyright " + year + " The Authors.\n*/\n\n// Code generated by conflict-gen. DO NOT EDIT.\n\npackage optout\n"
	assert.True(t, strings.HasPrefix(string(files[0].Content), want), string(files[0].Content[:200]))
}

// TestGeneratedIntoTheAPIPackageCompiles generates next to the types of a
// copy of the infra example (whose deepcopy is generated by controller-gen)
// and of testdata packages, in a scratch module, then vets it and runs the
// tests that the testdata packages hold (they assert what the generated
// merges do).
func TestGeneratedIntoTheAPIPackageCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	mod := t.TempDir()
	copyDir(t, filepath.Join(root, "examples", "api", "infra", "v1alpha1"), filepath.Join(mod, "api", "infra", "v1alpha1"))
	for _, pkg := range scratchPackages {
		copyDir(t, filepath.Join("testdata", "apis", pkg), filepath.Join(mod, "api", pkg))
	}
	// The scratch module starts from the examples' module, which requires
	// the runtime and controller-runtime as an adopter does; the testdata
	// packages import each other by the root module's path.
	gomod, err := os.ReadFile(filepath.Join(root, "examples", "go.mod"))
	require.NoError(t, err)
	gomod = []byte(strings.Replace(string(gomod), "module github.com/conflict-gen/conflict-gen/examples",
		"module example.com/scratch\n\nrequire github.com/conflict-gen/conflict-gen v0.0.0\n\nreplace github.com/conflict-gen/conflict-gen => "+root, 1))
	// The runtime module's replace is relative to examples/.
	gomod = []byte(strings.Replace(string(gomod), "=> ../runtime", "=> "+filepath.Join(root, "runtime"), 1))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), gomod, 0o644))
	var gosum []byte
	for _, dir := range []string{root, filepath.Join(root, "examples")} {
		sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
		require.NoError(t, err)
		gosum = append(gosum, sum...)
	}
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.sum"), gosum, 0o644))

	t.Chdir(mod)
	require.NoError(t, Run(Options{Patterns: []string{"./api/..."}}, io.Discard))
	require.FileExists(t, filepath.Join(mod, "api", "infra", "v1alpha1", DefaultOutputFile))
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./api/..."}} {
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		outBytes, err := cmd.CombinedOutput()
		require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), outBytes)
	}

	// Generating again reads the package without the file it generated
	// (the ignore_autogenerated build tag) and finds it current.
	require.NoError(t, Run(Options{Patterns: []string{"./api/..."}, Verify: true}, io.Discard))
}

// scratchPackages are the testdata packages built, vetted and tested in
// the scratch module: each has its deepcopy and may have tests of its
// generated helpers.
var scratchPackages = []string{"merging", "protostyle", "conditions", "locks"}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(to, 0o755))
	entries, err := os.ReadDir(from)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() || e.Name() == DefaultOutputFile {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, e.Name()), data, 0o644))
	}
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestPackagesThatGenerateNothingSaySoAndLeaveNoFileBehind(t *testing.T) {
	out := t.TempDir()
	opts := Options{Patterns: []string{"./testdata/apis/optout", "./testdata/apis/optedout", "./testdata/apis/nokinds"}, OutputDir: out}
	files, err := Generate(opts)
	require.NoError(t, err)
	where := map[string]string{}
	for _, f := range files {
		where[filepath.Base(f.Package)] = f.Path
	}
	var log strings.Builder
	require.NoError(t, Run(opts, &log))
	assert.Contains(t, log.String(), "/testdata/apis/optedout: nothing generated: the package opts out with +conflict:generate=false\n")
	assert.Contains(t, log.String(), "/testdata/apis/nokinds: nothing generated: no kinds (")
	assert.NoFileExists(t, where["optedout"])
	assert.NoFileExists(t, where["nokinds"])

	// A file generated before the package opted out is left over: verify
	// reports it and generating removes it.
	generated := filepath.Join(out, "leftover.go")
	require.NoError(t, Run(Options{Patterns: []string{"./testdata/apis/optout"}, OutputDir: out}, io.Discard))
	for _, f := range files {
		if filepath.Base(f.Package) == "optout" {
			content, err := os.ReadFile(f.Path)
			require.NoError(t, err)
			leftover := strings.ReplaceAll(string(content), "apis/optout", "apis/optedout")
			require.NoError(t, os.MkdirAll(filepath.Dir(where["optedout"]), 0o755))
			require.NoError(t, os.WriteFile(where["optedout"], []byte(leftover), 0o644))
			require.NoError(t, os.WriteFile(generated, content, 0o644))
		}
	}
	opts.Verify = true
	err = Run(opts, io.Discard)
	var stale *StaleError
	require.ErrorAs(t, err, &stale)
	assert.Equal(t, []string{where["optedout"]}, stale.Leftover)
	assert.Contains(t, err.Error(), "left over (the package generates nothing; generating removes it): ")
	require.FileExists(t, where["optedout"], "verify writes nothing")

	opts.Verify = false
	log.Reset()
	require.NoError(t, Run(opts, &log))
	assert.NoFileExists(t, where["optedout"])
	assert.Contains(t, log.String(), "removed ")
	opts.Verify = true
	require.NoError(t, Run(opts, io.Discard))

	// A file conflict-gen did not write, or wrote for another package, is
	// never removed.
	require.NoError(t, os.WriteFile(where["optedout"], []byte("package optedout\n"), 0o644))
	content, err := os.ReadFile(generated)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(where["nokinds"]), 0o755))
	require.NoError(t, os.WriteFile(where["nokinds"], content, 0o644))
	opts.Verify = false
	require.NoError(t, Run(opts, io.Discard))
	assert.FileExists(t, where["optedout"])
	assert.FileExists(t, where["nokinds"])
}

func TestLeftoverNextToTheTypesIsRemoved(t *testing.T) {
	leftover := filepath.Join("testdata", "apis", "optedout", DefaultOutputFile)
	t.Cleanup(func() { os.Remove(leftover) })
	content := "//go:build !ignore_autogenerated\n\n" + "// Code generated by conflict-gen. DO NOT EDIT.\n\npackage optedout\n"
	require.NoError(t, os.WriteFile(leftover, []byte(content), 0o644))
	opts := Options{Patterns: []string{"./testdata/apis/optedout"}, Verify: true}
	var stale *StaleError
	require.ErrorAs(t, Run(opts, io.Discard), &stale)
	opts.Verify = false
	require.NoError(t, Run(opts, io.Discard))
	assert.NoFileExists(t, leftover)
}

func TestOutputDirLayoutIsGroupLabelAndVersion(t *testing.T) {
	out := t.TempDir()
	files, err := Generate(Options{Patterns: []string{"./testdata/layout/source/...", "./testdata/layout/kustomize/...", "./testdata/apis/optout", "./testdata/apis/kubebuilder"}, OutputDir: out})
	require.NoError(t, err)
	got := map[string]string{}
	for _, f := range files {
		rel, err := filepath.Rel(out, filepath.Dir(f.Path))
		require.NoError(t, err)
		got[strings.TrimPrefix(f.Package, "github.com/conflict-gen/conflict-gen/generator/testdata/")] = filepath.ToSlash(rel)
	}
	assert.Equal(t, map[string]string{
		"layout/source/api/v1":    "source/v1",
		"layout/kustomize/api/v1": "kustomize/v1",
		"apis/optout":             "apis/optout",       // no group: the path's last two elements
		"apis/kubebuilder":        "batch/kubebuilder", // batch.example.com
	}, got)

	_, err = Generate(Options{Patterns: []string{"./testdata/layout/source/...", "./testdata/layout/other/..."}, OutputDir: out})
	require.Error(t, err)
	assert.Equal(t, "packages github.com/conflict-gen/conflict-gen/generator/testdata/layout/other/source/v1 (group \"source.example.com\") and "+
		"github.com/conflict-gen/conflict-gen/generator/testdata/layout/source/api/v1 (group \"source.toolkit.fluxcd.io\") would both be generated into "+
		filepath.Join(out, "source", "v1", DefaultOutputFile)+" (--output-dir puts each package at DIR/<group's first DNS label>/<version>): "+
		"generate them in separate runs, each with its own --output-dir", err.Error())
}

// TestLockHoldersAreCopiedWithTheirDeepCopyInto: a value that holds a lock,
// reached through a pointer, a slice or a map, is copied by the runtime's
// generic functions, where go vet cannot see the copy.
func TestLockHoldersAreCopiedWithTheirDeepCopyInto(t *testing.T) {
	files, err := Generate(Options{Patterns: []string{"./testdata/apis/locks"}})
	require.NoError(t, err)
	require.Len(t, files, 1)
	src := string(files[0].Content)
	for _, want := range []string{
		`conflict.Atomic(m, "ptr", s, base.Ptr, current.Ptr, desired.Ptr, conflict.CopyPtrDeep)`,
		`conflict.Atomic(m, "slice", s, base.Slice, current.Slice, desired.Slice, conflict.CopySliceDeep)`,
		`conflict.MergeMapAtomic(m, "byKey", s, base.ByKey, current.ByKey, desired.ByKey, conflict.CopyDeep)`,
	} {
		assert.Contains(t, src, want)
	}
}

func TestSeparateRunsIntoOneOutputDirDoNotOverwriteAnotherPackagesFile(t *testing.T) {
	out := t.TempDir()
	first := Options{Patterns: []string{"./testdata/layout/source/..."}, OutputDir: out}
	require.NoError(t, Run(first, io.Discard))
	written := filepath.Join(out, "source", "v1", DefaultOutputFile)
	before, err := os.ReadFile(written)
	require.NoError(t, err)

	second := Options{Patterns: []string{"./testdata/layout/other/...", "./testdata/layout/kustomize/..."}, OutputDir: out}
	err = Run(second, io.Discard)
	require.Error(t, err)
	const testdata = "github.com/conflict-gen/conflict-gen/generator/testdata/"
	assert.Equal(t, written+" was generated for "+testdata+"layout/source/api/v1, not for "+testdata+"layout/other/source/v1: "+
		"--output-dir puts each package at DIR/<group's first DNS label>/<version>; generate them with different --output-dir", err.Error())
	after, err := os.ReadFile(written)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "the other package's file is left alone")
	assert.NoDirExists(t, filepath.Join(out, "kustomize"), "nothing is written")

	// Verify says so too.
	second.Verify = true
	err = Run(second, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), " was generated for "+testdata+"layout/source/api/v1, not for ")
}

func TestOnlyAFileWhoseHeaderSaysConflictGenGeneratedItIsRemoved(t *testing.T) {
	leftover := filepath.Join("testdata", "apis", "optedout", DefaultOutputFile)
	t.Cleanup(func() { os.Remove(leftover) })
	for name, content := range map[string]string{
		"header in a string after the package clause": "// Package optedout is written by hand.\npackage optedout\n\nconst s = `\n// Code generated by conflict-gen. DO NOT EDIT.\n`\n",
		"header after the package clause":             "// Hand-written.\npackage optedout\n\n// Code generated by conflict-gen. DO NOT EDIT.\n",
		"another generator's header":                  "// Code generated by something-else. DO NOT EDIT.\n\npackage optedout\n\n// Code generated by conflict-gen. DO NOT EDIT.\n",
		"header inside a block comment":               "/*\n// Code generated by conflict-gen. DO NOT EDIT.\n*/\n\npackage optedout\n",
		"generated for another package name":          "//go:build !ignore_autogenerated\n\n// Code generated by conflict-gen. DO NOT EDIT.\n\npackage other\n",
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(leftover, []byte(content), 0o644))
			require.NoError(t, Run(Options{Patterns: []string{"./testdata/apis/optedout"}}, io.Discard))
			got, err := os.ReadFile(leftover)
			require.NoError(t, err, "the file is not conflict-gen's and is kept")
			assert.Equal(t, content, string(got))
		})
	}
}
