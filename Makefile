# conflict-gen's build. Every tool comes from the Go module proxy at the
# version pinned in go.mod (controller-gen is a `tool` dependency).

GO ?= go
CONTROLLER_GEN ?= $(GO) tool controller-gen
CONFLICT_GEN ?= $(GO) run ./cmd/conflict-gen
HEADER := hack/boilerplate.go.txt

.PHONY: all generate verify test test-unit compat lint bench bench-generate demo help

all: generate test

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# The kubebuilder sample generates as the README tells a kubebuilder project
# to: next to its types, and a k8s.io/api kind into its own module.
KUBEBUILDER_CONFLICT_FLAGS := --go-header-file $(HEADER) ./examples/kubebuilder/api/...
KUBEBUILDER_CORE_FLAGS := --go-header-file $(HEADER) --output-dir examples/kubebuilder/internal/conflict --kinds ConfigMap k8s.io/api/core/v1

generate: ## Generate deepcopy and CRDs (controller-gen) and the conflict helpers for examples/api and examples/kubebuilder.
	$(CONTROLLER_GEN) object:headerFile=$(HEADER) paths=./examples/api/...
	$(CONTROLLER_GEN) crd paths=./examples/api/... output:crd:artifacts:config=examples/config/crd
	$(CONFLICT_GEN) --go-header-file $(HEADER) --output-dir examples/zz_generated ./examples/api/...
	$(CONTROLLER_GEN) object:headerFile=$(HEADER) paths=./examples/kubebuilder/api/...
	$(CONTROLLER_GEN) crd paths=./examples/kubebuilder/api/... output:crd:artifacts:config=examples/kubebuilder/config/crd/bases
	$(CONFLICT_GEN) $(KUBEBUILDER_CONFLICT_FLAGS)
	$(CONFLICT_GEN) $(KUBEBUILDER_CORE_FLAGS)

verify: ## Fail if anything generated is stale.
	$(CONFLICT_GEN) --verify --go-header-file $(HEADER) --output-dir examples/zz_generated ./examples/api/...
	$(CONFLICT_GEN) --verify $(KUBEBUILDER_CONFLICT_FLAGS)
	$(CONFLICT_GEN) --verify $(KUBEBUILDER_CORE_FLAGS)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -R go.mod go.sum Makefile hack cmd generator templates runtime examples "$$tmp"/ && \
	$(MAKE) --no-print-directory -C "$$tmp" generate >/dev/null && \
	diff -r examples "$$tmp/examples" && echo "generated files are up to date"

lint: ## gofmt and go vet.
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd runtime && $(GO) vet ./...
	cd test && $(GO) vet ./...

test-unit: ## Tests of the root module and of the runtime module (unit, golden, fake client; with -race) and of test/ (real API server, wild API packages).
	$(GO) test -race -timeout 30m ./...
	cd runtime && $(GO) test -race ./...
	cd test && $(GO) test ./...

compat: ## The runtime and the generated examples against the oldest and newest supported controller-runtime; adopting the runtime moves no version.
	./hack/compat.sh

test: lint verify test-unit compat ## Everything CI runs.

demo: ## Start a real API server and run the homelab autoscaler's hot path, hand-written vs generated.
	cd test && $(GO) run ./cmd/demo

bench: ## Benchmarks: the merge micro-benchmarks, then every update strategy on the real API server (one table).
	$(GO) test -run '^$$' -bench . -benchmem ./...
	cd test && $(GO) run ./cmd/bench

bench-generate: ## Time conflict-gen against controller-gen object on cluster-api core/v1beta2, side by side (RUNS=5).
	./hack/bench-generate.sh
