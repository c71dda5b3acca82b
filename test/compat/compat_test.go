package compat

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conflict-gen/conflict-gen/generator"
	"github.com/conflict-gen/conflict-gen/test/applyschema"
)

var wild = []string{
	"sigs.k8s.io/cluster-api/api/core/v1beta2",
	"k8s.io/api/apps/v1",
	"k8s.io/api/batch/v1",
	"k8s.io/api/core/v1",
	"sigs.k8s.io/gateway-api/apis/v1",
	// Two APIs at .../api/v1, into one output directory.
	"github.com/fluxcd/source-controller/api/v1",
	"github.com/fluxcd/kustomize-controller/api/v1",
	// Kinds whose spec and status are protobuf messages.
	"istio.io/client-go/pkg/apis/networking/v1",
}

// TestWildAPIPackagesGenerateCompileAndVet generates helpers for wild
// packages into a scratch module that has this module's dependencies, and
// builds and vets the result.
func TestWildAPIPackagesGenerateCompileAndVet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module")
	}
	here, err := os.Getwd()
	require.NoError(t, err)
	testModule := filepath.Dir(here)
	root := filepath.Dir(testModule)

	scratch := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(testModule, "go.mod"))
	require.NoError(t, err)
	mod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(gomod), "module example.com/scratch")
	mod = strings.ReplaceAll(mod, "=> ../", "=> "+root+string(filepath.Separator)) // the root, examples and runtime modules
	require.NoError(t, os.WriteFile(filepath.Join(scratch, "go.mod"), []byte(mod), 0o644))
	gosum, err := os.ReadFile(filepath.Join(testModule, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(scratch, "go.sum"), gosum, 0o644))

	t.Chdir(scratch)
	require.NoError(t, generator.Run(generator.Options{Patterns: wild, OutputDir: "gen"}, io.Discard))

	read := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(scratch, "gen", rel, generator.DefaultOutputFile))
		require.NoError(t, err)
		return string(data)
	}
	capi := read("cluster/v1beta2")
	assert.Contains(t, capi, "func UpdateMachineDeploymentStatusWithRetry(")
	assert.Contains(t, capi, "func SetClusterCondition(obj *corev1beta2.Cluster, c metav1.Condition)")
	assert.Contains(t, capi, `schema.GroupKind{Group: "cluster.x-k8s.io", Kind: "Machine"}`)

	apps := read("apps/v1")
	assert.Contains(t, apps, "func UpdateDeploymentStatusWithRetry(")
	assert.Contains(t, apps, `schema.GroupKind{Group: "apps", Kind: "Deployment"}`, "group from the GroupName constant")
	assert.NotContains(t, apps, "ControllerRevisionStatusWithRetry", "no Status field, no status helper")

	core := read("core/v1")
	assert.Contains(t, core, `schema.GroupKind{Group: "", Kind: "Pod"}`, "+groupName= is the core group")
	assert.Contains(t, core, "func UpdatePodStatusWithRetry(")
	assert.NotContains(t, core, "ConfigMapStatusWithRetry")
	assert.Contains(t, core, `corev1 "k8s.io/api/core/v1"`, "Kubernetes-style import names")

	source := read("source/v1")
	assert.Contains(t, source, "func UpdateGitRepositoryStatusWithRetry(")
	assert.Contains(t, source, `schema.GroupKind{Group: "source.toolkit.fluxcd.io", Kind: "GitRepository"}`)
	kustomize := read("kustomize/v1")
	assert.Contains(t, kustomize, "func UpdateKustomizationStatusWithRetry(")
	assert.Contains(t, kustomize, "func SetKustomizationCondition(")

	istio := read("networking/v1")
	assert.Contains(t, istio, "func MergeVirtualService(")
	assert.Contains(t, istio, `conflict.AtomicInto(m, "spec", s, &base.Spec, &current.Spec, &desired.Spec, &out.Spec)`,
		"a protobuf message merges whole, in place: go vet's copylocks check below")

	// What a controller that creates a StatefulSet, a ConfigMap and a
	// Service generates (README, --kinds).
	require.NoError(t, generator.Run(generator.Options{Patterns: []string{"k8s.io/api/apps/v1", "k8s.io/api/core/v1"},
		OutputDir: "genkinds", Kinds: []string{"StatefulSet", "ConfigMap", "Service"}}, io.Discard))

	// Every file's server-side apply schema parses, and names each kind's
	// type; generated code parses it again at init.
	schemaLines := map[string]int{}
	for _, dir := range []string{"gen", "genkinds"} {
		require.NoError(t, filepath.WalkDir(filepath.Join(scratch, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			content, err := os.ReadFile(path)
			require.NoError(t, err)
			_, err = applyschema.ReadEmitted(content)
			assert.NoError(t, err, path)
			yaml, err := applyschema.StringConst(content, "conflictApplySchema")
			require.NoError(t, err)
			rel, _ := filepath.Rel(scratch, filepath.Dir(path))
			schemaLines[rel] = strings.Count(yaml, "\n") + 1
			return nil
		}))
	}
	t.Logf("lines of server-side apply schema per generated file: %v", schemaLines)
	statefulSet, err := os.ReadFile(filepath.Join(scratch, "genkinds", "apps", "v1", generator.DefaultOutputFile))
	require.NoError(t, err)
	assert.Contains(t, string(statefulSet), "func ApplyStatefulSet(")
	assert.Contains(t, string(statefulSet), "func ApplyStatefulSetStatus(")
	assert.NotContains(t, string(statefulSet), "Deployment")

	cmd := exec.Command("go", "vet", "./gen/...", "./genkinds/...")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))

	// Property tests of the generated merges on random objects of real
	// kinds, with a fixed seed; PROPERTY_SEED and PROPERTY_RUNS run them
	// on other or more objects.
	src, err := os.ReadDir(filepath.Join(here, "testdata", "property"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(scratch, "property"), 0o755))
	for _, e := range src {
		data, err := os.ReadFile(filepath.Join(here, "testdata", "property", e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(scratch, "property", e.Name()), data, 0o644))
	}
	args := []string{"test", "-count=1", "./property/"}
	if s := os.Getenv("PROPERTY_SEED"); s != "" {
		args = append(args, "-args", "-seed="+s)
	}
	if r := os.Getenv("PROPERTY_RUNS"); r != "" {
		if len(args) == 3 {
			args = append(args, "-args")
		}
		args = append(args, "-runs="+r)
	}
	cmd = exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}
