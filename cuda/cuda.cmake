# Configuration of the CUDA backend, included from the top-level
# CMakeLists.txt (enable_language must run there). Reads HUGE2_CUDA and
# HUGE2_CUDNN (AUTO|ON|OFF) and sets HUGE2_WITH_CUDA / HUGE2_WITH_CUDNN, the
# imported target huge2_cudnn, and HUGE2_CUDNN_VERSION.
#
# Architectures: CMAKE_CUDA_ARCHITECTURES, default "75;80;86;87;90" (Turing,
# A100, RTX 30xx, Jetson Orin, H100/H200; newer GPUs JIT the sm_90 PTX).
# Jetson: Orin (AGX/NX/Nano) is sm_87, in the default; Xavier (sm_72) and the
# original Nano/TX1 (sm_53) need the older toolkit of JetPack 5 (CUDA 11.4,
# -DCMAKE_CUDA_ARCHITECTURES=72) or JetPack 4 (CUDA 10.2, =53): CUDA 13 no
# longer compiles for them. On a Jetson, =87 alone (or 72, 53) keeps the
# build short.

function(_huge2_tristate name out)
  string(TOUPPER "${${name}}" v)
  if(v STREQUAL "AUTO")
    set(${out} AUTO PARENT_SCOPE)
  elseif(v MATCHES "^(ON|YES|TRUE|Y|1)$")
    set(${out} ON PARENT_SCOPE)
  elseif(v MATCHES "^(OFF|NO|FALSE|N|0|)$")
    set(${out} OFF PARENT_SCOPE)
  else()
    message(FATAL_ERROR "huge2: ${name} must be AUTO, ON or OFF, got '${${name}}'")
  endif()
endfunction()
_huge2_tristate(HUGE2_CUDA _huge2_cuda)
_huge2_tristate(HUGE2_CUDNN _huge2_cudnn)

set(HUGE2_WITH_CUDA OFF)
set(HUGE2_WITH_CUDNN OFF)
set(_huge2_cuda_why "HUGE2_CUDA is OFF")

if(NOT _huge2_cuda STREQUAL "OFF")
  # nvcc is usually not on PATH: take the toolkit's when none is given.
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc CACHE FILEPATH "CUDA compiler" FORCE)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER AND IS_ABSOLUTE "${CMAKE_CUDA_COMPILER}" AND NOT EXISTS "${CMAKE_CUDA_COMPILER}")
    set(_huge2_cuda_why "CMAKE_CUDA_COMPILER ${CMAKE_CUDA_COMPILER} does not exist")
  elseif(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
      set(CMAKE_CUDA_ARCHITECTURES "75;80;86;87;90" CACHE STRING
          "GPU architectures (Jetson Orin: 87; Xavier 72 / Nano 53 need JetPack 5 / 4's older CUDA)")
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit)
    if(CUDAToolkit_FOUND AND TARGET CUDA::cudart AND TARGET CUDA::cublas)
      set(HUGE2_WITH_CUDA ON)
    else()
      set(_huge2_cuda_why "the CUDA toolkit's runtime or cuBLAS was not found")
    endif()
  else()
    set(_huge2_cuda_why "no CUDA compiler (nvcc) found; set CMAKE_CUDA_COMPILER")
  endif()
  if(NOT HUGE2_WITH_CUDA)
    if(_huge2_cuda STREQUAL "ON")
      message(FATAL_ERROR "huge2: HUGE2_CUDA=ON but ${_huge2_cuda_why}")
    endif()
    message(STATUS "huge2: CUDA backend off: ${_huge2_cuda_why}")
  endif()
endif()

if(_huge2_cudnn STREQUAL "ON" AND NOT HUGE2_WITH_CUDA)
  message(FATAL_ERROR "huge2: HUGE2_CUDNN=ON needs the CUDA backend (HUGE2_CUDA=${HUGE2_CUDA}: ${_huge2_cuda_why})")
endif()

if(HUGE2_WITH_CUDA AND NOT _huge2_cudnn STREQUAL "OFF")
  set(_huge2_cudnn_hints ${CUDNN_ROOT} $ENV{CUDNN_ROOT} ${CUDAToolkit_LIBRARY_ROOT} /usr/local/cuda)
  find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS ${_huge2_cudnn_hints} ${CUDAToolkit_INCLUDE_DIRS} PATH_SUFFIXES include)
  find_library(CUDNN_LIBRARY cudnn HINTS ${_huge2_cudnn_hints} ${CUDAToolkit_LIBRARY_DIR} PATH_SUFFIXES lib64 lib)
  set(HUGE2_CUDNN_VERSION "")
  foreach(_h cudnn_version.h cudnn.h)
    if(CUDNN_INCLUDE_DIR AND EXISTS "${CUDNN_INCLUDE_DIR}/${_h}" AND NOT HUGE2_CUDNN_VERSION)
      file(STRINGS "${CUDNN_INCLUDE_DIR}/${_h}" _v REGEX "^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
      if(_v)
        string(REGEX REPLACE ".*CUDNN_MAJOR +([0-9]+).*CUDNN_MINOR +([0-9]+).*CUDNN_PATCHLEVEL +([0-9]+).*" "\\1.\\2.\\3"
                             HUGE2_CUDNN_VERSION "${_v}")
      endif()
    endif()
  endforeach()
  if(CUDNN_INCLUDE_DIR AND CUDNN_LIBRARY AND HUGE2_CUDNN_VERSION VERSION_GREATER_EQUAL 8)
    add_library(huge2_cudnn SHARED IMPORTED)
    set_target_properties(huge2_cudnn PROPERTIES IMPORTED_LOCATION ${CUDNN_LIBRARY}
                          INTERFACE_INCLUDE_DIRECTORIES ${CUDNN_INCLUDE_DIR})
    set(HUGE2_WITH_CUDNN ON)
  else()
    set(_huge2_cudnn_why "cuDNN >= 8 not found (cudnn.h: ${CUDNN_INCLUDE_DIR}, libcudnn: ${CUDNN_LIBRARY}, version '${HUGE2_CUDNN_VERSION}'); set CUDNN_ROOT")
    if(_huge2_cudnn STREQUAL "ON")
      message(FATAL_ERROR "huge2: HUGE2_CUDNN=ON but ${_huge2_cudnn_why}")
    endif()
    message(STATUS "huge2: cudnn GPU algorithm off: ${_huge2_cudnn_why}")
  endif()
endif()

if(HUGE2_WITH_CUDA)
  message(STATUS "huge2: CUDA backend on: nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}"
                 "; cuDNN: ${HUGE2_WITH_CUDNN} ${HUGE2_CUDNN_VERSION}")
endif()
