package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	infrav1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/infra/v1alpha1"
	neo4jv1alpha1 "github.com/conflict-gen/conflict-gen/examples/api/neo4j/v1alpha1"
	dbv1 "github.com/conflict-gen/conflict-gen/examples/kubebuilder/api/v1"
)

// Env is a running API server with the example CRDs installed.
type Env struct {
	// Scheme knows the example kinds, the built-in kinds of client-go's
	// scheme and CustomResourceDefinition.
	Scheme *kruntime.Scheme
	// Mapper maps kinds to their resources: the example kinds for the
	// CRD-only server of [Start], every served kind for [StartKube].
	Mapper meta.RESTMapper

	mu      sync.Mutex
	config  *rest.Config
	etcd    *etcd
	api     *apiServer
	start   func() (*apiServer, error) // starts the API server again on the same etcd
	dir     string
	envtest *envtest.Environment
}

var quietOnce sync.Once

// quiet silences the API server's klog output and controller-runtime's
// warning that no logger was set: tests report through their errors.
func quiet() {
	quietOnce.Do(func() {
		klog.SetLogger(logr.Discard())
		ctrllog.SetLogger(logr.Discard())
	})
}

// Scheme returns a scheme that knows the example kinds (examples/api and
// the kubebuilder sample's Database), the built-in kinds and
// CustomResourceDefinition.
func Scheme() (*kruntime.Scheme, error) {
	scheme := kruntime.NewScheme()
	for _, add := range []func(*kruntime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme,
		infrav1alpha1.AddToScheme, neo4jv1alpha1.AddToScheme, dbv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	return scheme, nil
}

// NewClient returns an uncached controller-runtime client for cfg that
// knows the example kinds: what a process that did not start the server
// (a worker of a multi-process test) uses.
func NewClient(cfg *rest.Config) (client.Client, error) {
	scheme, crds, err := exampleTypes()
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: scheme, Mapper: staticMapper(crds)})
}

// exampleTypes returns the scheme and the CRDs of the example kinds.
func exampleTypes() (*kruntime.Scheme, []*apiextensionsv1.CustomResourceDefinition, error) {
	scheme, err := Scheme()
	if err != nil {
		return nil, nil, err
	}
	crds, err := exampleCRDs()
	return scheme, crds, err
}

