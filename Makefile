# Two commands on a fresh Debian 12 machine:
#   make run    installs missing packages, configures, builds (Release) and runs the main job
#   make test   the same set-up, then builds and runs every test with ctest
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
ARGS       ?= fit llama-3.1-8b --device rtx-4090
CMAKE_ARGS ?=

DEB_PACKAGES := cmake g++ make pkg-config libcli11-dev nlohmann-json3-dev libfmt-dev libyaml-cpp-dev \
                googletest libgtest-dev libgmock-dev libbenchmark-dev libcurl4-openssl-dev libcpp-httplib-dev \
                python3 python3-jsonschema python3-yaml

# libFuzzer needs clang and its runtime (libclang_rt.fuzzer*.a is in libclang-rt-14-dev on Debian 12).
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_BUILD    ?= build-fuzz

.PHONY: run test build deps configure bench clean fuzz fuzz-deps llamacpp-deps install

run: build
	./$(BUILD)/vramfit $(ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) > $(BUILD).configure.log || { cat $(BUILD).configure.log; exit 1; }

# Installs only what is missing; uses apt-get directly as root, or through sudo.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; \
	  else echo "vramfit: missing Debian packages:$$missing (run as root or install sudo)" >&2; exit 2; fi; \
	  echo "installing:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The binary, its man page and the bash/zsh/fish completions under PREFIX (docs/install.md).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	./$(BUILD)/bench/vramfit_bench
	bash bench/cli_latency.sh ./$(BUILD)/vramfit

# The short fuzz pass of CI (fuzz/run_short.sh); the long run is fuzz/run_long.sh.
fuzz-deps:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(FUZZ_PACKAGES)"

fuzz: deps fuzz-deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVRAMFIT_FUZZ=ON \
	  -DVRAMFIT_BUILD_TESTS=OFF -DVRAMFIT_BUILD_BENCH=OFF > $(FUZZ_BUILD).configure.log || { cat $(FUZZ_BUILD).configure.log; exit 1; }
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz
	bash fuzz/run_short.sh $(FUZZ_BUILD)

# Real llama.cpp for the checks labelled `llamacpp` (gguf_llamacpp_accepts_fixtures, llamacpp_oracle_ci):
# node-llama-cpp from the npm registry, as pinned by bench/llamacpp/package-lock.json. Needs Node.js 20
# or newer (node-llama-cpp's engines); without it the checks skip, with a note here. CI runs this
# before `make test`; `make test` alone never installs from npm.
llamacpp-deps:
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "note: node/npm not installed: the llama.cpp checks will be skipped"; \
	elif [ "$$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then \
	  echo "note: node $$(node --version) is older than 20 (node-llama-cpp's minimum): the llama.cpp checks will be skipped"; \
	elif [ -f bench/llamacpp/node_modules/node-llama-cpp/package.json ] && \
	     [ bench/llamacpp/node_modules/.package-lock.json -nt bench/llamacpp/package-lock.json ]; then \
	  echo "node-llama-cpp already installed in bench/llamacpp"; \
	else \
	  cd bench/llamacpp && npm ci --no-audit --no-fund --loglevel=error; \
	fi

clean:
	rm -rf $(BUILD)
