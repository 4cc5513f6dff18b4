# Cross build for 64-bit ARM Linux (Jetson-class CPUs) with Debian's cross
# compiler (g++-aarch64-linux-gnu); tests and Catch's test discovery run
# under qemu-aarch64 (user mode). scripts/cross-aarch64.sh drives it:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DHUGE2_AARCH64_SYSROOT=/var/cache/huge2/aarch64-sysroot
#
# Where the arm64 libraries come from:
#  - HUGE2_AARCH64_SYSROOT: an arm64 Debian tree (the script extracts one with
#    mmdebstrap: libc, libstdc++, OpenBLAS, OpenCV, Catch2, darknet). Used as
#    the compiler's --sysroot, as the root of every find_*(), and as qemu's -L,
#    so the emulated programs load that tree's ld.so, libc and libraries.
#  - empty: Debian multiarch on the build host (dpkg --add-architecture arm64;
#    libopenblas-openmp-dev:arm64 ...). Debian 12 cannot co-install the arm64
#    OpenCV codecs or darknet with the amd64 ones the native build uses,
#    hence the sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(_triple aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${_triple}-gcc)
set(CMAKE_CXX_COMPILER ${_triple}-g++)
# Debian's multiarch layout (in the sysroot as on the host): libraries in
# <prefix>/lib/aarch64-linux-gnu, and huge2's CMakeLists looks for the OpenMP
# OpenBLAS in /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp.
set(CMAKE_LIBRARY_ARCHITECTURE ${_triple})

set(HUGE2_AARCH64_SYSROOT "" CACHE PATH "arm64 Debian tree to build against (empty: host multiarch)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HUGE2_AARCH64_SYSROOT)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # build tools run on the host

if(HUGE2_AARCH64_SYSROOT)
  if(NOT IS_DIRECTORY "${HUGE2_AARCH64_SYSROOT}/usr/lib/${_triple}")
    message(FATAL_ERROR "huge2: HUGE2_AARCH64_SYSROOT=${HUGE2_AARCH64_SYSROOT} is not an arm64 Debian tree "
                        "(run scripts/cross-aarch64.sh, or empty it for host multiarch)")
  endif()
  set(CMAKE_SYSROOT "${HUGE2_AARCH64_SYSROOT}")
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)   # absolute PATHS too: /usr/lib/darknet is the tree's
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
  # The linker resolves the libraries' own dependencies (libgfortran behind
  # OpenBLAS, OpenCV behind libdarknet) in the tree too.
  set(_rpl "-Wl,-rpath-link,${CMAKE_SYSROOT}/usr/lib/${_triple}:${CMAKE_SYSROOT}/lib/${_triple}")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "${_rpl}")
  set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_rpl}")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${CMAKE_SYSROOT}")
  set(ENV{PKG_CONFIG_LIBDIR} "${CMAKE_SYSROOT}/usr/lib/${_triple}/pkgconfig:${CMAKE_SYSROOT}/usr/share/pkgconfig")
  set(_qemu_root "${CMAKE_SYSROOT}")
else()
  # The cross toolchain's own libc/libstdc++ (for linking) are in
  # /usr/aarch64-linux-gnu, the arm64 packages in /usr/lib/aarch64-linux-gnu.
  set(CMAKE_FIND_ROOT_PATH /usr/${_triple})
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)   # Catch2's CMake config is arch-independent
  set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${_triple}/pkgconfig:/usr/share/pkgconfig)
  # The guest's root is the host's: Debian's arm64 multiarch userland
  # (libc6:arm64, libstdc++6:arm64). Not -L /usr/aarch64-linux-gnu: that
  # tree's ld.so has no lib/aarch64-linux-gnu, so it would load the multiarch
  # libc.so.6 of another Debian revision, and the mismatched pair hangs in the
  # first pthread_create.
  set(_qemu_root /)
endif()
set(ENV{PKG_CONFIG_PATH} "")

# Run target binaries (Catch's discovery at build time, ctest) under qemu.
# "-L" also overrides a QEMU_LD_PREFIX left in the environment.
if(NOT DEFINED CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(HUGE2_QEMU_AARCH64 qemu-aarch64)
  if(HUGE2_QEMU_AARCH64)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${HUGE2_QEMU_AARCH64};-L;${_qemu_root}")
  endif()
endif()
