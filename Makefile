# Darknet-style front door over CMake.
#   make                 build (Release) into build/
#   make test            build and run the tests (CTest)
#   make sanitize        ASan+UBSan build into build-asan/ and run the tests
#   make bench           run huge2-bench (ARGS="--suite dcgan --threads 1")
#   make deps            install the Debian packages (scripts/install-deps.sh)
#   make GPU=1 CUDNN=1   reserved for the CUDA backend (not built yet)
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
GPU   ?= 0
CUDNN ?= 0
ARGS  ?=

CMAKE_FLAGS = -DHUGE2_BENCH=ON
ifneq ($(GPU)$(CUDNN),00)
$(error GPU=1/CUDNN=1: the CUDA backend is not part of huge2 yet; build without them)
endif

.PHONY: all test sanitize bench deps clean
all:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

sanitize:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="$(CMAKE_FLAGS) -DCMAKE_BUILD_TYPE=Debug -DHUGE2_SANITIZE=ON"

bench: all
	./$(BUILD)/src/huge2-bench $(ARGS)

deps:
	bash scripts/install-deps.sh

clean:
	rm -rf build build-asan
