# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file: cross-compile for arm64 Linux with Debian's
# gcc-aarch64-linux-gnu (libc6-dev-arm64-cross, linux-libc-dev-arm64-cross),
# linking every executable statically so it runs as /init of an initramfs.
#
#   cmake -S SRC -B build-aarch64 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#
# KFP_CROSS_PREFIX (cache/env) overrides the tool prefix (default
# aarch64-linux-gnu-); KFP_CROSS_SYSROOT adds a directory (e.g. arm64 .debs
# unpacked with dpkg -x) searched for libraries and headers after the
# toolchain's own /usr/aarch64-linux-gnu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

if(NOT KFP_CROSS_PREFIX)
  if(DEFINED ENV{KFP_CROSS_PREFIX})
    set(KFP_CROSS_PREFIX "$ENV{KFP_CROSS_PREFIX}")
  else()
    set(KFP_CROSS_PREFIX aarch64-linux-gnu-)
  endif()
endif()
set(KFP_CROSS_PREFIX "${KFP_CROSS_PREFIX}" CACHE STRING "Cross tool prefix")

find_program(KFP_CROSS_CC ${KFP_CROSS_PREFIX}gcc)
if(NOT KFP_CROSS_CC)
  message(FATAL_ERROR "${KFP_CROSS_PREFIX}gcc not found: "
    "apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross")
endif()
set(CMAKE_C_COMPILER ${KFP_CROSS_CC})
find_program(CMAKE_AR ${KFP_CROSS_PREFIX}ar)
find_program(CMAKE_RANLIB ${KFP_CROSS_PREFIX}ranlib)
find_program(CMAKE_STRIP ${KFP_CROSS_PREFIX}strip)

# try_compile() reads this file again in a project of its own: hand it the
# same settings, or it resets PKG_CONFIG_LIBDIR (the environment is shared)
# without the sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KFP_CROSS_PREFIX KFP_CROSS_SYSROOT)

# Headers and libraries from the target side only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu ${KFP_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config must not hand out the build machine's x86_64 libraries.
set(ENV{PKG_CONFIG_LIBDIR}
    "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/aarch64-linux-gnu/lib/pkgconfig")
if(KFP_CROSS_SYSROOT)
  set(ENV{PKG_CONFIG_LIBDIR}
      "${KFP_CROSS_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:$ENV{PKG_CONFIG_LIBDIR}")
  set(ENV{PKG_CONFIG_SYSROOT_DIR} "${KFP_CROSS_SYSROOT}")
endif()

# Static executables, static libraries.
set(BUILD_SHARED_LIBS OFF CACHE BOOL "Static libraries only" FORCE)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Run target programs on the host (tests, generators) when qemu-user is
# installed; not needed by the fleet harness, which boots real kernels.
find_program(KFP_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(KFP_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${KFP_QEMU_AARCH64})
endif()
