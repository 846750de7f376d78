# SPDX-License-Identifier: Apache-2.0
# CMAKE_PROJECT_INCLUDE of the x86 fleet's static build (tests/fleet/
# build-x86): every executable linked statically, so that `kfp` runs as is
# in an initramfs that holds no libc.  After project(), so that it wins over
# the platform's ".so" ".a": pkg_check_modules then finds libyaml.a and
# libxxhash.a.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "Static libraries only" FORCE)
set(CMAKE_EXE_LINKER_FLAGS "${CMAKE_EXE_LINKER_FLAGS} -static")

# bench_apply, which the x86 fleet runs inside each kernel (tests/fleet/
# run-x86-bench), is a benchmark of the tests' tree (bench/, KFP_TESTS); this
# build has no tests (no static cmocka), so it is added here, once the
# project's targets exist.
function(kfp_fleet_bench_apply)
  add_executable(bench_apply ${CMAKE_SOURCE_DIR}/bench/bench_apply.c)
  target_link_libraries(bench_apply PRIVATE kfp kfp_compiler)
  target_compile_definitions(bench_apply PRIVATE KFP_SOURCE_DIR="/kfp"
    KFP_LIBKFP_PATH="/kfp/lib/libkfp.a" KFP_BENCH_STATIC=1)
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL kfp_fleet_bench_apply)
