# SPDX-License-Identifier: Apache-2.0
# CMAKE_PROJECT_INCLUDE of the x86 fleet's static build (tests/fleet/
# build-x86): every executable linked statically, so that `kfp` runs as is
# in an initramfs that holds no libc.  After project(), so that it wins over
# the platform's ".so" ".a": pkg_check_modules then finds libyaml.a and
# libxxhash.a.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "Static libraries only" FORCE)
set(CMAKE_EXE_LINKER_FLAGS "${CMAKE_EXE_LINKER_FLAGS} -static")
