package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conflict-gen/conflict-gen/generator/model"
)

// TestHelpDocumentsEveryFlagHelperAndStrategy: asked for, the help goes
// to stdout (conflict-gen --help | less) and is no error.
func TestHelpDocumentsEveryFlagHelperAndStrategy(t *testing.T) {
	for _, arg := range []string{"--help", "-h"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{arg}, &stdout, &stderr)
		assert.Equal(t, 0, code)
		assert.Empty(t, stderr.String(), arg)
		for _, flag := range []string{"-output-dir", "-output-file", "-go-header-file", "-verify", "-kinds", "+conflict:merge", "+conflict:generate", "+conflict:observedGeneration", "+conflict:requestLog=<Go field path>"} {
			assert.Contains(t, stdout.String(), flag)
		}
		for _, h := range []string{"UpdateXWithRetry", "UpdateXStatusWithRetry", "CreateOrUpdateXWithRetry", "XNeedsReconcile",
			"SetXObservedGeneration", "SetXCondition", "MergeX", "UpdateXFrom", "UpdateXStatusFrom"} {
			assert.Contains(t, stdout.String(), "\n  "+h, "every generated helper")
		}
		for _, s := range model.Strategies() {
			assert.Contains(t, stdout.String(), "\n      "+s.Marker()+" ", "every strategy")
		}
	}
}

func TestUnknownFlagIsAUsageErrorOnStderr(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run([]string{"--no-such-flag", "./..."}, &stdout, &stderr))
	assert.Empty(t, stdout.String())
	assert.Contains(t, stderr.String(), "flag provided but not defined: -no-such-flag")
	assert.Contains(t, stderr.String(), "Usage: conflict-gen")
}

// TestKindsFlag: a comma list, across packages; an unknown kind fails
// naming it, and nothing is written.
func TestKindsFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	require.Equal(t, 0, run([]string{"--output-dir", out, "--kinds", "StatefulSet, ConfigMap", "k8s.io/api/core/v1", "k8s.io/api/apps/v1"}, &stdout, &stderr), stderr.String())
	core, err := os.ReadFile(filepath.Join(out, "core", "v1", "zz_generated.conflict.go"))
	require.NoError(t, err)
	apps, err := os.ReadFile(filepath.Join(out, "apps", "v1", "zz_generated.conflict.go"))
	require.NoError(t, err)
	assert.Contains(t, string(core), "\nfunc UpdateConfigMapWithRetry(")
	assert.NotContains(t, string(core), "\nfunc UpdatePodWithRetry(")
	assert.Contains(t, string(apps), "\nfunc UpdateStatefulSetWithRetry(")
	assert.NotContains(t, string(apps), "\nfunc UpdateDeploymentWithRetry(")

	stderr.Reset()
	other := t.TempDir()
	assert.Equal(t, 1, run([]string{"--output-dir", other, "--kinds", "StatefulSet,Widget", "k8s.io/api/apps/v1"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), `--kinds: no kind "Widget"`)
	entries, err := os.ReadDir(other)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestNoPackagesIsAUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, run(nil, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "Usage: conflict-gen")
	assert.Empty(t, stdout.String())
}

func TestBadMarkerExitsNonZeroWithPositionAndWritesNothing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	code := run([]string{"--output-dir", out, "../../generator/testdata/bad/unknownstrategy"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), filepath.FromSlash("generator/testdata/bad/unknownstrategy/types.go")+`:14: unknown merge strategy "newest"`)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestWritesAndVerifies(t *testing.T) {
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	pkg := "../../generator/testdata/apis/optout"
	require.Equal(t, 0, run([]string{"--output-dir", out, "--output-file", "helpers.go", pkg}, &stdout, &stderr), stderr.String())
	assert.FileExists(t, filepath.Join(out, "apis", "optout", "helpers.go"))
	require.Equal(t, 0, run([]string{"--verify", "--output-dir", out, "--output-file", "helpers.go", pkg}, &stdout, &stderr), stderr.String())
	require.NoError(t, os.Remove(filepath.Join(out, "apis", "optout", "helpers.go")))
	stderr.Reset()
	assert.Equal(t, 1, run([]string{"--verify", "--output-dir", out, "--output-file", "helpers.go", pkg}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "missing: ")
}
