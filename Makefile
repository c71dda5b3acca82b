# conflict-gen's build. Every tool comes from the Go module proxy at the
# version pinned in go.mod (controller-gen is a `tool` dependency) and is
# built into ./bin, as a kubebuilder project installs its tools.
#
# Four modules: the root (generator and CLI, which `go install` installs, so
# it has no replace directive), runtime/ (what adopters require), examples/
# (API types, generated helpers, the sample operators) and test/ (real API
# servers, bench, demo). The generator runs in the module whose packages it
# reads, as it does in a user's project.

GO ?= go
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
CONFLICT_GEN ?= $(LOCALBIN)/conflict-gen
HEADER := $(CURDIR)/hack/boilerplate.go.txt

.PHONY: all tools generate verify test test-unit compat lint bench bench-generate demo proto help

all: generate test

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

tools: ## Build controller-gen (go.mod's version) and conflict-gen (this tree) into ./bin.
	$(GO) build -o $(LOCALBIN)/controller-gen sigs.k8s.io/controller-tools/cmd/controller-gen
	$(GO) build -o $(LOCALBIN)/conflict-gen ./cmd/conflict-gen

# Each generation runs in its module (examples/ or test/), with paths
# relative to it. The kubebuilder sample generates as the README tells a
# kubebuilder project to: next to its types, and a k8s.io/api kind into its
# own package.
EXAMPLES_FLAGS := --go-header-file $(HEADER) --output-dir zz_generated ./api/...
KUBEBUILDER_CONFLICT_FLAGS := --go-header-file $(HEADER) ./kubebuilder/api/...
KUBEBUILDER_CORE_FLAGS := --go-header-file $(HEADER) --output-dir kubebuilder/internal/conflict --kinds ConfigMap k8s.io/api/core/v1
# A built-in kind with immutable fields, for server-side apply on the full
# kube-apiserver (test/kube), from test/'s k8s.io/api.
APPS_FLAGS := --go-header-file $(HEADER) --output-dir kube/zz_generated --kinds StatefulSet k8s.io/api/apps/v1
# A built-in kind the API server fills in (clusterIP, a port's protocol and
# targetPort), for the no-op apply on the full kube-apiserver (test/kube).
SERVICE_FLAGS := --go-header-file $(HEADER) --output-dir kube/zz_generated --kinds Service k8s.io/api/core/v1

generate: tools ## Generate deepcopy and CRDs (controller-gen) and the conflict helpers for examples/api, examples/kubebuilder and test/kube.
	cd examples && $(CONTROLLER_GEN) object:headerFile=$(HEADER) paths=./api/...
	cd examples && $(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd
	cd examples && $(CONFLICT_GEN) $(EXAMPLES_FLAGS)
	cd examples && $(CONTROLLER_GEN) object:headerFile=$(HEADER) paths=./kubebuilder/api/...
	cd examples && $(CONTROLLER_GEN) crd paths=./kubebuilder/api/... output:crd:artifacts:config=kubebuilder/config/crd/bases
	cd examples && $(CONFLICT_GEN) $(KUBEBUILDER_CONFLICT_FLAGS)
	cd examples && $(CONFLICT_GEN) $(KUBEBUILDER_CORE_FLAGS)
	cd test && $(CONFLICT_GEN) $(APPS_FLAGS)
	cd test && $(CONFLICT_GEN) $(SERVICE_FLAGS)

# The homelab's gRPC code is checked in: generating it needs protoc
# (Debian: apt-get install protobuf-compiler), which CI does not have, so
# neither generate nor verify runs it. The plugins are built at pinned
# versions into a temporary directory.
PROTOC_GEN_GO := google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.8
PROTOC_GEN_GO_GRPC := google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1

proto: ## Regenerate examples/homelab/providerpb from its .proto (needs protoc).
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	GOBIN="$$tmp" $(GO) install $(PROTOC_GEN_GO) && GOBIN="$$tmp" $(GO) install $(PROTOC_GEN_GO_GRPC) && \
	cd examples/homelab/providerpb && \
	protoc --plugin=protoc-gen-go="$$tmp/protoc-gen-go" --plugin=protoc-gen-go-grpc="$$tmp/protoc-gen-go-grpc" \
		--go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative provider.proto

verify: tools ## Fail if anything generated is stale, missing or left over (generated again from scratch in a copy).
	cd examples && $(CONFLICT_GEN) --verify $(EXAMPLES_FLAGS)
	cd examples && $(CONFLICT_GEN) --verify $(KUBEBUILDER_CONFLICT_FLAGS)
	cd examples && $(CONFLICT_GEN) --verify $(KUBEBUILDER_CORE_FLAGS)
	cd test && $(CONFLICT_GEN) --verify $(APPS_FLAGS)
	cd test && $(CONFLICT_GEN) --verify $(SERVICE_FLAGS)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -R go.mod go.sum Makefile hack cmd generator templates runtime examples test "$$tmp"/ && \
	find "$$tmp/examples" "$$tmp/test/kube/zz_generated" -name zz_generated.conflict.go -delete && \
	$(MAKE) --no-print-directory -C "$$tmp" generate >/dev/null && \
	diff -r examples "$$tmp/examples" && diff -r test/kube/zz_generated "$$tmp/test/kube/zz_generated" && \
	echo "generated files are up to date"

lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd runtime && $(GO) vet ./...
	cd examples && $(GO) vet ./...
	cd test && $(GO) vet ./...

test-unit: ## Tests of the root module and of the runtime module (unit, golden, fake client; with -race) and of test/ (real API server, wild API packages).
	$(GO) test -race -timeout 30m ./...
	cd runtime && $(GO) test -race ./...
	cd examples && $(GO) test -race ./...
	cd test && $(GO) test ./...

compat: ## The runtime and the generated examples against the oldest and newest supported controller-runtime; adopting the runtime moves no version.
	./hack/compat.sh

test: lint verify test-unit compat ## Everything CI runs.

demo: ## Start a real API server and run the homelab autoscaler's hot path, hand-written vs generated; then lose answers: the seed's in-memory deduplication vs request IDs.
	cd test && $(GO) run ./cmd/demo

bench: ## Benchmarks: the merge micro-benchmarks, then every update strategy on the real API server (one table).
	cd examples && $(GO) test -run '^$$' -bench . -benchmem ./...
	cd test && $(GO) run ./cmd/bench

bench-generate: ## Time conflict-gen against controller-gen object on cluster-api core/v1beta2, side by side (RUNS=5).
	./hack/bench-generate.sh
