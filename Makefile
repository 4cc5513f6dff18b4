# Darknet-style front door over CMake.
#   make                 build (Release) into build/
#   make test            build and run the tests (CTest)
#   make sanitize        ASan+UBSan build into build-asan/ and run the tests
#   make bench           run huge2-bench (ARGS="--suite dcgan --threads 1")
#   make deps            install the Debian packages (scripts/install-deps.sh)
#   make darknet         Darknet's own CLI with huge2 inside: $(BUILD)/darknet/darknet
#                        (scripts/build-darknet.sh; needs the deb-src entry install-deps adds)
#   make darknet-gpu     the same source as a GPU=1 CUDNN=1 program: $(BUILD)/darknet-gpu/darknet
#   make GPU=1 CUDNN=1   require the CUDA backend (cuda/) and its cudnn algorithm;
#                        GPU=0 / CUDNN=0 leave them out; unset, CMake builds them
#                        wherever nvcc / cuDNN are found (HUGE2_CUDA=AUTO). The
#                        choice stays in $(BUILD)'s cache until given again.
BUILD ?= build
JOBS  ?= $(shell env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)
GPU   ?=
CUDNN ?=
ARGS  ?=

CMAKE_FLAGS = -DHUGE2_BENCH=ON
ifeq ($(GPU),1)
CMAKE_FLAGS += -DHUGE2_CUDA=ON
else ifeq ($(GPU),0)
CMAKE_FLAGS += -DHUGE2_CUDA=OFF
else ifneq ($(GPU),)
$(error GPU must be 1 or 0, got '$(GPU)')
endif
ifeq ($(CUDNN),1)
CMAKE_FLAGS += -DHUGE2_CUDNN=ON
ifeq ($(GPU),)
CMAKE_FLAGS += -DHUGE2_CUDA=ON
endif
else ifeq ($(CUDNN),0)
CMAKE_FLAGS += -DHUGE2_CUDNN=OFF
else ifneq ($(CUDNN),)
$(error CUDNN must be 1 or 0, got '$(CUDNN)')
endif

.PHONY: all test sanitize bench deps darknet darknet-gpu clean
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

darknet: all
	bash scripts/build-darknet.sh $(BUILD)

darknet-gpu:
	bash scripts/build-darknet.sh --gpu $(BUILD)

clean:
	rm -rf build build-asan
