# SPDX-License-Identifier: Apache-2.0
#
# kfp_add_policy(<target> <policy.kfp> [FLEET <name>] [HOSTS <dir>]
#                [NAME <name>] [SHARED])
#
# Compiles a kfp policy into C tables at build time and builds them into
# <target>: runs `kfpc compile` into
# ${CMAKE_CURRENT_BINARY_DIR}/kfp-policies/<name>.c and <name>.h (<name> is
# the policy file's name without .kfp unless NAME says otherwise), adds the
# .c to the target, the directory to its include path, and links kfp::kfp
# (kfp::kfp_shared with SHARED).  The target then includes "<name>.h" and
# uses kfp_<policy>_<fleet>.
#
#   FLEET   only this fleet (kfpc --fleet)
#   HOSTS   check against the host profiles DIR/*.yaml instead of the
#           fleets' `hosts` lines (kfpc --hosts); relative to the current
#           source directory
#
# The tables are rebuilt when kfpc, the policy, any file it includes or any
# host profile it reads changes (kfpc writes a depfile; with CMake older
# than 3.20 and a Makefile generator, the .kfp files beside the policy and
# the host profiles are listed at configure time instead).  kfpc runs in
# the current source directory, so reports name the policy as written here.
# Works from an installed package (find_package(kfp)) and inside kfp's own
# build tree.
include_guard(GLOBAL)

# Depfile paths are absolute; the new behaviour keeps them so.
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW)
endif()

function(kfp_add_policy target policy)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "SHARED" "FLEET;HOSTS;NAME" "")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kfp_add_policy: unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}\n"
      "usage: kfp_add_policy(<target> <policy.kfp> [FLEET <name>] [HOSTS <dir>] [NAME <name>] [SHARED])")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "kfp_add_policy: no target '${target}' (create it first)")
  endif()
  get_filename_component(policy_abs "${policy}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${policy_abs}")
    message(FATAL_ERROR "kfp_add_policy: no policy file ${policy_abs}")
  endif()
  if(NOT ARG_NAME)
    get_filename_component(ARG_NAME "${policy}" NAME_WLE)
  endif()
  if(NOT ARG_NAME MATCHES "^[A-Za-z0-9_.+-]+$")
    message(FATAL_ERROR "kfp_add_policy: '${ARG_NAME}' cannot name generated files; give NAME <name>")
  endif()

  # kfpc: the package's, this build tree's, or one on the PATH.
  if(TARGET kfp::kfpc)
    set(kfpc "$<TARGET_FILE:kfp::kfpc>")
  elseif(TARGET kfpc)
    set(kfpc "$<TARGET_FILE:kfpc>")
  else()
    find_program(KFP_KFPC_EXECUTABLE kfpc)
    if(NOT KFP_KFPC_EXECUTABLE)
      message(FATAL_ERROR "kfp_add_policy: no kfpc (this kfp package has no compiler: is it a runtime-only install?)")
    endif()
    set(kfpc "${KFP_KFPC_EXECUTABLE}")
  endif()
  if(ARG_SHARED)
    set(lib kfp::kfp_shared)
  else()
    set(lib kfp::kfp)
  endif()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/kfp-policies")
  set(out_c "${dir}/${ARG_NAME}.c")
  set(out_h "${dir}/${ARG_NAME}.h")
  set(depfile "${dir}/${ARG_NAME}.d")
  set(args compile "${policy}" -o "${out_c}" --header "${out_h}")
  if(ARG_FLEET)
    list(APPEND args --fleet "${ARG_FLEET}")
  endif()
  set(deps "${policy_abs}" "${kfpc}")
  if(ARG_HOSTS)
    get_filename_component(hosts_abs "${ARG_HOSTS}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args --hosts "${hosts_abs}")
  endif()
  # The package's own catalog, wherever the package was installed.
  if(KFP_CATALOG_DIR)
    list(APPEND args --catalog "${KFP_CATALOG_DIR}")
  endif()

  # The same outputs for two targets of one directory: one rule.
  set(key "${policy_abs};${ARG_FLEET};${ARG_HOSTS}")
  get_property(known DIRECTORY PROPERTY "KFP_POLICY_${ARG_NAME}")
  if(NOT known)
    set_property(DIRECTORY PROPERTY "KFP_POLICY_${ARG_NAME}" "${key}")
    set(extra)
    if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.20 OR CMAKE_GENERATOR MATCHES "Ninja")
      list(APPEND args --depfile "${depfile}")
      set(extra DEPFILE "${depfile}")
    else()
      get_filename_component(policy_dir "${policy_abs}" DIRECTORY)
      file(GLOB_RECURSE more CONFIGURE_DEPENDS "${policy_dir}/*.kfp")
      list(APPEND deps ${more})
      if(ARG_HOSTS)
        file(GLOB more CONFIGURE_DEPENDS "${hosts_abs}/*.yaml")
        list(APPEND deps ${more})
      endif()
    endif()
    file(MAKE_DIRECTORY "${dir}")
    add_custom_command(
      OUTPUT "${out_c}" "${out_h}"
      COMMAND ${kfpc} ${args}
      DEPENDS ${deps}
      ${extra}
      WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
      COMMENT "kfpc: compiling policy ${policy} into kfp-policies/${ARG_NAME}.c"
      VERBATIM)
  elseif(NOT known STREQUAL key)
    message(FATAL_ERROR "kfp_add_policy: kfp-policies/${ARG_NAME}.c is already made from other arguments in this directory; give NAME <other-name>")
  endif()

  target_sources(${target} PRIVATE "${out_c}" "${out_h}")
  target_include_directories(${target} PRIVATE "${dir}")
  target_link_libraries(${target} PRIVATE ${lib})
endfunction()
