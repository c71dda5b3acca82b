package generator

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKindsSelectsKindsAcrossPackages generates the seed's case: a
// StatefulSet from apps/v1 and a ConfigMap from core/v1, in one run, into
// the caller's module.
func TestKindsSelectsKindsAcrossPackages(t *testing.T) {
	out := t.TempDir()
	files, err := Generate(Options{
		Patterns:  []string{"k8s.io/api/core/v1", "k8s.io/api/apps/v1"},
		OutputDir: out,
		Kinds:     []string{"StatefulSet", "ConfigMap"},
	})
	require.NoError(t, err)
	src := map[string]string{}
	for _, f := range files {
		require.NotNil(t, f.Content, "%s: %s", f.Package, f.Empty)
		src[f.Package] = string(f.Content)
	}
	require.Len(t, src, 2)
	core, apps := src["k8s.io/api/core/v1"], src["k8s.io/api/apps/v1"]
	has := func(src, name string) bool { return strings.Contains(src, "\nfunc "+name+"(") }

	assert.True(t, has(core, "UpdateConfigMapWithRetry"))
	assert.True(t, has(core, "MergeConfigMap"))
	assert.True(t, has(apps, "UpdateStatefulSetWithRetry"))
	assert.True(t, has(apps, "UpdateStatefulSetStatusWithRetry"))
	assert.True(t, has(apps, "CreateOrUpdateStatefulSetWithRetry"))
	for _, name := range []string{"Pod", "Service", "Secret", "Node", "Namespace"} {
		assert.False(t, has(core, "Update"+name+"WithRetry"), name)
	}
	for _, name := range []string{"Deployment", "DaemonSet", "ReplicaSet"} {
		assert.False(t, has(apps, "Update"+name+"WithRetry"), name)
	}
	assert.NotContains(t, core, "func mergePodSpec", "no merge code for kinds not selected")
}

func TestUnknownKindsAreAnErrorNamingThem(t *testing.T) {
	out := t.TempDir()
	err := Run(Options{
		Patterns:  []string{"k8s.io/api/core/v1", "k8s.io/api/apps/v1"},
		OutputDir: out,
		Kinds:     []string{"StatefulSet", "Statefulset", "Widget"},
	}, io.Discard)
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "--kinds")
	assert.Contains(t, msg, `"Statefulset"`)
	assert.Contains(t, msg, `"Widget"`)
	assert.NotContains(t, msg, `"StatefulSet"`, "a kind that is found is not reported")
	assert.Contains(t, msg, "StatefulSet", "the kinds there are are listed")
	entries, rerr := os.ReadDir(out)
	require.NoError(t, rerr)
	assert.Empty(t, entries, "nothing written")
}

// TestNextToTypesOutsideTheMainModuleIsRefused: without --output-dir the
// file would go into the module cache, which is not the user's to write.
func TestNextToTypesOutsideTheMainModuleIsRefused(t *testing.T) {
	dir, err := exec.Command("go", "list", "-f", "{{.Dir}}", "k8s.io/api/core/v1").Output()
	require.NoError(t, err)
	target := filepath.Join(strings.TrimSpace(string(dir)), DefaultOutputFile)

	err = Run(Options{Patterns: []string{"k8s.io/api/core/v1"}, Kinds: []string{"ConfigMap"}}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "k8s.io/api/core/v1")
	assert.Contains(t, err.Error(), "outside the main module")
	assert.Contains(t, err.Error(), "--output-dir")
	assert.NoFileExists(t, target)

	err = Run(Options{Patterns: []string{"k8s.io/api/core/v1"}, Kinds: []string{"ConfigMap"}, Verify: true}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--output-dir")
}

// TestPackageWithNoSelectedKindGeneratesNothing: like a package without
// kinds, it is named with the reason, and the file generated for it
// before goes.
func TestPackageWithNoSelectedKindGeneratesNothing(t *testing.T) {
	out := t.TempDir()
	opts := Options{Patterns: []string{"k8s.io/api/core/v1", "k8s.io/api/apps/v1"}, OutputDir: out, Kinds: []string{"StatefulSet", "ConfigMap"}}
	require.NoError(t, Run(opts, io.Discard))
	apps := filepath.Join(out, "apps", "v1", DefaultOutputFile)
	require.FileExists(t, apps)

	opts.Kinds = []string{"ConfigMap"}
	var log strings.Builder
	require.NoError(t, Run(opts, &log))
	assert.Contains(t, log.String(), "k8s.io/api/apps/v1: nothing generated: none of its kinds is selected by --kinds")
	assert.NoFileExists(t, apps)
	assert.FileExists(t, filepath.Join(out, "core", "v1", DefaultOutputFile))
}
