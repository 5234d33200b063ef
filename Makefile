# The two commands of the README. Both install what is missing, configure
# with CMake + Ninja and build; `test` runs every CTest label but `slow`.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: deps build demo test test-all sanitize bench bench-train format clean

deps:
	@bash tools/install-deps.sh

build: deps
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash examples/demo.sh $(BUILD)/cnnc

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow

test-all: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	@test -f build-asan/build.ninja || cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCNNC_SANITIZE=ON
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) -LE slow

# cnnc against PyTorch and oneDNN, interleaved on this machine (bench/README.md).
# BENCH_ARGS passes options to bench/run.py, e.g. BENCH_ARGS="--cases layers --rounds 3".
BENCH_ARGS ?= --cases all --rounds 5
bench:
	@bash tools/install-deps.sh bench
	@# Configured again: a build tree made before the peers were installed
	@# has no onednn_bench target until CMake looks for oneDNN again.
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(BUILD) -j $(JOBS) --target cnnc_cli cnnc_bench onednn_bench
	@/usr/bin/python3 bench/run.py --build $(BUILD) --out $(BUILD)/bench/results.json $(BENCH_ARGS)

# LeNet-5 training on Fashion-MNIST, cnnc against PyTorch (bench/README.md).
# BENCH_TRAIN_ARGS passes options to bench/train_lenet.py, e.g. BENCH_TRAIN_ARGS="--rounds 3",
# "--epochs 1 --limit 2048" for a quick check, or "--recipe best --cnnc-args '...'".
BENCH_TRAIN_ARGS ?=
bench-train:
	@bash tools/install-deps.sh bench
	@test -f $(BUILD)/build.ninja || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	@cmake --build $(BUILD) -j $(JOBS) --target cnnc_cli
	@/usr/bin/python3 bench/train_lenet.py --build $(BUILD) $(BENCH_TRAIN_ARGS)

format:
	@git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