// Start runs an API server and installs the example CRDs: the embedded
// etcd and apiextensions-apiserver, or envtest's binaries when
// KUBEBUILDER_ASSETS is set. Stop it with [Env.Stop].
//
// The embedded server serves CRDs only; a test that needs built-in kinds
// (ConfigMap, StatefulSet) uses [StartKube].
func Start() (*Env, error) {
	quiet()
	scheme, crds, err := exampleTypes()
	if err != nil {
		return nil, err
	}
	e := &Env{Scheme: scheme, Mapper: staticMapper(crds)}
	if assets := os.Getenv("KUBEBUILDER_ASSETS"); assets != "" {
		err = e.startEnvtest()
	} else {
		err = e.startEmbedded()
	}
	if err != nil {
		e.Stop()
		return nil, err
	}
	if err := e.install(crds); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

func (e *Env) startEmbedded() error {
	var err error
	if e.dir, err = os.MkdirTemp("", "conflict-gen-apiserver"); err != nil {
		return err
	}
	kubeconfig, err := writePlaceholderKubeconfig(e.dir)
	if err != nil {
		return err
	}
	if e.etcd, err = startEtcd(); err != nil {
		return err
	}
	flags := apiServerFlags("http://"+e.etcd.endpoint(), "/conflict-gen", kubeconfig)
	e.start = func() (*apiServer, error) { return startAPIServer(flags) }
	if e.api, err = e.start(); err != nil {
		return err
	}
	e.config = e.api.config
	return nil
}

// StartKube runs a full kube-apiserver in-process (core/v1, apps/v1 and
// the other built-in groups with their real validation and admission,
// CRDs through its embedded apiextensions-apiserver) on an embedded etcd,
// or envtest's binaries when KUBEBUILDER_ASSETS is set, and installs the
// example CRDs. Its Mapper uses discovery, as a manager's does.
//
// It takes several times longer to start than [Start]'s CRD-only server,
// so tests that need no built-in kind use [Start]. The server is stopped
// at tb's cleanup, or earlier by [Env.Stop]. Namespace admission is on:
// create a namespace before objects in it.
func StartKube(tb testing.TB) (*Env, error) {
	quiet()
	scheme, crds, err := exampleTypes()
	if err != nil {
		return nil, err
	}
	e := &Env{Scheme: scheme}
	tb.Cleanup(e.Stop)
	if assets := os.Getenv("KUBEBUILDER_ASSETS"); assets != "" {
		err = e.startEnvtest()
	} else {
		err = e.startKubeEmbedded(tb)
	}
	if err != nil {
		return nil, err
	}
	cfg := e.Config()
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	if e.Mapper, err = apiutil.NewDynamicRESTMapper(cfg, httpClient); err != nil {
		return nil, err
	}
	if err := e.install(crds); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Env) startKubeEmbedded(tb testing.TB) error {
	var err error
	if e.etcd, err = startEtcd(); err != nil {
		return err
	}
	endpoint := "http://" + e.etcd.endpoint()
	e.start = func() (*apiServer, error) { return startKubeAPIServer(tb, endpoint, "/conflict-gen-kube") }
	if e.api, err = e.start(); err != nil {
		return err
	}
	e.config = e.api.config
	return nil
}

func (e *Env) startEnvtest() error {
	e.envtest = &envtest.Environment{}
	cfg, err := e.envtest.Start()
	if err != nil {
		return fmt.Errorf("starting envtest (KUBEBUILDER_ASSETS=%s): %w", os.Getenv("KUBEBUILDER_ASSETS"), err)
	}
	e.config = cfg
	return nil
}

// Stop stops the API server and etcd and removes their files.
func (e *Env) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.envtest != nil {
		_ = e.envtest.Stop()
		e.envtest = nil
	}
	if e.api != nil {
		e.api.stop()
		e.api = nil
	}
	if e.etcd != nil {
		e.etcd.stop()
		e.etcd = nil
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}

// Config returns a copy of the configuration that reaches the API server
// now, with client-side rate limiting off (QPS -1): contention figures
// measure the server, not client-go's token bucket.
func (e *Env) Config() *rest.Config {
	e.mu.Lock()
	defer e.mu.Unlock()
	cfg := rest.CopyConfig(e.config)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

// NewClient returns an uncached controller-runtime client for cfg (nil
// for [Env.Config]).
func (e *Env) NewClient(cfg *rest.Config) (client.Client, error) {
	if cfg == nil {
		cfg = e.Config()
	}
	return client.New(cfg, client.Options{Scheme: e.Scheme, Mapper: e.Mapper})
}

// NewManager returns a manager whose client reads from informers, for
// tests of cached reads. Its metrics and health endpoints are off.
func (e *Env) NewManager() (manager.Manager, error) {
	return manager.New(e.Config(), manager.Options{
		Scheme:                 e.Scheme,
		MapperProvider:         func(*rest.Config, *http.Client) (meta.RESTMapper, error) { return e.Mapper, nil },
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Every test's manager registers its controllers under the same
		// names.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
}

// RestartAPIServer stops the API server and starts it again on the same
// etcd, as a rolling restart of a control plane does. While it is down,
// requests through a [Proxy] fail as they would through a load balancer;
// afterwards the proxy, and [Env.Config], reach the new server.
func (e *Env) RestartAPIServer() error {
	e.mu.Lock()
	old, ctl := e.api, e.envtest
	e.mu.Unlock()
	if ctl != nil {
		apiServer := ctl.ControlPlane.APIServer
		if err := apiServer.Stop(); err != nil {
			return err
		}
		return apiServer.Start()
	}
	old.stop()
	api, err := e.start()
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.api, e.config = api, api.config
	e.mu.Unlock()
	return nil
}

// crdDirs are the directories, relative to the repository's root, where
// controller-gen writes the examples' CRDs: examples/api's, and the
// kubebuilder sample's in kubebuilder's layout.
var crdDirs = []string{
	filepath.Join("examples", "config", "crd"),
	filepath.Join("examples", "kubebuilder", "config", "crd", "bases"),
}

// exampleCRDs reads the CRDs controller-gen generated for the examples.
func exampleCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		return nil, errors.New("cannot find the harness's source directory")
	}
	var files []string
	for _, d := range crdDirs {
		dir := filepath.Join(filepath.Dir(here), "..", "..", d)
		found, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil || len(found) == 0 {
			return nil, fmt.Errorf("no CRDs in %s (run make generate)", dir)
		}
		files = append(files, found...)
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		crds = append(crds, crd)
	}
	return crds, nil
}

// install creates the CRDs and waits until their kinds are served.
func (e *Env) install(crds []*apiextensionsv1.CustomResourceDefinition) error {
	c, err := e.NewClient(nil)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, crd := range crds {
		if err := c.Create(ctx, crd.DeepCopy()); err != nil {
			return fmt.Errorf("creating CRD %s: %w", crd.Name, err)
		}
	}
	// A CRD is served a moment after it is established; listing its kind
	// succeeds only then.
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			list := &unstructured.UnstructuredList{}
			list.SetAPIVersion(crd.Spec.Group + "/" + v.Name)
			list.SetKind(crd.Spec.Names.ListKind)
			err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
				return c.List(ctx, list) == nil, nil
			})
			if err != nil {
				return fmt.Errorf("CRD %s was not served within a minute", crd.Name)
			}
		}
	}
	return nil
}
